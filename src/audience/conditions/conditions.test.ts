import { describe, expect, it } from "vitest";
import { Problem } from "../../platform/http/problems.ts";
import { evaluate } from "./evaluate.ts";
import { ageOn } from "./fields.ts";
import type { EvaluationContext } from "./member.ts";
import { type Condition, parseCondition, parseConditionOrThrow, tagReferences, topicsOf } from "./parse.ts";
import { MAX_CONDITION_CHILDREN, MAX_CONDITION_DEPTH, MAX_CONDITION_NODES } from "./schema.ts";
import { snapshot } from "./test-members.ts";

const NOW = new Date("2026-03-01T04:00:00.000Z");
const context: EvaluationContext = { now: NOW, today: "2026-03-01" };
const DAY = 86_400_000;
const TAG_A = "tag_01jd0000000000000000000000";
const TAG_B = "tag_01jd0000000000000000000001";

function problems(raw: unknown) {
  const result = parseCondition(raw, "/condition");
  if (result.ok) throw new Error("expected problems");
  return result.errors;
}

const parse = (raw: unknown): Condition => parseConditionOrThrow(raw, "/condition");

describe("Parsing a condition", () => {
  it("accepts a tree of all / any / not over known fields", () => {
    const condition = parse({
      all: [
        { field: "orders.count", op: "gte", value: 2 },
        {
          any: [
            { field: "member.gender", op: "eq", value: "female" },
            { not: { field: "tags", op: "has", value: TAG_A } },
          ],
        },
      ],
    });
    expect(topicsOf(condition)).toEqual(["member", "orders", "tags"]);
    expect(tagReferences(condition)).toEqual(new Map([[TAG_A, "/condition/all/1/any/1/not/value"]]));
  });

  it("names an unknown field and suggests the fields of its group", () => {
    const [error] = problems({ field: "orders.cnt", op: "gt", value: 1 });
    expect(error?.field).toBe("/condition/field");
    expect(error?.message).toContain('unknown field "orders.cnt"');
    expect(error?.message).toContain("orders.count");
  });

  it("refuses an operator that does not apply to the field's type, listing those that do", () => {
    const [error] = problems({ all: [{ field: "member.joined_at", op: "gt", value: 3 }] });
    expect(error?.field).toBe("/condition/all/0/op");
    expect(error?.message).toContain("before, after, within_last_days");
  });

  it("refuses an operand of the wrong type at the value's pointer", () => {
    expect(problems({ field: "orders.count", op: "gt", value: "3" })[0]).toMatchObject({
      field: "/condition/value",
      message: "orders.count gt: must be a number, not string",
    });
    expect(problems({ field: "lifecycle.stage", op: "in", value: ["new", "sleeping"] })[0]).toMatchObject({
      field: "/condition/value/1",
    });
    expect(problems({ field: "tags", op: "has", value: "vip" })[0]?.message).toContain("tag id");
    expect(problems({ field: "member.joined_at", op: "before", value: "yesterday" })[0]?.message).toContain(
      "RFC 3339",
    );
    expect(problems({ field: "orders.last_at", op: "within_last_days", value: 1.5 })[0]?.message).toContain(
      "whole number",
    );
    expect(problems({ field: "member.region", op: "exists", value: "x" })[0]?.message).toBe(
      "exists takes no value",
    );
    expect(problems({ field: "member.region", op: "eq", value: "a\u0000b" })[0]?.message).toContain("NUL");
  });

  it(`stops at ${MAX_CONDITION_DEPTH} levels, naming where`, () => {
    let deep: unknown = { field: "orders.count", op: "gt", value: 0 };
    for (let i = 1; i < MAX_CONDITION_DEPTH; i++) deep = { not: deep };
    expect(parseCondition(deep).ok).toBe(true);
    const [error] = problems({ not: deep });
    expect(error?.message).toContain(`at most ${MAX_CONDITION_DEPTH} levels`);
    expect(error?.field).toBe(`/condition${"/not".repeat(MAX_CONDITION_DEPTH - 1)}`);
  });

  it("costs bounded work on a hostile tree (a million levels, a huge list)", () => {
    let deep: unknown = { field: "orders.count", op: "gt", value: 0 };
    for (let i = 0; i < 1_000_000; i++) deep = { not: deep };
    const started = performance.now();
    expect(problems(deep)[0]?.message).toContain("nests too deep");
    expect(
      problems({
        any: Array.from({ length: 100_000 }, () => ({ field: "orders.count", op: "gt", value: 0 })),
      })[0]?.message,
    ).toBe(`may have at most ${MAX_CONDITION_CHILDREN} conditions`);
    const wide = {
      all: Array.from({ length: 40 }, () => ({
        any: Array.from({ length: 40 }, () => ({ field: "orders.count", op: "gt", value: 0 })),
      })),
    };
    expect(problems(wide)[0]?.message).toBe(`a condition may have at most ${MAX_CONDITION_NODES} nodes`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("refuses mixed nodes and unknown keys", () => {
    expect(problems({ all: [{ field: "orders.count", op: "gt", value: 1 }], field: "x" })[0]?.field).toBe(
      "/condition/field",
    );
    expect(problems({ field: "orders.count", op: "gt", value: 1, when: "now" })[0]).toMatchObject({
      field: "/condition/when",
      message: "is not a known field",
    });
    expect(problems({ all: [] })[0]?.message).toBe("must be a non-empty list of conditions");
    expect(problems([1, 2])[0]?.message).toContain("must be an object");
  });

  it("throws a validation problem listing every error", () => {
    const error = (() => {
      try {
        parse({
          all: [
            { field: "nope", op: "eq", value: 1 },
            { field: "orders.count", op: "eq", value: "x" },
          ],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(400);
    expect((error as Problem).errors?.map((e) => e.field)).toEqual([
      "/condition/all/0/field",
      "/condition/all/1/value",
    ]);
  });
});

describe("Evaluating a condition for one member", () => {
  it("compares numbers, strings and enums", () => {
    const member = snapshot({ orders_count: 3, region: "Shanghai", gender: "female" });
    expect(evaluate(parse({ field: "orders.count", op: "gte", value: 3 }), member, context)).toBe(true);
    expect(evaluate(parse({ field: "orders.count", op: "gt", value: 3 }), member, context)).toBe(false);
    expect(
      evaluate(parse({ field: "member.region", op: "starts_with", value: "Shang" }), member, context),
    ).toBe(true);
    expect(
      evaluate(parse({ field: "member.gender", op: "in", value: ["male", "female"] }), member, context),
    ).toBe(true);
  });

  it("treats a missing value as failing every comparison, while not negates", () => {
    const member = snapshot({ region: null });
    expect(evaluate(parse({ field: "member.region", op: "ne", value: "Shanghai" }), member, context)).toBe(
      false,
    );
    expect(
      evaluate(parse({ not: { field: "member.region", op: "eq", value: "Shanghai" } }), member, context),
    ).toBe(true);
    expect(evaluate(parse({ field: "member.region", op: "not_exists" }), member, context)).toBe(true);
    expect(evaluate(parse({ field: "rfm.r", op: "lt", value: 3 }), member, context)).toBe(false);
  });

  it("measures recency from the evaluation time, inclusive at the cutoff", () => {
    const member = snapshot({ last_order_at: new Date(NOW.getTime() - 30 * DAY), orders_count: 1 });
    expect(
      evaluate(parse({ field: "orders.last_at", op: "within_last_days", value: 30 }), member, context),
    ).toBe(true);
    expect(
      evaluate(parse({ field: "orders.last_at", op: "more_than_days_ago", value: 30 }), member, context),
    ).toBe(false);
    expect(
      evaluate(parse({ field: "orders.last_at", op: "more_than_days_ago", value: 29 }), member, context),
    ).toBe(true);
  });

  it("counts only tags that have not expired", () => {
    const member = snapshot(
      {},
      {
        tags: new Map([
          [TAG_A, null],
          [TAG_B, new Date(NOW.getTime())],
        ]),
      },
    );
    expect(evaluate(parse({ field: "tags", op: "has", value: TAG_A }), member, context)).toBe(true);
    expect(evaluate(parse({ field: "tags", op: "has", value: TAG_B }), member, context)).toBe(false);
    expect(evaluate(parse({ field: "tags", op: "has_all", value: [TAG_A, TAG_B] }), member, context)).toBe(
      false,
    );
    expect(evaluate(parse({ field: "tags", op: "has_none", value: [TAG_B] }), member, context)).toBe(true);
  });

  it("compares custom attributes only with values of their own type", () => {
    const member = snapshot({ attributes: { level: 3, drink: "oolong", vip: true, nested: { a: 1 } } });
    expect(evaluate(parse({ field: "attributes.level", op: "eq", value: 3 }), member, context)).toBe(true);
    expect(evaluate(parse({ field: "attributes.level", op: "eq", value: "3" }), member, context)).toBe(false);
    expect(evaluate(parse({ field: "attributes.level", op: "ne", value: "3" }), member, context)).toBe(true);
    expect(evaluate(parse({ field: "attributes.drink", op: "gt", value: 1 }), member, context)).toBe(false);
    expect(
      evaluate(parse({ field: "attributes.vip", op: "in", value: [true, "yes"] }), member, context),
    ).toBe(true);
    expect(evaluate(parse({ field: "attributes.nested", op: "exists" }), member, context)).toBe(false);
    expect(evaluate(parse({ field: "attributes.missing", op: "ne", value: 1 }), member, context)).toBe(false);
  });

  it("computes age on the brand's calendar day, a leap-day birthday counting from 1 March", () => {
    expect(ageOn("2000-03-01", "2026-02-28")).toBe(25);
    expect(ageOn("2000-03-01", "2026-03-01")).toBe(26);
    expect(ageOn("2000-02-29", "2026-02-28")).toBe(25);
    expect(ageOn("2000-02-29", "2026-03-01")).toBe(26);
    expect(
      evaluate(
        parse({ field: "member.age", op: "gte", value: 26 }),
        snapshot({ birthday: "2000-03-01" }),
        context,
      ),
    ).toBe(true);
  });
});
