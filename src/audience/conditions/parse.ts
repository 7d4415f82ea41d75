import { type FieldError, Problem } from "../../platform/http/problems.ts";
import {
  ATTRIBUTE_PREFIX,
  attributeField,
  type FieldDef,
  FIELDS,
  MAX_ATTRIBUTE_KEY_LENGTH,
  type Operator,
  OPERATORS_BY_TYPE,
  type Topic,
} from "./fields.ts";
import {
  MAX_CONDITION_CHILDREN,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_NODES,
  MAX_DAYS,
  MAX_LIST_VALUES,
  MAX_STRING_VALUE_LENGTH,
} from "./schema.ts";

/**
 * Turns untrusted JSON into a condition the back ends accept, or into the list of what is wrong with it, each
 * problem at its JSON pointer. The walk is iterative and stops at the limits, so a hostile tree (a million levels
 * of `not`, an `all` of a hundred thousand children) costs bounded work and never overflows the stack.
 */

export type Scalar = string | number | boolean;

export type Operand =
  | { kind: "none" }
  | { kind: "scalar"; value: Scalar }
  | { kind: "list"; values: Scalar[] }
  | { kind: "time"; at: Date }
  | { kind: "days"; days: number };

export interface Leaf {
  kind: "leaf";
  field: FieldDef;
  op: Operator;
  operand: Operand;
  /** Where the leaf is in the request, for problems found later (a tag that does not exist). */
  pointer: string;
}

export type Condition =
  | { kind: "all"; children: Condition[] }
  | { kind: "any"; children: Condition[] }
  | { kind: "not"; child: Condition }
  | Leaf;

export type ParseResult = { ok: true; condition: Condition } | { ok: false; errors: FieldError[] };

const MAX_REPORTED_ERRORS = 20;
const TAG_ID = /^tag_[0-7][0-9a-hjkmnp-tv-z]{25}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
// PostgreSQL text cannot hold NUL: a value with one would fail in the database instead of here.
const hasNul = (value: string) => value.includes("\u0000");

type Frame = { raw: unknown; pointer: string; depth: number; attach: (c: Condition) => void };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function parseCondition(raw: unknown, pointer = "", where = "body"): ParseResult {
  const errors: FieldError[] = [];
  const fail = (at: string, message: string) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ in: where, field: at || "/", message });
  };
  let root: Condition | undefined;
  const stack: Frame[] = [{ raw, pointer, depth: 1, attach: (c) => (root = c) }];
  let nodes = 0;

  while (stack.length > 0 && errors.length < MAX_REPORTED_ERRORS) {
    const frame = stack.pop();
    if (!frame) break;
    if (++nodes > MAX_CONDITION_NODES) {
      fail(pointer, `a condition may have at most ${MAX_CONDITION_NODES} nodes`);
      break;
    }
    const node = frame.raw;
    if (!isObject(node)) {
      fail(frame.pointer, "must be an object: {all: […]}, {any: […]}, {not: …} or {field, op, value}");
      continue;
    }
    const keys = Object.keys(node);
    const combinator = keys.find((k) => k === "all" || k === "any" || k === "not");
    if (combinator !== undefined) {
      const extra = keys.find((k) => k !== combinator);
      if (extra !== undefined) {
        fail(
          `${frame.pointer}/${extra}`,
          `is not allowed beside "${combinator}": a node is one combinator or one leaf`,
        );
        continue;
      }
      if (frame.depth >= MAX_CONDITION_DEPTH) {
        fail(
          frame.pointer,
          `nests too deep: at most ${MAX_CONDITION_DEPTH} levels of all / any / not and leaves`,
        );
        continue;
      }
      const childPointer = `${frame.pointer}/${combinator}`;
      const value = node[combinator];
      if (combinator === "not") {
        const target: { kind: "not"; child: Condition } = { kind: "not", child: placeholder };
        frame.attach(target);
        stack.push({
          raw: value,
          pointer: childPointer,
          depth: frame.depth + 1,
          attach: (c) => (target.child = c),
        });
        continue;
      }
      if (!Array.isArray(value) || value.length === 0) {
        fail(childPointer, "must be a non-empty list of conditions");
        continue;
      }
      if (value.length > MAX_CONDITION_CHILDREN) {
        fail(childPointer, `may have at most ${MAX_CONDITION_CHILDREN} conditions`);
        continue;
      }
      const children: Condition[] = value.map(() => placeholder);
      frame.attach({ kind: combinator, children });
      // Pushed in reverse so that problems are reported in document order.
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({
          raw: value[i],
          pointer: `${childPointer}/${i}`,
          depth: frame.depth + 1,
          attach: (c) => (children[i] = c),
        });
      }
      continue;
    }
    const leaf = parseLeaf(node, frame.pointer, fail);
    if (leaf) frame.attach(leaf);
  }
  if (errors.length > 0 || root === undefined) {
    if (errors.length === 0) fail(pointer, "is not a condition");
    return { ok: false, errors };
  }
  return { ok: true, condition: root };
}

