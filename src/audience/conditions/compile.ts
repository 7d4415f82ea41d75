import { type RawBuilder, sql } from "kysely";
import type { EvaluationContext } from "./member.ts";
import type { Condition, Leaf, Operand, Scalar } from "./parse.ts";

/**
 * The SQL back end: a condition as a boolean expression over `memberRelation` (facts `f`, scores `s`, LTV `l`),
 * for the whole base at once. Every operand is a bound parameter; only operators and column names from the
 * field catalogue are spliced in. Each leaf is wrapped in `IS TRUE`, so a comparison with NULL is false rather than
 * unknown and `NOT` negates two-valued results exactly as the in-memory evaluator does.
 */

const DAY_MS = 86_400_000;

/** Facts joined with scores and LTV: what a compiled condition reads. Filter on `f.tenant_id`. */
export function memberRelation(): RawBuilder<unknown> {
  return sql`audience_member_facts f
    LEFT JOIN audience_member_scores s ON s.tenant_id = f.tenant_id AND s.member_id = f.member_id
    LEFT JOIN audience_member_ltv l ON l.tenant_id = f.tenant_id AND l.member_id = f.member_id`;
}

export function compileCondition(condition: Condition, context: EvaluationContext): RawBuilder<boolean> {
  switch (condition.kind) {
    case "all":
      return sql<boolean>`(${sql.join(
        condition.children.map((c) => compileCondition(c, context)),
        sql` AND `,
      )})`;
    case "any":
      return sql<boolean>`(${sql.join(
        condition.children.map((c) => compileCondition(c, context)),
        sql` OR `,
      )})`;
    case "not":
      return sql<boolean>`(NOT ${compileCondition(condition.child, context)})`;
    case "leaf":
      return sql<boolean>`((${compileLeaf(condition, context)}) IS TRUE)`;
  }
}

