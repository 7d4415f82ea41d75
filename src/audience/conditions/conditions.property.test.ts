import fc from "fast-check";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import type { Db } from "../../platform/db/database.ts";
import { compileCondition, memberRelation } from "./compile.ts";
import { evaluate } from "./evaluate.ts";
import { FIELDS, OPERATORS_BY_TYPE, RFM_GROUPS, STAGES } from "./fields.ts";
import type { EvaluationContext, MemberSnapshot } from "./member.ts";
import { parseConditionOrThrow } from "./parse.ts";
import { MAX_CONDITION_DEPTH } from "./schema.ts";
import { memberFacts } from "./test-members.ts";

/**
 * The two back ends must agree: for random members (stored in the audience tables) and random conditions, the
 * members the compiled SQL selects are exactly those the in-memory evaluator accepts. Values come from small
 * domains that include the edges (missing values, the exact cutoff instant, a leap-day birthday, types that
 * differ only in JSON) so that conditions often split the members.
 */

const NOW = new Date("2026-03-01T04:00:00.000Z");
const context: EvaluationContext = { now: NOW, today: "2026-03-01" };
const DAY = 86_400_000;
const TAGS = [
  "tag_01jd0000000000000000000000",
  "tag_01jd0000000000000000000001",
  "tag_01jd0000000000000000000002",
];

// Instants that sit exactly on the cutoffs conditions use (days ago from the domain below) and just beside them.
const DAY_COUNTS = [0, 1, 7, 30, 90];
const instant = fc.oneof(
  fc.constantFrom(...DAY_COUNTS).map((d) => new Date(NOW.getTime() - d * DAY)),
  fc.constantFrom(...DAY_COUNTS).map((d) => new Date(NOW.getTime() - d * DAY - 1)),
  fc.integer({ min: -10 * DAY, max: 200 * DAY }).map((ms) => new Date(NOW.getTime() - ms)),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const text = fc.constantFrom("north", "south", "Shanghai", "上海", "Shang", "");
const smallInt = fc.integer({ min: -3, max: 12 });
const double = fc.constantFrom(0, 0.1, 0.2, 0.30000000000000004, 0.3, 1, 2.5, 1e6);
const code = fc.constantFrom("a", "b", "c", "d");
const scalar = fc.oneof(fc.constantFrom("3", "oolong", "true"), fc.constantFrom(3, 0, -1, 2.5), fc.boolean());
const attributeValue = fc.oneof(scalar, fc.constant(null), fc.constant([1, 2]), fc.constant({ a: 1 }));
const ATTRIBUTE_KEYS = ["level", "drink", "vip"];

const member: fc.Arbitrary<MemberSnapshot> = fc
  .record({
    status: fc.constantFrom("active", "prospect"),
    gender: fc.constantFrom("female", "male", "other", "unknown"),
    birthday: maybe(fc.constantFrom("2000-02-29", "2000-03-01", "1990-03-02", "2010-02-28", "1985-12-31")),
    region: maybe(text),
    join_channel: fc.constantFrom("pos", "wechat", "api"),
    home_store_id: maybe(fc.constantFrom("ou_a", "ou_b")),
    scene_key: maybe(fc.constantFrom("qr_1", "qr_2")),
    joined_at: instant,
    consent_sms: fc.boolean(),
    attributes: fc.dictionary(fc.constantFrom(...ATTRIBUTE_KEYS), attributeValue, { maxKeys: 3 }),
    tier_code: maybe(fc.constantFrom("ordinary", "vip", "black")),
    points_available: smallInt,
    orders_count: fc.integer({ min: 0, max: 4 }),
    spend_minor: fc.integer({ min: 0, max: 9 }),
    first_order_at: maybe(instant),
    last_order_at: maybe(instant),
    categories: fc.uniqueArray(code, { maxLength: 3 }),
    channels: fc.uniqueArray(code, { maxLength: 2 }),
    scores: maybe(
      fc.record({
        frequency: fc.integer({ min: 0, max: 4 }),
        monetary_minor: fc.integer({ min: 0, max: 9 }),
        r_score: maybe(fc.integer({ min: 1, max: 5 })),
        f_score: maybe(fc.integer({ min: 1, max: 5 })),
        m_score: maybe(fc.integer({ min: 1, max: 5 })),
        rfm_group: maybe(fc.constantFrom(...RFM_GROUPS)),
        stage: fc.constantFrom(...STAGES),
        important: fc.boolean(),
      }),
    ),
    ltv: maybe(
      fc.record({
        p_alive: double,
        expected_purchases_90d: double,
        expected_purchases_365d: double,
        expected_order_value_minor: maybe(double),
        predicted_value_365d_minor: maybe(double),
      }),
    ),
    tags: fc.array(fc.tuple(fc.constantFrom(...TAGS), maybe(instant)), { maxLength: 3 }),
  })
  .map(({ scores, ltv, tags, ...facts }) => ({
    facts: memberFacts(facts),
    scores,
    ltv,
    tags: new Map(tags),
  }));

/** A leaf over a random field, with an operand drawn from the same domains as the members' values. */
const FIELD_NAMES = [...FIELDS.keys(), ...ATTRIBUTE_KEYS.map((k) => `attributes.${k}`), "attributes.absent"];
const leaf: fc.Arbitrary<unknown> = fc.constantFrom(...FIELD_NAMES).chain((name) => {
  const type = FIELDS.get(name)?.type ?? "attribute";
  return fc.constantFrom(...OPERATORS_BY_TYPE[type]).chain((op) => {
    const node = (value?: fc.Arbitrary<unknown>) =>
      value ? value.map((v) => ({ field: name, op, value: v })) : fc.constant({ field: name, op });
    if (op === "exists" || op === "not_exists" || op === "is_empty" || op === "not_empty") return node();
    if (op === "within_last_days" || op === "more_than_days_ago") return node(fc.constantFrom(...DAY_COUNTS));
    if (op === "before" || op === "after") return node(instant.map((d) => d.toISOString()));
    const isList = ["in", "not_in", "has_any", "has_all", "has_none"].includes(op);
    const one: fc.Arbitrary<unknown> =
      type === "tags"
        ? fc.constantFrom(...TAGS)
        : type === "set"
          ? code
          : type === "boolean"
            ? fc.boolean()
            : type === "enum"
              ? fc.constantFrom(...(FIELDS.get(name)?.values ?? []))
              : type === "string"
                ? text.filter((t) => t.length > 0)
                : type === "attribute" && !["gt", "gte", "lt", "lte"].includes(op)
                  ? scalar
                  : fc.oneof(smallInt, double);
    return node(isList ? fc.array(one, { minLength: 1, maxLength: 3 }) : one);
  });
});

// The parser allows 8 levels (7 combinators and a leaf); past that the generator takes the leaf.
const condition: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true, maxDepth: MAX_CONDITION_DEPTH - 1 },
    leaf,
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie("node").map((not) => ({ not })),
  ),
})).node;

