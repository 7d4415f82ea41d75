import { randomInt } from "node:crypto";
import { sql } from "kysely";
import { insertMany } from "../platform/db/bulk.ts";
import type { Executor } from "../platform/db/database.ts";
import { businessRule, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { getTenant } from "../tenants/service.ts";
import type { IssueSource } from "./tables.ts";
import { findPack, getTemplates, type Template } from "./templates.ts";
import { couponValidity } from "./validity.ts";

/**
 * Issuing coupons: to one member (API, staff, a member's own claim, a tier upgrade, joining, a points exchange)
 * or to thousands (a segment). One engine for all of them, so budgets, per-member limits and business keys hold
 * the same way whoever issues.
 */

/** The most members one bulk request may name. */
export const MAX_BULK_MEMBERS = 10_000;
/** Skipped members kept on the issuance record (the count is always exact). */
const SKIPPED_KEPT = 200;
/** Coupons returned in an issuance's answer; a bulk answer gives counts only. */
const COUPONS_RETURNED_MAX = 100;

/** Printable on a receipt, a QR code or a Code 128 barcode: no I, L, O, U to misread. 12 symbols ≈ 60 random bits. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 12;

export function newCouponCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export type IssueWhat = { template_id: string } | { pack_id: string };

export interface IssueRequest {
  /** Business key: the same key again issues nothing and answers with the first issuance. */
  key: string;
  source: IssueSource;
  actor: string;
  what: IssueWhat;
  /** Members that exist in the brand (the caller resolved them and checked its scope). */
  member_ids: string[];
  /** What to do with a member over a template's per-member limit: leave them out, or fail the issuance. */
  on_limit: "skip" | "fail";
  /** What to do when a template's quantity budget cannot cover everyone: leave that template out, or fail. */
  on_budget: "skip" | "fail";
}

export interface Skip {
  member_id: string;
  template_id: string;
  reason: "limit_reached" | "budget_exhausted" | "inactive" | "validity_ended";
}

export interface IssuedCoupon {
  coupon_id: string;
  code: string;
  template_id: string;
  member_id: string;
  valid_from: Date;
  valid_until: Date;
}

export interface IssueResult {
  issue_id: string;
  replayed: boolean;
  members: number;
  issued: number;
  skipped_count: number;
  skipped: Skip[];
  coupons: IssuedCoupon[];
}

