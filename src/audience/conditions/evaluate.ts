import type { FieldValue } from "./fields.ts";
import type { EvaluationContext, MemberSnapshot } from "./member.ts";
import type { Condition, Leaf, Operand, Scalar } from "./parse.ts";

/**
 * The in-memory back end: one member, no database (checkout, event reactions). Its semantics are the SQL
 * compiler's, held equal by the property test: a comparison with a value the member lacks is false, and `not`
 * simply negates (so `not {region eq X}` includes members without a region, while `{region ne X}` does not).
 */

const DAY_MS = 86_400_000;

export function evaluate(condition: Condition, member: MemberSnapshot, context: EvaluationContext): boolean {
  switch (condition.kind) {
    case "all":
      return condition.children.every((c) => evaluate(c, member, context));
    case "any":
      return condition.children.some((c) => evaluate(c, member, context));
    case "not":
      return !evaluate(condition.child, member, context);
    case "leaf":
      return evaluateLeaf(condition, member, context);
  }
}

function evaluateLeaf(leaf: Leaf, member: MemberSnapshot, context: EvaluationContext): boolean {
  const { op, operand } = leaf;
  switch (leaf.field.type) {
    case "tags":
      return setTest(op, operand, heldTags(member, context.now));
    case "set": {
      const value = leaf.field.read(member, context);
      return setTest(op, operand, Array.isArray(value) ? value : []);
    }
    case "time":
      return timeTest(op, operand, asDate(leaf.field.read(member, context)), context.now);
    case "number":
    case "string":
    case "enum":
    case "boolean":
    case "attribute":
      return scalarTest(op, operand, asScalar(leaf.field.read(member, context)));
  }
}

function heldTags(member: MemberSnapshot, now: Date): string[] {
  const held: string[] = [];
  for (const [tagId, expiresAt] of member.tags) {
    if (expiresAt === null || expiresAt.getTime() > now.getTime()) held.push(tagId);
  }
  return held;
}

function asDate(value: FieldValue): Date | null {
  return value instanceof Date ? value : null;
}

function asScalar(value: FieldValue): Scalar | null {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null;
}

function values(operand: Operand): Scalar[] {
  if (operand.kind === "list") return operand.values;
  if (operand.kind === "scalar") return [operand.value];
  return [];
}

/** Equal in type and value: the string "1" is not the number 1 (jsonb compares the same way). */
const same = (a: Scalar, b: Scalar) => typeof a === typeof b && a === b;

function scalarTest(op: Leaf["op"], operand: Operand, value: Scalar | null): boolean {
  if (op === "exists") return value !== null;
  if (op === "not_exists") return value === null;
  if (value === null) return false;
  const wanted = values(operand);
  const first = wanted[0];
  switch (op) {
    case "eq":
      return first !== undefined && same(value, first);
    case "ne":
      return first !== undefined && !same(value, first);
    case "in":
      return wanted.some((w) => same(value, w));
    case "not_in":
      return !wanted.some((w) => same(value, w));
    case "gt":
      return typeof value === "number" && typeof first === "number" && value > first;
    case "gte":
      return typeof value === "number" && typeof first === "number" && value >= first;
    case "lt":
      return typeof value === "number" && typeof first === "number" && value < first;
    case "lte":
      return typeof value === "number" && typeof first === "number" && value <= first;
    case "starts_with":
      return typeof value === "string" && typeof first === "string" && value.startsWith(first);
    case "contains":
      return typeof value === "string" && typeof first === "string" && value.includes(first);
    default:
      return false;
  }
}

function timeTest(op: Leaf["op"], operand: Operand, value: Date | null, now: Date): boolean {
  if (op === "exists") return value !== null;
  if (op === "not_exists") return value === null;
  if (value === null) return false;
  const at = value.getTime();
  if (operand.kind === "time") {
    if (op === "before") return at < operand.at.getTime();
    if (op === "after") return at > operand.at.getTime();
  }
  if (operand.kind === "days") {
    const cutoff = now.getTime() - operand.days * DAY_MS;
    if (op === "within_last_days") return at >= cutoff;
    if (op === "more_than_days_ago") return at < cutoff;
  }
  return false;
}

function setTest(op: Leaf["op"], operand: Operand, held: readonly string[]): boolean {
  const wanted = values(operand).map(String);
  switch (op) {
    case "has":
    case "has_any":
      return wanted.some((w) => held.includes(w));
    case "has_all":
      return wanted.every((w) => held.includes(w));
    case "has_none":
      return !wanted.some((w) => held.includes(w));
    case "is_empty":
      return held.length === 0;
    case "not_empty":
      return held.length > 0;
    default:
      return false;
  }
}