let tenantCounter = 0;

async function storeMembers(db: Db, members: MemberSnapshot[]): Promise<string> {
  const tenantId = `ten_prop_${process.pid}_${++tenantCounter}`;
  await db
    .insertInto("tenants")
    .values({
      tenant_id: tenantId,
      slug: tenantId,
      name: "P",
      currency: "CNY",
      time_zone: "Asia/Shanghai",
      settings: "{}",
    })
    .execute();
  await db
    .insertInto("audience_tag_groups")
    .values({
      tenant_id: tenantId,
      group_id: "grp",
      name: "g",
      dimension: "custom",
      description: null,
      created_at: NOW,
    })
    .execute();
  await db
    .insertInto("audience_tags")
    .values(
      TAGS.map((tag_id, i) => ({
        tenant_id: tenantId,
        tag_id,
        group_id: "grp",
        name: `t${i}`,
        kind: "manual" as const,
        definition: "{}",
        expires_after_days: null,
        created_at: NOW,
        updated_at: NOW,
      })),
    )
    .execute();
  for (const [i, m] of members.entries()) {
    const memberId = `mem_${i}`;
    const { member_id: _, attributes, ...facts } = m.facts;
    await db
      .insertInto("audience_member_facts")
      .values({
        ...facts,
        tenant_id: tenantId,
        member_id: memberId,
        attributes: JSON.stringify(attributes),
        refreshed_at: NOW,
      })
      .execute();
    if (m.scores)
      await db
        .insertInto("audience_member_scores")
        .values({ ...m.scores, tenant_id: tenantId, member_id: memberId, stage_since: NOW, computed_at: NOW })
        .execute();
    if (m.ltv)
      await db
        .insertInto("audience_member_ltv")
        .values({
          ...m.ltv,
          tenant_id: tenantId,
          member_id: memberId,
          model_id: "m",
          repeat_purchases: 0,
          computed_at: NOW,
        })
        .execute();
    for (const [tagId, expiresAt] of m.tags) {
      await db
        .insertInto("audience_member_tags")
        .values({
          tenant_id: tenantId,
          member_id: memberId,
          tag_id: tagId,
          source: "manual",
          source_ref: null,
          tagged_at: NOW,
          expires_at: expiresAt,
        })
        .execute();
    }
  }
  return tenantId;
}

describeEachDatabase("The condition language's two back ends", (database) => {
  it("select the same members, for random members and conditions", async () => {
    const db = database().db;
    await fc.assert(
      fc.asyncProperty(
        fc.array(member, { minLength: 1, maxLength: 12 }),
        fc.array(condition, { minLength: 1, maxLength: 8 }),
        async (members, conditions) => {
          const tenantId = await storeMembers(db, members);
          for (const raw of conditions) {
            const parsed = parseConditionOrThrow(raw, "");
            const expected = members.flatMap((m, i) => (evaluate(parsed, m, context) ? [`mem_${i}`] : []));
            const selected = await sql<{ member_id: string }>`SELECT f.member_id FROM ${memberRelation()}
            WHERE f.tenant_id = ${tenantId} AND ${compileCondition(parsed, context)}`.execute(db);
            const actual = selected.rows.map((r) => r.member_id).sort();
            expect(actual, JSON.stringify(raw)).toEqual([...expected].sort());
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
