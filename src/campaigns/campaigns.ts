import { Value } from "typebox/value";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import { parseConditionOrThrow } from "../audience/conditions/parse.ts";
import type { Condition } from "../audience/conditions/parse.ts";
import { getSegment } from "../audience/segments/service.ts";
import { assertTagsExist, getTag, KEPT_KINDS } from "../audience/tags/catalog.ts";
import { findPack, getTemplates } from "../coupons/templates.ts";
import { findTemplateByCode } from "../messaging/templates.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { toPage } from "../platform/http/pagination.ts";
import { businessRule, type FieldError, notFound, Problem } from "../platform/http/problems.ts";
import { parseCron } from "./cron.ts";
import { campaignId } from "./ids.ts";
import { type LifecycleCommand, transition } from "./rules.ts";
import {
  type Action,
  ActionSchema,
  type Budget,
  BudgetSchema,
  type CampaignCreate,
  type CampaignPatch,
  type FrequencyCap,
  FrequencyCapSchema,
  type Trigger,
  TriggerSchema,
} from "./schemas.ts";
import type { CampaignStatus } from "./tables.ts";

/** Campaigns as the operator designs them: create, change while draft or paused, launch, pause, resume, end. */

export const DEFAULT_HOLDOUT_PERCENT = 10;
export const DEFAULT_ATTRIBUTION_DAYS = 14;
export const MAX_CAMPAIGNS_PER_BRAND = 1_000;

export interface Campaign {
  campaign_id: string;
  name: string;
  description: string | null;
  playbook: string | null;
  status: CampaignStatus;
  ended_reason: string | null;
  trigger: Trigger;
  condition: Record<string, unknown> | null;
  actions: Action[];
  once_per_member: boolean;
  holdout_percent: number;
  attribution_days: number;
  starts_at: Date | null;
  ends_at: Date | null;
  budget: Budget;
  frequency_cap: FrequencyCap | null;
  spent: { coupons: number; points: number; messages: number };
  scheduled_through: Date | null;
  launched_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  "campaign_id",
  "name",
  "description",
  "playbook",
  "status",
  "ended_reason",
  "trigger",
  "condition",
  "actions",
  "once_per_member",
  "holdout_percent",
  "attribution_days",
  "starts_at",
  "ends_at",
  "budget",
  "frequency_cap",
  "spent_coupons",
  "spent_points",
  "spent_messages",
  "scheduled_through",
  "launched_at",
  "created_at",
  "updated_at",
] as const;

