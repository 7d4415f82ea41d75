// The condition language (docs/audience.md) as the builder knows it: fields by type, operators per type,
// and the JSON tree a set of rows writes.

export type FieldType = "number" | "string" | "enum" | "boolean" | "time" | "set";

export interface FieldSpec {
  field: string;
  type: FieldType;
  values?: readonly string[];
}

export const FIELDS: readonly FieldSpec[] = [
  { field: "orders.count", type: "number" },
  { field: "orders.spend_minor", type: "number" },
  { field: "orders.average_minor", type: "number" },
  { field: "orders.last_at", type: "time" },
  { field: "orders.channels", type: "set" },
  { field: "points.available", type: "number" },
  { field: "points.growth", type: "number" },
  { field: "tier.code", type: "string" },
  { field: "lifecycle.stage", type: "enum", values: ["prospect", "new", "active", "silent", "lost"] },
  { field: "lifecycle.important", type: "boolean" },
  {
    field: "rfm.group",
    type: "enum",
    values: [
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
    ],
  },
  { field: "rfm.r", type: "number" },
  { field: "rfm.f", type: "number" },
  { field: "member.gender", type: "enum", values: ["female", "male", "other", "unknown"] },
  { field: "member.age", type: "number" },
  { field: "member.birthday_month", type: "number" },
  { field: "member.join_channel", type: "string" },
  { field: "member.joined_at", type: "time" },
  { field: "member.consent.sms", type: "boolean" },
  { field: "ltv.predicted_value_365d_minor", type: "number" },
];

export const OPERATORS: Record<FieldType, readonly string[]> = {
  number: ["gte", "gt", "eq", "ne", "lte", "lt", "exists", "not_exists"],
  string: ["eq", "ne", "starts_with", "contains", "exists", "not_exists"],
  enum: ["eq", "ne", "in", "not_in"],
  boolean: ["eq"],
  time: ["within_last_days", "more_than_days_ago", "before", "after", "exists", "not_exists"],
  set: ["has", "has_any", "has_none", "is_empty", "not_empty"],
};

const NO_VALUE = new Set(["exists", "not_exists", "is_empty", "not_empty"]);
const LIST_VALUE = new Set(["in", "not_in", "has_any", "has_all", "has_none"]);

export interface ConditionRow {
  field: string;
  op: string;
  value: string;
}

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { field: string; op: string; value?: string | number | boolean | (string | number)[] };

export function fieldSpec(field: string): FieldSpec {
  return FIELDS.find((f) => f.field === field) ?? { field, type: "string" };
}

export function needsValue(op: string): boolean {
  return !NO_VALUE.has(op);
}

/** One row as a leaf: the value typed as the field and operator expect it. */
export function leaf(row: ConditionRow): Condition {
  const spec = fieldSpec(row.field);
  if (!needsValue(row.op)) return { field: row.field, op: row.op };
  const text = row.value.trim();
  if (LIST_VALUE.has(row.op)) {
    const items = text.split(/[,，\s]+/).filter(Boolean);
    return { field: row.field, op: row.op, value: spec.type === "number" ? items.map(Number) : items };
  }
  if (spec.type === "boolean") return { field: row.field, op: row.op, value: text === "true" };
  const numeric =
    spec.type === "number" ||
    (spec.type === "time" && (row.op === "within_last_days" || row.op === "more_than_days_ago"));
  if (numeric && text !== "" && !Number.isNaN(Number(text)))
    return { field: row.field, op: row.op, value: Number(text) };
  return { field: row.field, op: row.op, value: text };
}

/** Rows joined by all (every row holds) or any (at least one). */
export function conditionOf(rows: ConditionRow[], join: "all" | "any"): Condition {
  const leaves = rows.map(leaf);
  return join === "all" ? { all: leaves } : { any: leaves };
}