/** Stands in for a child until the walk reaches it; a finished tree never contains it. */
const placeholder: Condition = { kind: "all", children: [] };

function parseLeaf(
  node: Record<string, unknown>,
  pointer: string,
  fail: (at: string, message: string) => void,
): Leaf | undefined {
  const before = { failed: false };
  const report = (at: string, message: string) => {
    before.failed = true;
    fail(at, message);
  };
  for (const key of Object.keys(node)) {
    if (key !== "field" && key !== "op" && key !== "value")
      report(`${pointer}/${key}`, "is not a known field");
  }
  const fieldName = node.field;
  if (typeof fieldName !== "string") {
    report(`${pointer}/field`, fieldName === undefined ? "is required" : "must be a string");
    return undefined;
  }
  const field = resolveField(fieldName);
  if (typeof field === "string") {
    report(`${pointer}/field`, field);
    return undefined;
  }
  const op = node.op;
  const allowed = OPERATORS_BY_TYPE[field.type];
  if (typeof op !== "string" || !allowed.includes(op as Operator)) {
    report(
      `${pointer}/op`,
      op === undefined
        ? "is required"
        : `${JSON.stringify(op)} does not apply to ${field.name} (${describeType(field)}); use one of: ${allowed.join(", ")}`,
    );
    return undefined;
  }
  const operand = parseOperand(
    field,
    op as Operator,
    "value" in node,
    node.value,
    `${pointer}/value`,
    report,
  );
  if (!operand || before.failed) return undefined;
  return { kind: "leaf", field, op: op as Operator, operand, pointer };
}

function resolveField(name: string): FieldDef | string {
  const known = FIELDS.get(name);
  if (known) return known;
  if (name.startsWith(ATTRIBUTE_PREFIX)) {
    const key = name.slice(ATTRIBUTE_PREFIX.length);
    if (key.length === 0 || key.length > MAX_ATTRIBUTE_KEY_LENGTH || hasNul(key)) {
      return `an attribute key has 1 to ${MAX_ATTRIBUTE_KEY_LENGTH} characters`;
    }
    return attributeField(key);
  }
  const prefix = name.split(".")[0] ?? "";
  const near = [...FIELDS.keys()].filter((k) => k.startsWith(`${prefix}.`) || k === prefix);
  return `unknown field ${JSON.stringify(name.slice(0, 100))}${
    near.length > 0 ? `; fields of ${prefix}: ${near.join(", ")}` : "; see docs/audience.md for the fields"
  }`;
}

function describeType(field: FieldDef): string {
  if (field.type === "enum") return `one of ${field.values?.join(", ") ?? ""}`;
  if (field.type === "set") return "a list of values";
  if (field.type === "tags") return "the member's tags";
  if (field.type === "attribute") return "a custom attribute";
  return `a ${field.type}`;
}

function parseOperand(
  field: FieldDef,
  op: Operator,
  present: boolean,
  value: unknown,
  at: string,
  fail: (at: string, message: string) => void,
): Operand | undefined {
  const expects = (what: string) => {
    fail(
      at,
      `${field.name} ${op} needs ${what}${present ? `, not ${JSON.stringify(value)?.slice(0, 60)}` : ""}`,
    );
    return undefined;
  };
  if (op === "exists" || op === "not_exists" || op === "is_empty" || op === "not_empty") {
    if (present) {
      fail(at, `${op} takes no value`);
      return undefined;
    }
    return { kind: "none" };
  }
  if (op === "before" || op === "after") {
    if (typeof value !== "string" || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      return expects("an RFC 3339 time such as 2026-01-31T16:00:00Z");
    }
    return { kind: "time", at: new Date(value) };
  }
  if (op === "within_last_days" || op === "more_than_days_ago") {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_DAYS) {
      return expects(`a whole number of days from 0 to ${MAX_DAYS}`);
    }
    return { kind: "days", days: value };
  }
  const element = elementCheck(field, op);
  const isList = op === "in" || op === "not_in" || op === "has_any" || op === "has_all" || op === "has_none";
  if (isList) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES) {
      return expects(`a list of 1 to ${MAX_LIST_VALUES} ${element.what}s`);
    }
    const values: Scalar[] = [];
    for (let i = 0; i < value.length; i++) {
      const problem = element.check(value[i]);
      if (problem !== undefined) {
        fail(`${at}/${i}`, problem);
        return undefined;
      }
      values.push(value[i] as Scalar);
    }
    return { kind: "list", values };
  }
  if (!present) return expects(`a ${element.what}`);
  const problem = element.check(value);
  if (problem !== undefined) {
    fail(at, `${field.name} ${op}: ${problem}`);
    return undefined;
  }
  return { kind: "scalar", value: value as Scalar };
}

