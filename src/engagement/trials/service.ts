import { parsePhone } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { businessRule, invalidField, notFound, Problem } from "../../platform/http/problems.ts";
import { getTenant } from "../../tenants/service.ts";
import { engagementId } from "../ids.ts";
import { payReward } from "../rewards.ts";
import type { TrialApplicationStatus } from "../tables.ts";

/**
 * Product trials (新品试用): a campaign collects applications with a delivery address, staff approve up to the
 * quota, ship, and the member's review earns points. Each step moves an application one status forward.
 */

export interface Trial {
  trial_id: string;
  code: string;
  name: string;
  description: string | null;
  product_sku: string;
  quota: number;
  approved_count: number;
  applications_open_at: Date;
  applications_close_at: Date;
  feedback_points: number;
  created_at: Date;
}

const TRIAL_COLUMNS = [
  "trial_id",
  "code",
  "name",
  "description",
  "product_sku",
  "quota",
  "approved_count",
  "applications_open_at",
  "applications_close_at",
  "feedback_points",
  "created_at",
] as const;

export interface Application {
  application_id: string;
  trial_id: string;
  member_id: string;
  status: TrialApplicationStatus;
  recipient_name: string;
  phone: string;
  address: string;
  reason: string | null;
  tracking_no: string | null;
  rating: number | null;
  feedback: string | null;
  points_awarded: number;
  applied_at: Date;
  decided_at: Date | null;
  shipped_at: Date | null;
  reviewed_at: Date | null;
}

const APPLICATION_COLUMNS = [
  "application_id",
  "trial_id",
  "member_id",
  "status",
  "recipient_name",
  "phone",
  "address",
  "reason",
  "tracking_no",
  "rating",
  "feedback",
  "points_awarded",
  "applied_at",
  "decided_at",
  "shipped_at",
  "reviewed_at",
] as const;

export interface TrialInput {
  code: string;
  name: string;
  description?: string | undefined;
  product_sku: string;
  quota: number;
  applications_open_at: Date;
  applications_close_at: Date;
  feedback_points?: number | undefined;
}

export async function createTrial(
  tx: Executor,
  tenantId: string,
  input: TrialInput,
  now: Date,
): Promise<Trial> {
  for (const field of ["applications_open_at", "applications_close_at"] as const) {
    const year = input[field].getUTCFullYear();
    if (year < 2000 || year >= 2100) throw invalidField(`/${field}`, "must be in the years 2000–2099");
  }
  if (input.applications_close_at <= input.applications_open_at)
    throw invalidField("/applications_close_at", "must be after applications_open_at");
  const row = await tx
    .insertInto("trials")
    .values({
      tenant_id: tenantId,
      trial_id: engagementId("trial"),
      code: input.code,
      name: input.name,
      description: input.description ?? null,
      product_sku: input.product_sku,
      quota: input.quota,
      applications_open_at: input.applications_open_at,
      applications_close_at: input.applications_close_at,
      feedback_points: input.feedback_points ?? 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "code"]).doNothing())
    .returning(TRIAL_COLUMNS)
    .executeTakeFirst();
  if (!row)
    throw new Problem("conflict", `a trial with code ${input.code} exists`, {
      errors: [{ in: "body", field: "/code", message: "already used" }],
    });
  return row;
}

