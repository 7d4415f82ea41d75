import { type RawBuilder, sql } from "kysely";
import type { RfmGroupName } from "../tables.ts";
import type { EvaluationContext, MemberSnapshot } from "./member.ts";

/**
 * The fields a condition can test, each with its type, how to read it from a member in memory and how to read it
 * in SQL. Both readings live side by side so that the two back ends cannot drift apart field by field; the
 * property test holds them equal as a whole.
 */

export type FieldType = "number" | "string" | "enum" | "boolean" | "time" | "set" | "tags" | "attribute";

/** What a field depends on: a member's change to a topic re-evaluates the segments and rule tags that read it. */
export type Topic = "member" | "tier" | "points" | "orders" | "tags" | "scores" | "ltv";
export const TOPICS: readonly Topic[] = ["member", "tier", "points", "orders", "tags", "scores", "ltv"];

export const OPERATORS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "starts_with",
  "contains",
  "exists",
  "not_exists",
  "before",
  "after",
  "within_last_days",
  "more_than_days_ago",
  "has",
  "has_any",
  "has_all",
  "has_none",
  "is_empty",
  "not_empty",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const OPERATORS_BY_TYPE: Record<FieldType, readonly Operator[]> = {
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists"],
  string: ["eq", "ne", "in", "not_in", "starts_with", "contains", "exists", "not_exists"],
  enum: ["eq", "ne", "in", "not_in", "exists", "not_exists"],
  boolean: ["eq"],
  time: ["before", "after", "within_last_days", "more_than_days_ago", "exists", "not_exists"],
  set: ["has", "has_any", "has_all", "has_none", "is_empty", "not_empty"],
  tags: ["has", "has_any", "has_all", "has_none"],
  attribute: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists"],
};

/** A value as a field yields it; null when the member has none. */
export type FieldValue = number | string | boolean | Date | readonly string[] | null;

export interface FieldDef {
  name: string;
  type: FieldType;
  topic: Topic;
  description: string;
  /** The allowed values of an enum field. */
  values?: readonly string[];
  /** The value in memory. Unused for `tags` and `attribute`, which the back ends treat specially. */
  read(member: MemberSnapshot, context: EvaluationContext): FieldValue;
  /** The value in SQL, over `f` (facts), `s` (scores) and `l` (LTV). */
  sql(context: EvaluationContext): RawBuilder<unknown>;
}

export const STAGES = ["prospect", "new", "active", "silent", "lost"] as const;
export const RFM_GROUPS: readonly RfmGroupName[] = [
  "champions",
  "loyal",
  "potential_loyalists",
  "new_customers",
  "promising",
  "need_attention",
  "about_to_sleep",
  "at_risk",
  "cant_lose",
  "hibernating",
];