/** What one value of this field and operator must be, and the problem with a given value. */
function elementCheck(
  field: FieldDef,
  op: Operator,
): { what: string; check: (v: unknown) => string | undefined } {
  const number = {
    what: "number",
    check: (v: unknown) =>
      typeof v === "number" && Number.isFinite(v) ? undefined : `must be a number, not ${typeof v}`,
  };
  const string = {
    what: "string",
    check: (v: unknown) => {
      if (typeof v !== "string") return `must be a string, not ${typeof v}`;
      if (v.length === 0 || v.length > MAX_STRING_VALUE_LENGTH)
        return `must have 1 to ${MAX_STRING_VALUE_LENGTH} characters`;
      if (hasNul(v)) return "must not contain the NUL character";
      return undefined;
    },
  };
  switch (field.type) {
    case "number":
      return number;
    case "string":
    case "set":
      return string;
    case "boolean":
      return {
        what: "boolean",
        check: (v) => (typeof v === "boolean" ? undefined : `must be true or false, not ${typeof v}`),
      };
    case "enum":
      return {
        what: "value",
        check: (v) =>
          typeof v === "string" && field.values?.includes(v)
            ? undefined
            : `must be one of: ${field.values?.join(", ") ?? ""}`,
      };
    case "tags":
      return {
        what: "tag id",
        check: (v) => (typeof v === "string" && TAG_ID.test(v) ? undefined : "must be a tag id (tag_…)"),
      };
    case "attribute":
      if (op === "gt" || op === "gte" || op === "lt" || op === "lte") return number;
      return {
        what: "string, number or boolean",
        check: (v) =>
          typeof v === "boolean" ? undefined : typeof v === "number" ? number.check(v) : string.check(v),
      };
    case "time":
      return { what: "time", check: () => "is not a time operand" };
  }
}

/** Parses or throws the 400 a client should see, every problem listed with its pointer. */
export function parseConditionOrThrow(raw: unknown, pointer: string, where = "body"): Condition {
  const result = parseCondition(raw, pointer, where);
  if (result.ok) return result.condition;
  const first = result.errors[0];
  throw new Problem(
    "validation-failed",
    first ? `${first.in} ${first.field}: ${first.message}` : "not a condition",
    {
      errors: result.errors,
    },
  );
}

/** Every leaf, in document order. */
export function leavesOf(condition: Condition): Leaf[] {
  const leaves: Leaf[] = [];
  const visit = (c: Condition) => {
    if (c.kind === "leaf") leaves.push(c);
    else if (c.kind === "not") visit(c.child);
    else c.children.forEach(visit);
  };
  visit(condition);
  return leaves;
}

/** What the condition reads: a member's change to any of these may change its result. */
export function topicsOf(condition: Condition): Topic[] {
  return [...new Set(leavesOf(condition).map((l) => l.field.topic))].sort();
}

/** Tag ids the condition names, each with the pointer of its first use. */
export function tagReferences(condition: Condition): Map<string, string> {
  const refs = new Map<string, string>();
  for (const leaf of leavesOf(condition)) {
    if (leaf.field.type !== "tags") continue;
    const ids =
      leaf.operand.kind === "list"
        ? leaf.operand.values
        : leaf.operand.kind === "scalar"
          ? [leaf.operand.value]
          : [];
    ids.forEach((id, i) => {
      const tagId = String(id);
      if (!refs.has(tagId))
        refs.set(
          tagId,
          leaf.operand.kind === "list" ? `${leaf.pointer}/value/${i}` : `${leaf.pointer}/value`,
        );
    });
  }
  return refs;
}