const COMPARISON = { eq: "=", ne: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
type ComparisonOp = keyof typeof COMPARISON;
const isComparison = (op: string): op is ComparisonOp => op in COMPARISON;

function list(operand: Operand): Scalar[] {
  if (operand.kind === "list") return operand.values;
  if (operand.kind === "scalar") return [operand.value];
  return [];
}

function first(operand: Operand): Scalar {
  const value = list(operand)[0];
  if (value === undefined) throw new Error("operand missing after parse");
  return value;
}

function compileLeaf(leaf: Leaf, context: EvaluationContext): RawBuilder<unknown> {
  const { op, operand } = leaf;
  if (leaf.field.type === "tags") return compileTags(op, operand, context);
  if (leaf.field.type === "attribute") return compileAttribute(leaf.field.sql(context), op, operand);
  const value = leaf.field.sql(context);
  if (op === "exists") return sql`${value} IS NOT NULL`;
  if (op === "not_exists") return sql`${value} IS NULL`;
  switch (leaf.field.type) {
    case "number": {
      const number = sql`(${value})::float8`;
      if (isComparison(op)) return sql`${number} ${sql.raw(COMPARISON[op])} ${first(operand)}::float8`;
      if (op === "in") return sql`${number} = ANY(${list(operand)}::float8[])`;
      if (op === "not_in") return sql`NOT (${number} = ANY(${list(operand)}::float8[]))`;
      break;
    }
    case "string":
    case "enum": {
      if (op === "eq" || op === "ne") return sql`${value} ${sql.raw(COMPARISON[op])} ${first(operand)}::text`;
      if (op === "in") return sql`${value} = ANY(${list(operand)}::text[])`;
      if (op === "not_in") return sql`NOT (${value} = ANY(${list(operand)}::text[]))`;
      if (op === "starts_with") return sql`starts_with(${value}, ${first(operand)}::text)`;
      if (op === "contains") return sql`strpos(${value}, ${first(operand)}::text) > 0`;
      break;
    }
    case "boolean":
      if (op === "eq") return sql`${value} = ${first(operand)}::boolean`;
      break;
    case "time": {
      if (operand.kind === "time") {
        const at = operand.at.toISOString();
        if (op === "before") return sql`${value} < ${at}::timestamptz`;
        if (op === "after") return sql`${value} > ${at}::timestamptz`;
      }
      if (operand.kind === "days") {
        // The cutoff is computed here, not with interval arithmetic, which would follow the session's DST rules.
        const cutoff = new Date(context.now.getTime() - operand.days * DAY_MS).toISOString();
        if (op === "within_last_days") return sql`${value} >= ${cutoff}::timestamptz`;
        if (op === "more_than_days_ago") return sql`${value} < ${cutoff}::timestamptz`;
      }
      break;
    }
    case "set": {
      const wanted = list(operand).map(String);
      if (op === "has" || op === "has_any") return sql`${value} && ${wanted}::text[]`;
      if (op === "has_all") return sql`${value} @> ${wanted}::text[]`;
      if (op === "has_none") return sql`NOT (${value} && ${wanted}::text[])`;
      if (op === "is_empty") return sql`cardinality(${value}) = 0`;
      if (op === "not_empty") return sql`cardinality(${value}) > 0`;
      break;
    }
  }
  throw new Error(`operator ${op} has no SQL for ${leaf.field.name}`);
}

function compileTags(op: Leaf["op"], operand: Operand, context: EvaluationContext): RawBuilder<unknown> {
  const wanted = [...new Set(list(operand).map(String))];
  const held = (ids: string[]) => sql`SELECT 1 FROM audience_member_tags t
    WHERE t.tenant_id = f.tenant_id AND t.member_id = f.member_id AND t.tag_id = ANY(${ids}::text[])
      AND (t.expires_at IS NULL OR t.expires_at > ${context.now.toISOString()}::timestamptz)`;
  if (op === "has" || op === "has_any") return sql`EXISTS (${held(wanted)})`;
  if (op === "has_none") return sql`NOT EXISTS (${held(wanted)})`;
  // A member holds a tag at most once (primary key), so counting the held ones tells whether all are held.
  if (op === "has_all") return sql`(SELECT count(*) FROM (${held(wanted)}) h) = ${wanted.length}`;
  throw new Error(`operator ${op} has no SQL for tags`);
}

/**
 * Custom attributes are untyped jsonb. A value counts only when it is a string, number or boolean, and compares
 * only with operands of its own type; CASE fixes the order of evaluation so that a cast never meets a value of
 * another type (AND would let the planner cast first and fail on "abc"::float8).
 */
function compileAttribute(json: RawBuilder<unknown>, op: Leaf["op"], operand: Operand): RawBuilder<unknown> {
  const type = sql`jsonb_typeof(${json})`;
  const text = sql`(${json} #>> '{}')`;
  const present = sql`COALESCE(${type} IN ('string', 'number', 'boolean'), false)`;
  if (op === "exists") return present;
  if (op === "not_exists") return sql`NOT ${present}`;
  const values = list(operand);
  const strings = values.filter((v): v is string => typeof v === "string");
  const numbers = values.filter((v): v is number => typeof v === "number");
  const booleans = values.filter((v): v is boolean => typeof v === "boolean");
  const isIn = sql`CASE ${type}
      WHEN 'string' THEN ${text} = ANY(${strings}::text[])
      WHEN 'number' THEN ${text}::float8 = ANY(${numbers}::float8[])
      WHEN 'boolean' THEN ${text}::boolean = ANY(${booleans}::boolean[])
      ELSE false END`;
  if (op === "eq" || op === "in") return isIn;
  if (op === "ne" || op === "not_in") return sql`${present} AND NOT (${isIn})`;
  if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
    return sql`CASE WHEN ${type} = 'number' THEN ${text}::float8 ${sql.raw(COMPARISON[op])} ${first(operand)}::float8 ELSE false END`;
  }
  throw new Error(`operator ${op} has no SQL for attributes`);
}