/** Whole years from a YYYY-MM-DD birthday to a YYYY-MM-DD day; a 29 February birthday counts from 1 March. */
export function ageOn(birthday: string, today: string): number {
  const [by = 0, bm = 0, bd = 0] = birthday.split("-").map(Number);
  const [ty = 0, tm = 0, td = 0] = today.split("-").map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

const column = (alias: "f" | "s" | "l", name: string) => sql.ref(`${alias}.${name}`);

function plain(
  name: string,
  type: FieldType,
  topic: Topic,
  description: string,
  read: (m: MemberSnapshot) => FieldValue,
  alias: "f" | "s" | "l",
  columnName: string,
  values?: readonly string[],
): FieldDef {
  return {
    name,
    type,
    topic,
    description,
    ...(values ? { values } : {}),
    read,
    sql: () => column(alias, columnName),
  };
}

const FIELD_LIST: FieldDef[] = [
  plain(
    "member.status",
    "enum",
    "member",
    "active (holds a card) or prospect (known from orders only)",
    (m) => m.facts.status,
    "f",
    "status",
    ["active", "prospect"],
  ),
  plain(
    "member.gender",
    "enum",
    "member",
    "female, male, other or unknown",
    (m) => m.facts.gender,
    "f",
    "gender",
    ["female", "male", "other", "unknown"],
  ),
  {
    name: "member.age",
    type: "number",
    topic: "member",
    description: "Whole years since the birthday, on the brand's calendar day",
    read: (m, c) => (m.facts.birthday === null ? null : ageOn(m.facts.birthday, c.today)),
    sql: (c) => sql`CASE WHEN f.birthday IS NULL THEN NULL ELSE
      (date_part('year', ${c.today}::date) - date_part('year', f.birthday))
      - CASE WHEN (date_part('month', ${c.today}::date), date_part('day', ${c.today}::date))
                < (date_part('month', f.birthday), date_part('day', f.birthday)) THEN 1 ELSE 0 END END`,
  },
  {
    name: "member.birthday_month",
    type: "number",
    topic: "member",
    description: "Month of the birthday, 1–12",
    read: (m) => (m.facts.birthday === null ? null : Number(m.facts.birthday.slice(5, 7))),
    sql: () => sql`date_part('month', f.birthday)`,
  },
  plain(
    "member.region",
    "string",
    "member",
    "Region as given at join or in the profile",
    (m) => m.facts.region,
    "f",
    "region",
  ),
  plain(
    "member.join_channel",
    "string",
    "member",
    "Channel the card was opened through",
    (m) => m.facts.join_channel,
    "f",
    "join_channel",
  ),
  plain(
    "member.join_store_id",
    "string",
    "member",
    "Store the card was opened at",
    (m) => m.facts.join_store_id,
    "f",
    "join_store_id",
  ),
  plain(
    "member.home_store_id",
    "string",
    "member",
    "The member's store",
    (m) => m.facts.home_store_id,
    "f",
    "home_store_id",
  ),
  plain(
    "member.guide_id",
    "string",
    "member",
    "The member's shopping guide",
    (m) => m.facts.guide_id,
    "f",
    "guide_id",
  ),
  plain(
    "member.scene_key",
    "string",
    "member",
    "The QR scene the member joined from",
    (m) => m.facts.scene_key,
    "f",
    "scene_key",
  ),
  plain(
    "member.joined_at",
    "time",
    "member",
    "When the card was opened",
    (m) => m.facts.joined_at,
    "f",
    "joined_at",
  ),
  plain(
    "member.consent.sms",
    "boolean",
    "member",
    "Agreed to marketing by SMS",
    (m) => m.facts.consent_sms,
    "f",
    "consent_sms",
  ),
  plain(
    "member.consent.email",
    "boolean",
    "member",
    "Agreed to marketing by email",
    (m) => m.facts.consent_email,
    "f",
    "consent_email",
  ),
  plain(
    "member.consent.im",
    "boolean",
    "member",
    "Agreed to marketing by instant message",
    (m) => m.facts.consent_im,
    "f",
    "consent_im",
  ),
  plain(
    "tier.code",
    "string",
    "tier",
    "Code of the member's effective tier (free or paid, the higher)",
    (m) => m.facts.tier_code,
    "f",
    "tier_code",
  ),
  plain(
    "points.available",
    "number",
    "points",
    "Spendable points (negative while points are owed)",
    (m) => m.facts.points_available,
    "f",
    "points_available",
  ),
  plain("points.growth", "number", "points", "Growth value", (m) => m.facts.growth, "f", "growth"),
  plain(
    "orders.count",
    "number",
    "orders",
    "Purchases ever (orders not cancelled and not refunded in full)",
    (m) => m.facts.orders_count,
    "f",
    "orders_count",
  ),
  plain(
    "orders.spend_minor",
    "number",
    "orders",
    "Spend ever: paid less refunded, in minor units",
    (m) => m.facts.spend_minor,
    "f",
    "spend_minor",
  ),
  {
    name: "orders.average_minor",
    type: "number",
    topic: "orders",
    description: "Average spend per purchase, in minor units; none without purchases",
    read: (m) => (m.facts.orders_count === 0 ? null : m.facts.spend_minor / m.facts.orders_count),
    sql: () =>
      sql`CASE WHEN f.orders_count = 0 THEN NULL ELSE f.spend_minor::float8 / f.orders_count::float8 END`,
  },
  plain(
    "orders.first_at",
    "time",
    "orders",
    "Time of the first purchase",
    (m) => m.facts.first_order_at,
    "f",
    "first_order_at",
  ),
  plain(
    "orders.last_at",
    "time",
    "orders",
    "Time of the last purchase",
    (m) => m.facts.last_order_at,
    "f",
    "last_order_at",
  ),
  plain(
    "orders.categories",
    "set",
    "orders",
    "Categories of products bought (lines not fully returned)",
    (m) => m.facts.categories,
    "f",
    "categories",
  ),
  plain(
    "orders.channels",
    "set",
    "orders",
    "Channels bought through",
    (m) => m.facts.channels,
    "f",
    "channels",
  ),
  plain("orders.store_ids", "set", "orders", "Stores bought at", (m) => m.facts.store_ids, "f", "store_ids"),
  {
    name: "tags",
    type: "tags",
    topic: "tags",
    description: "Tag ids the member holds (expired tags do not count)",
    read: () => null,
    sql: () => sql`NULL`,
  },
  plain(
    "rfm.r",
    "number",
    "scores",
    "Recency score 1–5 (5: bought most recently)",
    (m) => m.scores?.r_score ?? null,
    "s",
    "r_score",
  ),
  plain("rfm.f", "number", "scores", "Frequency score 1–5", (m) => m.scores?.f_score ?? null, "s", "f_score"),
  plain("rfm.m", "number", "scores", "Monetary score 1–5", (m) => m.scores?.m_score ?? null, "s", "m_score"),
  plain(
    "rfm.frequency",
    "number",
    "scores",
    "Purchases in the RFM window",
    (m) => m.scores?.frequency ?? null,
    "s",
    "frequency",
  ),
  plain(
    "rfm.monetary_minor",
    "number",
    "scores",
    "Spend in the RFM window, minor units",
    (m) => m.scores?.monetary_minor ?? null,
    "s",
    "monetary_minor",
  ),
  plain(
    "rfm.group",
    "enum",
    "scores",
    "Named cell group of the R×F grid",
    (m) => m.scores?.rfm_group ?? null,
    "s",
    "rfm_group",
    RFM_GROUPS,
  ),
  plain(
    "lifecycle.stage",
    "enum",
    "scores",
    "prospect, new, active, silent or lost",
    (m) => m.scores?.stage ?? null,
    "s",
    "stage",
    STAGES,
  ),
  plain(
    "lifecycle.important",
    "boolean",
    "scores",
    "Important member (by RFM, per the brand's settings)",
    (m) => m.scores?.important ?? null,
    "s",
    "important",
  ),
  plain(
    "ltv.p_alive",
    "number",
    "ltv",
    "Probability the member is still a customer (BG/NBD)",
    (m) => m.ltv?.p_alive ?? null,
    "l",
    "p_alive",
  ),
  plain(
    "ltv.expected_purchases_90d",
    "number",
    "ltv",
    "Expected purchases in the next 90 days",
    (m) => m.ltv?.expected_purchases_90d ?? null,
    "l",
    "expected_purchases_90d",
  ),
  plain(
    "ltv.expected_purchases_365d",
    "number",
    "ltv",
    "Expected purchases in the next 365 days",
    (m) => m.ltv?.expected_purchases_365d ?? null,
    "l",
    "expected_purchases_365d",
  ),
  plain(
    "ltv.expected_order_value_minor",
    "number",
    "ltv",
    "Expected spend per purchase (Gamma-Gamma), minor units",
    (m) => m.ltv?.expected_order_value_minor ?? null,
    "l",
    "expected_order_value_minor",
  ),
  plain(
    "ltv.predicted_value_365d_minor",
    "number",
    "ltv",
    "Predicted spend in the next 365 days, minor units",
    (m) => m.ltv?.predicted_value_365d_minor ?? null,
    "l",
    "predicted_value_365d_minor",
  ),
];

export const FIELDS: ReadonlyMap<string, FieldDef> = new Map(FIELD_LIST.map((f) => [f.name, f]));

/** Custom attributes are open-ended: `attributes.<key>` reads the member's attribute of that key. */
export const ATTRIBUTE_PREFIX = "attributes.";
export const MAX_ATTRIBUTE_KEY_LENGTH = 64;

export function attributeField(key: string): FieldDef {
  return {
    name: `${ATTRIBUTE_PREFIX}${key}`,
    type: "attribute",
    topic: "member",
    description: `Custom attribute ${key}`,
    read: (m) => {
      const value = m.facts.attributes[key];
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : null;
    },
    sql: () => sql`(f.attributes -> ${key}::text)`,
  };
}