interface CampaignRow {
  campaign_id: string;
  name: string;
  description: string | null;
  playbook: string | null;
  status: CampaignStatus;
  ended_reason: string | null;
  trigger: Record<string, unknown>;
  condition: Record<string, unknown> | null;
  actions: unknown[];
  once_per_member: boolean;
  holdout_percent: number;
  attribution_days: number;
  starts_at: Date | null;
  ends_at: Date | null;
  budget: Record<string, unknown>;
  frequency_cap: Record<string, unknown> | null;
  spent_coupons: number;
  spent_points: number;
  spent_messages: number;
  scheduled_through: Date | null;
  launched_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Rows are parsed at the boundary: the rest of the capability sees only well-formed triggers and actions. */
export function toCampaign(row: CampaignRow): Campaign {
  const { spent_coupons, spent_points, spent_messages, ...rest } = row;
  return {
    ...rest,
    trigger: Value.Parse(TriggerSchema, row.trigger),
    actions: row.actions.map((a) => Value.Parse(ActionSchema, a)),
    budget: Value.Parse(BudgetSchema, row.budget),
    frequency_cap: row.frequency_cap === null ? null : Value.Parse(FrequencyCapSchema, row.frequency_cap),
    spent: { coupons: Number(spent_coupons), points: Number(spent_points), messages: Number(spent_messages) },
  };
}

/** The campaign's audience condition, parsed (it was checked when saved). */
export function conditionOf(campaign: Campaign): Condition | undefined {
  return campaign.condition === null ? undefined : parseConditionOrThrow(campaign.condition, "/condition");
}

export async function getCampaign(
  db: Executor,
  tenantId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Campaign> {
  let query = db
    .selectFrom("campaigns")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", id);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound("campaign", id);
  return toCampaign(row);
}

export async function listCampaigns(
  db: Executor,
  tenantId: string,
  filter: { status?: CampaignStatus | undefined },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Campaign[]; next_cursor: string | null }> {
  let query = db.selectFrom("campaigns").select(COLUMNS).where("tenant_id", "=", tenantId);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (page.after) query = query.where("campaign_id", "<", page.after);
  const rows = await query
    .orderBy("campaign_id", "desc")
    .limit(page.limit + 1)
    .execute();
  const { items, next_cursor } = toPage(rows, page.limit, (row) => row.campaign_id);
  return { items: items.map(toCampaign), next_cursor };
}

/**
 * Live event campaigns, per brand, cached briefly: the relay asks on every order and member event, and campaigns
 * change rarely. Changes made in this process clear the brand's entry at once; other processes see them within
 * the TTL (a paused campaign may act for up to that long there).
 */
const liveEventCache = new TtlCache<Campaign[]>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

/** The live campaigns of a brand that react to one event type. */
export async function liveEventCampaigns(
  db: Executor,
  tenantId: string,
  eventType: string,
): Promise<Campaign[]> {
  const live = await liveEventCache.get(tenantId, async () => {
    const rows = await db
      .selectFrom("campaigns")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("status", "in", ["scheduled", "active"])
      .where((eb) => eb(eb.ref("trigger", "->>").key("kind"), "=", "event"))
      .execute();
    return rows.map(toCampaign);
  });
  return live.filter((c) => c.trigger.kind === "event" && c.trigger.event === eventType);
}

interface Checked {
  trigger: Trigger;
  condition: Record<string, unknown> | null;
  actions: Action[];
  starts_at: Date | null;
  ends_at: Date | null;
}

/** Checks what the campaign names exists in the brand; every problem listed with its pointer. */
async function checkReferences(tx: Executor, tenantId: string, input: Checked): Promise<void> {
  const errors: FieldError[] = [];
  const error = (field: string, message: string) => errors.push({ in: "body", field, message });
  const trigger = input.trigger;
  if (trigger.kind === "schedule") {
    const cron = parseCron(trigger.cron);
    if (typeof cron === "string") error("/trigger/cron", cron);
    if (trigger.segment_id === undefined && input.condition === null)
      error("/trigger/segment_id", "a schedule needs a segment, a condition, or both");
  }
  if ((trigger.kind === "schedule" || trigger.kind === "date") && trigger.segment_id !== undefined) {
    await getSegment(tx, tenantId, trigger.segment_id).catch(() =>
      error("/trigger/segment_id", "no such segment in this brand"),
    );
  }
  if (input.condition !== null) {
    const condition = parseConditionOrThrow(input.condition, "/condition");
    await assertTagsExist(tx, tenantId, condition);
  }
  const templateIds = input.actions.flatMap((a) => (a.kind === "issue_coupon" ? [a.template_id] : []));
  const templates = await getTemplates(tx, tenantId, templateIds);
  for (const [i, action] of input.actions.entries()) {
    const at = `/actions/${i}`;
    if (action.kind === "issue_coupon" && !templates.has(action.template_id))
      error(`${at}/template_id`, "no such coupon template in this brand");
    if (action.kind === "issue_pack" && !(await findPack(tx, tenantId, { pack_id: action.pack_id })))
      error(`${at}/pack_id`, "no such coupon pack in this brand");
    if (action.kind === "add_tag" || action.kind === "remove_tag") {
      const tag = await getTag(tx, tenantId, action.tag_id).catch(() => undefined);
      if (!tag) error(`${at}/tag_id`, "no such tag in this brand");
      else if (KEPT_KINDS.includes(tag.kind))
        error(`${at}/tag_id`, `a ${tag.kind} tag follows its definition and cannot be given or taken`);
    }
  }
  if (input.starts_at !== null && input.ends_at !== null && input.starts_at >= input.ends_at)
    error("/ends_at", "must be after starts_at");
  if (errors.length > 0) throw new Problem("validation-failed", errors[0]?.message, { errors });
}

const dateOrNull = (value: string | null | undefined) => (value ? new Date(value) : null);

export async function createCampaign(
  tx: Executor,
  tenantId: string,
  input: CampaignCreate & { playbook?: string },
  now: Date,
): Promise<Campaign> {
  const checked: Checked = {
    trigger: input.trigger,
    condition: (input.condition as Record<string, unknown> | null | undefined) ?? null,
    actions: input.actions,
    starts_at: dateOrNull(input.starts_at),
    ends_at: dateOrNull(input.ends_at),
  };
  await checkReferences(tx, tenantId, checked);
  const count = await tx
    .selectFrom("campaigns")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where("status", "<>", "ended")
    .executeTakeFirst();
  if (Number(count?.n ?? 0) >= MAX_CAMPAIGNS_PER_BRAND)
    throw businessRule(`a brand may have at most ${MAX_CAMPAIGNS_PER_BRAND} campaigns that have not ended`);
  const id = campaignId("campaign");
  liveEventCache.delete(tenantId);
  await tx
    .insertInto("campaigns")
    .values({
      tenant_id: tenantId,
      campaign_id: id,
      name: input.name,
      description: input.description ?? null,
      playbook: input.playbook ?? null,
      status: "draft",
      ended_reason: null,
      trigger: JSON.stringify(checked.trigger),
      condition: checked.condition === null ? null : JSON.stringify(checked.condition),
      actions: JSON.stringify(checked.actions),
      once_per_member: input.once_per_member ?? true,
      holdout_percent: input.holdout_percent ?? DEFAULT_HOLDOUT_PERCENT,
      attribution_days: input.attribution_days ?? DEFAULT_ATTRIBUTION_DAYS,
      starts_at: checked.starts_at,
      ends_at: checked.ends_at,
      budget: JSON.stringify(input.budget ?? {}),
      frequency_cap: input.frequency_cap ? JSON.stringify(input.frequency_cap) : null,
      scheduled_through: null,
      launched_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return getCampaign(tx, tenantId, id);
}

/** Changes a draft, or a paused campaign (pause, edit, resume: members already reached keep their arm). */
export async function updateCampaign(
  tx: Executor,
  tenantId: string,
  id: string,
  patch: CampaignPatch,
  now: Date,
): Promise<Campaign> {
  const current = await getCampaign(tx, tenantId, id, { lock: true });
  if (current.status !== "draft" && current.status !== "paused")
    throw businessRule(`a ${current.status} campaign cannot be changed; pause it first`);
  if (current.status === "paused" && patch.holdout_percent !== undefined)
    throw businessRule("the holdout cannot change once members were assigned", "/holdout_percent");
  const checked: Checked = {
    trigger: patch.trigger ?? current.trigger,
    condition: patch.condition === undefined ? current.condition : patch.condition,
    actions: patch.actions ?? current.actions,
    starts_at: patch.starts_at === undefined ? current.starts_at : dateOrNull(patch.starts_at),
    ends_at: patch.ends_at === undefined ? current.ends_at : dateOrNull(patch.ends_at),
  };
  await checkReferences(tx, tenantId, checked);
  liveEventCache.delete(tenantId);
  await tx
    .updateTable("campaigns")
    .set({
      name: patch.name ?? current.name,
      description: patch.description === undefined ? current.description : patch.description,
      trigger: JSON.stringify(checked.trigger),
      condition: checked.condition === null ? null : JSON.stringify(checked.condition),
      actions: JSON.stringify(checked.actions),
      once_per_member: patch.once_per_member ?? current.once_per_member,
      holdout_percent: patch.holdout_percent ?? current.holdout_percent,
      attribution_days: patch.attribution_days ?? current.attribution_days,
      starts_at: checked.starts_at,
      ends_at: checked.ends_at,
      budget: JSON.stringify(patch.budget ?? current.budget),
      frequency_cap:
        patch.frequency_cap === undefined
          ? current.frequency_cap && JSON.stringify(current.frequency_cap)
          : patch.frequency_cap && JSON.stringify(patch.frequency_cap),
      // A changed trigger starts its schedule afresh rather than catching up on the old one's minutes.
      scheduled_through: patch.trigger ? now : current.scheduled_through,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", id)
    .execute();
  return getCampaign(tx, tenantId, id);
}

/**
 * A campaign goes live only when its messages can be built: each template exists, is active and has content for the
 * channel (a draft may name a template the brand has yet to write, as installed playbooks do).
 */
async function assertMessagesSendable(
  tx: Executor,
  tenantId: string,
  actions: readonly Action[],
): Promise<void> {
  const errors: FieldError[] = [];
  for (const [i, action] of actions.entries()) {
    if (action.kind !== "send_message") continue;
    const template = await findTemplateByCode(tx, tenantId, action.template_code);
    const message = !template?.active
      ? `no active message template ${action.template_code}: create it (POST /v1/message-templates) first`
      : template.contents[action.channel] === undefined
        ? `message template ${action.template_code} has no ${action.channel} content`
        : undefined;
    if (message) errors.push({ in: "body", field: `/actions/${i}/template_code`, message });
  }
  const first = errors[0];
  if (first) throw new Problem("business-rule", first.message, { errors });
}

/** Launch, pause, resume or end. Launching records the moment schedules count from. */
export async function changeStatus(
  tx: Executor,
  tenantId: string,
  id: string,
  command: LifecycleCommand,
  now: Date,
): Promise<Campaign> {
  const current = await getCampaign(tx, tenantId, id, { lock: true });
  const next = transition(current.status, command, current, now);
  if (!next.ok) throw businessRule(next.reason);
  if (command === "launch" || command === "resume")
    await assertMessagesSendable(tx, tenantId, current.actions);
  if (next.status === "ended") {
    await endCampaign(tx, tenantId, id, "ended_by_operator", now);
    return getCampaign(tx, tenantId, id);
  }
  liveEventCache.delete(tenantId);
  await tx
    .updateTable("campaigns")
    .set({
      status: next.status,
      ...(command === "launch" ? { launched_at: now, scheduled_through: now } : {}),
      ...(command === "resume" ? { scheduled_through: now } : {}),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", id)
    .execute();
  return getCampaign(tx, tenantId, id);
}

/**
 * Ends a campaign for a reason of its own (budget spent, window over); a no-op when it already ended. The
 * `campaign.ended` event tells webhook subscribers (a budget running out is news to the operator).
 */
export async function endCampaign(
  tx: Executor,
  tenantId: string,
  id: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  liveEventCache.delete(tenantId);
  const ended = await tx
    .updateTable("campaigns")
    .set({ status: "ended", ended_reason: reason, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", id)
    .where("status", "<>", "ended")
    .returning("name")
    .executeTakeFirst();
  if (!ended) return false;
  await recordEvent(tx, {
    tenantId,
    type: "campaign.ended",
    payload: { campaign_id: id, name: ended.name, reason },
    at: now,
  });
  return true;
}