export async function getTrial(db: Executor, tenantId: string, trialId: string): Promise<Trial> {
  const row = await db
    .selectFrom("trials")
    .select(TRIAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("trial_id", "=", trialId)
    .executeTakeFirst();
  if (!row) throw notFound("trial", trialId);
  return row;
}

/** Trials newest first; `openAt` keeps those taking applications at that moment. */
export async function listTrials(
  db: Executor,
  tenantId: string,
  page: { limit: number; before: string | undefined; openAt?: Date },
): Promise<{ items: Trial[]; next_cursor: string | null }> {
  let query = db.selectFrom("trials").select(TRIAL_COLUMNS).where("tenant_id", "=", tenantId);
  if (page.before) query = query.where("trial_id", "<", page.before);
  if (page.openAt)
    query = query
      .where("applications_open_at", "<=", page.openAt)
      .where("applications_close_at", ">", page.openAt);
  const rows = await query
    .orderBy("trial_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => r.trial_id);
}

export interface ApplicationInput {
  recipient_name: string;
  phone: string;
  address: string;
  reason?: string | undefined;
}

export async function applyForTrial(
  tx: Executor,
  tenantId: string,
  memberId: string,
  trialId: string,
  input: ApplicationInput,
  now: Date,
): Promise<Application> {
  const trial = await getTrial(tx, tenantId, trialId);
  if (now < trial.applications_open_at || now >= trial.applications_close_at)
    throw businessRule("this trial is not taking applications now");
  const phone = parsePhone(input.phone, (await getTenant(tx, tenantId)).country);
  const row = await tx
    .insertInto("trial_applications")
    .values({
      tenant_id: tenantId,
      application_id: engagementId("trialApplication"),
      trial_id: trialId,
      member_id: memberId,
      status: "applied",
      recipient_name: input.recipient_name,
      phone,
      address: input.address,
      reason: input.reason ?? null,
      applied_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "trial_id", "member_id"]).doNothing())
    .returning(APPLICATION_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new Problem("conflict", "you have already applied for this trial");
  await trialEvent(tx, tenantId, "trial.applied", row, trial, now);
  return row;
}

async function lockApplication(tx: Executor, tenantId: string, applicationId: string): Promise<Application> {
  const row = await tx
    .selectFrom("trial_applications")
    .select(APPLICATION_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("application_id", "=", applicationId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound("trial application", applicationId);
  return row;
}

function expectStatus(application: Application, wanted: TrialApplicationStatus, doing: string): void {
  if (application.status !== wanted)
    throw new Problem("conflict", `cannot ${doing} an application that is ${application.status}`, {
      extensions: { application_status: application.status },
    });
}

/** Approves within the quota: the count is taken in one conditional update, so parallel approvals never overshoot. */
export async function decideApplication(
  tx: Executor,
  tenantId: string,
  applicationId: string,
  decision: "approve" | "reject",
  now: Date,
): Promise<Application> {
  const application = await lockApplication(tx, tenantId, applicationId);
  expectStatus(application, "applied", decision);
  const trial = await getTrial(tx, tenantId, application.trial_id);
  if (decision === "approve") {
    const taken = await tx
      .updateTable("trials")
      .set((eb) => ({ approved_count: eb("approved_count", "+", 1), updated_at: now }))
      .where("tenant_id", "=", tenantId)
      .where("trial_id", "=", application.trial_id)
      .where((eb) => eb("approved_count", "<", eb.ref("quota")))
      .returning("approved_count")
      .executeTakeFirst();
    if (!taken) throw new Problem("insufficient-stock", `the trial's quota of ${trial.quota} is reached`);
  }
  const row = await setStatus(tx, tenantId, applicationId, {
    status: decision === "approve" ? "approved" : "rejected",
    decided_at: now,
  });
  await trialEvent(
    tx,
    tenantId,
    decision === "approve" ? "trial.approved" : "trial.rejected",
    row,
    trial,
    now,
  );
  return row;
}

export async function shipApplication(
  tx: Executor,
  tenantId: string,
  applicationId: string,
  trackingNo: string,
  now: Date,
): Promise<Application> {
  const application = await lockApplication(tx, tenantId, applicationId);
  expectStatus(application, "approved", "ship");
  const row = await setStatus(tx, tenantId, applicationId, {
    status: "shipped",
    tracking_no: trackingNo,
    shipped_at: now,
  });
  await trialEvent(tx, tenantId, "trial.shipped", row, await getTrial(tx, tenantId, row.trial_id), now);
  return row;
}

/** The member's review of the product they tried; it earns the trial's feedback points, once. */
export async function reviewTrial(
  tx: Executor,
  tenantId: string,
  memberId: string,
  applicationId: string,
  review: { rating: number; feedback: string },
  now: Date,
): Promise<Application> {
  const application = await lockApplication(tx, tenantId, applicationId);
  if (application.member_id !== memberId) throw notFound("trial application", applicationId);
  expectStatus(application, "shipped", "review");
  const trial = await getTrial(tx, tenantId, application.trial_id);
  const paid = await payReward(
    tx,
    tenantId,
    {
      member_id: memberId,
      points: trial.feedback_points,
      coupon: null,
      source_type: "engagement.trial",
      source_id: applicationId,
      reason: `Trial review: ${trial.name}`,
      actor: memberId,
    },
    now,
  );
  const row = await setStatus(tx, tenantId, applicationId, {
    status: "reviewed",
    rating: review.rating,
    feedback: review.feedback,
    points_awarded: paid.points,
    reviewed_at: now,
  });
  await trialEvent(tx, tenantId, "trial.reviewed", row, trial, now);
  return row;
}

async function setStatus(
  tx: Executor,
  tenantId: string,
  applicationId: string,
  set: Partial<Omit<Application, "application_id" | "trial_id" | "member_id">>,
): Promise<Application> {
  return tx
    .updateTable("trial_applications")
    .set(set)
    .where("tenant_id", "=", tenantId)
    .where("application_id", "=", applicationId)
    .returning(APPLICATION_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Events name the member (their timeline) but carry no address or phone: webhooks need not see them. */
async function trialEvent(
  tx: Executor,
  tenantId: string,
  type: string,
  application: Application,
  trial: Trial,
  now: Date,
): Promise<void> {
  await recordEvent(tx, {
    tenantId,
    type,
    subjectId: application.member_id,
    at: now,
    payload: {
      member_id: application.member_id,
      application_id: application.application_id,
      trial_id: trial.trial_id,
      trial_code: trial.code,
      product_sku: trial.product_sku,
      status: application.status,
      ...(application.tracking_no ? { tracking_no: application.tracking_no } : {}),
      ...(application.rating !== null
        ? { rating: application.rating, points: application.points_awarded }
        : {}),
    },
  });
}

export async function listApplications(
  db: Executor,
  tenantId: string,
  filter: { trial_id?: string; member_id?: string; status?: TrialApplicationStatus | undefined },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Application[]; next_cursor: string | null }> {
  let query = db
    .selectFrom("trial_applications")
    .select(APPLICATION_COLUMNS)
    .where("tenant_id", "=", tenantId);
  if (filter.trial_id) query = query.where("trial_id", "=", filter.trial_id);
  if (filter.member_id) query = query.where("member_id", "=", filter.member_id);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.after) query = query.where("application_id", ">", page.after);
  const rows = await query
    .orderBy("application_id")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (r) => r.application_id);
}