export async function issueCoupons(
  tx: Executor,
  tenantId: string,
  request: IssueRequest,
  now: Date,
): Promise<IssueResult> {
  const memberIds = [...new Set(request.member_ids)].sort();
  if (memberIds.length > MAX_BULK_MEMBERS)
    throw new Problem("validation-failed", `at most ${MAX_BULK_MEMBERS} members per issuance`);
  const issueId = newId("couponIssue");
  const claimed = await tx
    .insertInto("coupon_issues")
    .values({
      tenant_id: tenantId,
      issue_id: issueId,
      issue_key: request.key,
      source: request.source,
      template_id: "template_id" in request.what ? request.what.template_id : null,
      pack_id: "pack_id" in request.what ? request.what.pack_id : null,
      actor: request.actor,
      members: memberIds.length,
      skipped: "[]",
      created_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "issue_key"]).doNothing())
    .returning("issue_id")
    .executeTakeFirst();
  if (!claimed) return replayIssue(tx, tenantId, request, memberIds.length);

  const items = await itemsOf(tx, tenantId, request.what);
  const { time_zone } = await getTenant(tx, tenantId);
  const skipped: Skip[] = [];
  const rows: (IssuedCoupon & { issue_id: string })[] = [];
  for (const { template, quantity } of items) {
    const skipAll = (reason: Skip["reason"], members = memberIds) => {
      for (const member_id of members) skipped.push({ member_id, template_id: template.template_id, reason });
    };
    if (!template.active) {
      if (request.on_budget === "fail")
        throw businessRule(`coupon template ${template.code} is not issued any more`);
      skipAll("inactive");
      continue;
    }
    const validity = couponValidity(template.validity, now, time_zone);
    if ("ended" in validity) {
      if (request.on_budget === "fail")
        throw new Problem("coupon-expired", `coupon template ${template.code}'s validity has ended`);
      skipAll("validity_ended");
      continue;
    }
    const eligible = await countTowardsLimit(tx, tenantId, template, memberIds, quantity);
    if (eligible.length < memberIds.length) {
      if (request.on_limit === "fail") {
        throw new Problem(
          "limit-reached",
          `at most ${template.per_member_limit ?? 0} of ${template.code} per member`,
        );
      }
      const kept = new Set(eligible);
      skipAll(
        "limit_reached",
        memberIds.filter((m) => !kept.has(m)),
      );
    }
    if (eligible.length === 0) continue;
    if (!(await takeFromBudget(tx, tenantId, template, eligible.length * quantity))) {
      if (request.on_budget === "fail")
        throw new Problem(
          "insufficient-stock",
          `coupon template ${template.code} has no coupons left to issue`,
        );
      await uncount(tx, tenantId, template.template_id, eligible, quantity);
      skipAll("budget_exhausted", eligible);
      continue;
    }
    for (const member_id of eligible) {
      for (let n = 0; n < quantity; n++) {
        rows.push({
          issue_id: issueId,
          coupon_id: newId("coupon"),
          code: newCouponCode(),
          template_id: template.template_id,
          member_id,
          ...validity,
        });
      }
    }
  }

  await insertMany(
    tx,
    "coupons",
    {
      tenant_id: "text",
      coupon_id: "text",
      code: "text",
      template_id: "text",
      member_id: "text",
      issue_id: "text",
      status: "text",
      valid_from: "timestamptz",
      valid_until: "timestamptz",
      issued_at: "timestamptz",
      updated_at: "timestamptz",
    },
    rows.map((r) => ({ ...r, tenant_id: tenantId, status: "available", issued_at: now, updated_at: now })),
  );
  await tx
    .updateTable("coupon_issues")
    .set({
      issued: rows.length,
      skipped: JSON.stringify(skipped.slice(0, SKIPPED_KEPT)),
      skipped_count: skipped.length,
    })
    .where("tenant_id", "=", tenantId)
    .where("issue_id", "=", issueId)
    .execute();
  await recordIssuedEvents(tx, tenantId, issueId, request.source, rows, items, now);
  return {
    issue_id: issueId,
    replayed: false,
    members: memberIds.length,
    issued: rows.length,
    skipped_count: skipped.length,
    skipped: skipped.slice(0, SKIPPED_KEPT),
    coupons: rows.slice(0, COUPONS_RETURNED_MAX).map(({ issue_id: _issue, ...coupon }) => coupon),
  };
}

async function itemsOf(
  tx: Executor,
  tenantId: string,
  what: IssueWhat,
): Promise<{ template: Template; quantity: number }[]> {
  if ("template_id" in what) {
    const template = (await getTemplates(tx, tenantId, [what.template_id])).get(what.template_id);
    if (!template) throw notFound("coupon template", what.template_id);
    return [{ template, quantity: 1 }];
  }
  const pack = await findPack(tx, tenantId, { pack_id: what.pack_id });
  if (!pack) throw notFound("coupon pack", what.pack_id);
  const templates = await getTemplates(
    tx,
    tenantId,
    pack.items.map((i) => i.template_id),
  );
  return pack.items.flatMap((item) => {
    const template = templates.get(item.template_id);
    return template ? [{ template, quantity: item.quantity }] : [];
  });
}

/**
 * Counts the coupons towards each member's limit and returns the members still within it. The check and the
 * count are one statement on the member's counter row, so two parallel claims by one member cannot both pass.
 */
async function countTowardsLimit(
  tx: Executor,
  tenantId: string,
  template: Template,
  memberIds: string[],
  quantity: number,
): Promise<string[]> {
  const limit = template.per_member_limit;
  if (limit !== null && quantity > limit) return [];
  const rows = await sql<{ member_id: string }>`
    INSERT INTO coupon_member_counts (tenant_id, template_id, member_id, issued)
    SELECT ${tenantId}, ${template.template_id}, m, ${quantity}::int FROM unnest(${memberIds}::text[]) AS m
    ON CONFLICT (tenant_id, template_id, member_id)
    DO UPDATE SET issued = coupon_member_counts.issued + EXCLUDED.issued
    WHERE ${limit}::int IS NULL OR coupon_member_counts.issued + EXCLUDED.issued <= ${limit}::int
    RETURNING member_id`.execute(tx);
  return rows.rows.map((r) => r.member_id).sort();
}

