import { type Static, Type } from "typebox";
import { OPERATORS } from "./fields.ts";

/**
 * The condition language as JSON: a tree whose inner nodes are `{all: [...]}`, `{any: [...]}` or `{not: ...}` and
 * whose leaves are `{field, op, value}`. This schema documents the shape in OpenAPI; `parseCondition` checks what a
 * schema cannot (known fields, operand types per field, depth) and gives each problem its JSON pointer.
 */

/** Nesting levels of all/any/not above a leaf, the leaf's own level included: `{field…}` alone is depth 1. */
export const MAX_CONDITION_DEPTH = 8;
/** Nodes in one tree, leaves and combinators together. */
export const MAX_CONDITION_NODES = 200;
/** Children of one all/any. */
export const MAX_CONDITION_CHILDREN = 50;
/** Values of one list operand (in, not_in, has_any…). */
export const MAX_LIST_VALUES = 500;
/** Characters of one string operand. */
export const MAX_STRING_VALUE_LENGTH = 200;
/** Largest day count of within_last_days / more_than_days_ago (100 years). */
export const MAX_DAYS = 36_500;

const Scalar = Type.Union([
  Type.String({ maxLength: MAX_STRING_VALUE_LENGTH }),
  Type.Number(),
  Type.Boolean(),
]);

const Leaf = Type.Object(
  {
    field: Type.String({
      maxLength: 100,
      description:
        "What to test: `member.gender`, `orders.count`, `tags`, `rfm.r`, `lifecycle.stage`, `attributes.<key>`… " +
        "(the full list with types is in docs/audience.md)",
      examples: ["orders.count", "lifecycle.stage", "tags", "attributes.favourite_drink"],
    }),
    op: Type.Enum(OPERATORS, { description: "Operators depend on the field's type; see docs/audience.md" }),
    value: Type.Optional(
      Type.Union([Scalar, Type.Array(Scalar, { maxItems: MAX_LIST_VALUES })], {
        description:
          "A number, string or boolean; a list for in / not_in / has_any / has_all / has_none; an RFC 3339 time " +
          "for before / after; whole days for within_last_days / more_than_days_ago; absent for exists / " +
          "not_exists / is_empty / not_empty",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ConditionSchema = Type.Cyclic(
  {
    AudienceCondition: Type.Union(
      [
        Type.Object(
          {
            all: Type.Array(Type.Ref("AudienceCondition"), {
              minItems: 1,
              maxItems: MAX_CONDITION_CHILDREN,
              description: "Every child holds",
            }),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          {
            any: Type.Array(Type.Ref("AudienceCondition"), {
              minItems: 1,
              maxItems: MAX_CONDITION_CHILDREN,
              description: "At least one child holds",
            }),
          },
          { additionalProperties: false },
        ),
        Type.Object(
          { not: Type.Ref("AudienceCondition", { description: "The child does not hold" }) },
          { additionalProperties: false },
        ),
        Leaf,
      ],
      {
        description:
          `A condition over a member: at most ${MAX_CONDITION_DEPTH} levels deep and ${MAX_CONDITION_NODES} ` +
          "nodes. A comparison with a value the member does not have (no birthday, no purchase yet) is false.",
        examples: [
          {
            all: [
              { field: "lifecycle.stage", op: "in", value: ["silent", "lost"] },
              { field: "orders.spend_minor", op: "gte", value: 50_000 },
              { not: { field: "tags", op: "has", value: "tag_01jd0000000000000000000000" } },
            ],
          },
        ],
      },
    ),
  },
  "AudienceCondition",
);

/** The raw JSON shape; only `parseCondition` turns it into something the evaluator and compiler accept. */
export type ConditionJson = Static<typeof ConditionSchema>;