async function uncount(
  tx: Executor,
  tenantId: string,
  templateId: string,
  memberIds: string[],
  quantity: number,
): Promise<void> {
  await sql`UPDATE coupon_member_counts SET issued = issued - ${quantity}::int
    WHERE tenant_id = ${tenantId} AND template_id = ${templateId} AND member_id = ANY(${memberIds}::text[])`.execute(
    tx,
  );
}

/**
 * Takes `count` coupons from the template's quantity budget, in one conditional update: of many parallel
 * claimers exactly those the budget covers succeed. Templates without a budget are not touched (no hot row).
 */
async function takeFromBudget(
  tx: Executor,
  tenantId: string,
  template: Template,
  count: number,
): Promise<boolean> {
  if (template.max_issued === null) return true;
  const row = await tx
    .updateTable("coupon_templates")
    .set((eb) => ({ issued_count: eb("issued_count", "+", count) }))
    .where("tenant_id", "=", tenantId)
    .where("template_id", "=", template.template_id)
    .where("max_issued", "is not", null)
    .where((eb) => eb(eb("issued_count", "+", count), "<=", eb.ref("max_issued")))
    .returning("issued_count")
    .executeTakeFirst();
  return row !== undefined;
}

async function replayIssue(
  tx: Executor,
  tenantId: string,
  request: IssueRequest,
  members: number,
): Promise<IssueResult> {
  const previous = await tx
    .selectFrom("coupon_issues")
    .select(["issue_id", "template_id", "pack_id", "members", "issued", "skipped", "skipped_count"])
    .where("tenant_id", "=", tenantId)
    .where("issue_key", "=", request.key)
    .executeTakeFirstOrThrow();
  const sameWhat =
    "template_id" in request.what
      ? previous.template_id === request.what.template_id
      : previous.pack_id === request.what.pack_id;
  if (!sameWhat || previous.members !== members) {
    throw new Problem("conflict", "this reference was already used for another issuance", {
      errors: [{ in: "body", field: "/reference", message: "already used for another issuance" }],
    });
  }
  const coupons = await tx
    .selectFrom("coupons")
    .select(["coupon_id", "code", "template_id", "member_id", "valid_from", "valid_until"])
    .where("tenant_id", "=", tenantId)
    .where("issue_id", "=", previous.issue_id)
    .orderBy("coupon_id")
    .limit(COUPONS_RETURNED_MAX)
    .execute();
  return {
    issue_id: previous.issue_id,
    replayed: true,
    members: previous.members,
    issued: previous.issued,
    skipped_count: previous.skipped_count,
    skipped: previous.skipped as Skip[],
    coupons,
  };
}

/** One `coupon.issued` event per member and issuance: the member's timeline shows what they got and why. */
async function recordIssuedEvents(
  tx: Executor,
  tenantId: string,
  issueId: string,
  source: IssueSource,
  rows: IssuedCoupon[],
  items: { template: Template }[],
  now: Date,
): Promise<void> {
  const codes = new Map(items.map((i) => [i.template.template_id, i.template.code]));
  const byMember = new Map<string, IssuedCoupon[]>();
  for (const row of rows) byMember.set(row.member_id, [...(byMember.get(row.member_id) ?? []), row]);
  await insertMany(
    tx,
    "outbox",
    {
      tenant_id: "text",
      event_id: "text",
      type: "text",
      subject_id: "text",
      payload: "jsonb",
      occurred_at: "timestamptz",
    },
    [...byMember].map(([memberId, coupons]) => ({
      tenant_id: tenantId,
      event_id: newId("event"),
      type: "coupon.issued",
      subject_id: memberId,
      payload: {
        member_id: memberId,
        issue_id: issueId,
        source,
        coupons: coupons.map((c) => ({
          coupon_id: c.coupon_id,
          code: c.code,
          template_code: codes.get(c.template_id) ?? null,
          valid_until: c.valid_until.toISOString(),
        })),
      },
      occurred_at: now,
    })),
  );
}
