import { Type } from "typebox";
import { ConditionSchema } from "../conditions/schema.ts";
import type { TagDimension, TagKind } from "../tables.ts";
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS_PER_TAG } from "./keywords.ts";

/** HTTP shapes of tag groups, tags and member tags. */

export const MAX_PRODUCTS_PER_TAG = 100;
export const MAX_SCENE_KEYS_PER_TAG = 100;
export const MAX_CYCLE_DAYS = 3_650;
export const MAX_TAG_EXPIRY_DAYS = 3_650;

/** Text a person types: no NUL (PostgreSQL text cannot hold it), trimmed length in bounds. */
export const Name = (maxLength: number, description?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: "^[^\\u0000]*\\S[^\\u0000]*$",
    ...(description ? { description } : {}),
  });

const DIMENSIONS: readonly TagDimension[] = [
  "attribute",
  "product_lifecycle",
  "user_lifecycle",
  "custom",
  "chat_keyword",
  "scene",
];
const KINDS: readonly TagKind[] = ["manual", "rule", "product_lifecycle", "scene", "keyword"];

export const DimensionSchema = Type.Enum(DIMENSIONS, { description: "The seeds' six tag dimensions" });
export const TagKindSchema = Type.Enum(KINDS, {
  description:
    "manual: given by people (by hand, in bulk, by CSV); rule: kept equal to a condition; product_lifecycle: first " +
    "purchase, repurchase or used up of products; scene: members who joined from given QR scenes; keyword: " +
    "members whose chat messages mention a keyword",
});

export const TagGroupSchema = Type.Object({
  group_id: Type.String(),
  name: Type.String(),
  dimension: DimensionSchema,
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: "date-time" }),
});

export const TagGroupBody = Type.Object(
  { name: Name(60), dimension: DimensionSchema, description: Type.Optional(Name(500)) },
  { additionalProperties: false },
);

export const ProductSchema = Type.Object(
  {
    sku: Name(100),
    cycle_days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CYCLE_DAYS,
        description: "Days one unit lasts (used_up needs it)",
      }),
    ),
  },
  { additionalProperties: false },
);

const ProductStage = Type.Union(
  [Type.Literal("first_purchase"), Type.Literal("repurchase"), Type.Literal("used_up")],
  {
    description:
      "first_purchase: bought the products in exactly one purchase; repurchase: in two or more; used_up: the quantity " +
      "last bought has run out (last purchase + quantity × cycle_days is past) and was not bought again",
  },
);

/** Kind-specific parameters, all optional here; the service says which one a kind needs. */
const DefinitionFields = {
  condition: Type.Optional(ConditionSchema),
  stage: Type.Optional(ProductStage),
  products: Type.Optional(Type.Array(ProductSchema, { minItems: 1, maxItems: MAX_PRODUCTS_PER_TAG })),
  scene_keys: Type.Optional(Type.Array(Name(100), { minItems: 1, maxItems: MAX_SCENE_KEYS_PER_TAG })),
  keywords: Type.Optional(
    Type.Array(Name(MAX_KEYWORD_LENGTH), {
      minItems: 1,
      maxItems: MAX_KEYWORDS_PER_TAG,
      description: "Plain words or phrases (not patterns), matched ignoring case and full-width forms",
    }),
  ),
};

const ExpiresAfterDays = Type.Optional(
  Type.Union([Type.Integer({ minimum: 1, maximum: MAX_TAG_EXPIRY_DAYS }), Type.Null()], {
    description: "A member holds the tag this many days after being tagged (null: until removed)",
  }),
);

export const TagCreateBody = Type.Object(
  {
    group_id: Type.String({ maxLength: 64 }),
    name: Name(60),
    kind: TagKindSchema,
    expires_after_days: ExpiresAfterDays,
    ...DefinitionFields,
  },
  { additionalProperties: false },
);

export const TagPatchBody = Type.Object(
  { name: Type.Optional(Name(60)), expires_after_days: ExpiresAfterDays, ...DefinitionFields },
  { additionalProperties: false },
);

export const TagSchema = Type.Object({
  tag_id: Type.String(),
  group_id: Type.String(),
  name: Type.String(),
  kind: TagKindSchema,
  definition: Type.Record(Type.String(), Type.Unknown()),
  expires_after_days: Type.Union([Type.Integer(), Type.Null()]),
  members: Type.Integer({ description: "Members holding the tag now" }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const MemberTagSchema = Type.Object({
  tag_id: Type.String(),
  name: Type.String(),
  group_id: Type.String(),
  group_name: Type.String(),
  dimension: DimensionSchema,
  source: Type.String({
    description: "manual, csv, api, rule, product_lifecycle, scene, keyword or campaign",
  }),
  source_ref: Type.Union([Type.String(), Type.Null()], {
    description: "Who or what: staff or key id, message id, scene key",
  }),
  tagged_at: Type.String({ format: "date-time" }),
  expires_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

export const MAX_BULK_MEMBERS = 1_000;

export const BulkTagBody = Type.Object(
  {
    member_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: MAX_BULK_MEMBERS,
    }),
    expires_at: Type.Optional(
      Type.String({ format: "date-time", description: "Overrides the tag's expires_after_days" }),
    ),
  },
  { additionalProperties: false },
);

export const BulkUntagBody = Type.Object(
  {
    member_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: MAX_BULK_MEMBERS,
    }),
  },
  { additionalProperties: false },
);

export const CsvTagBody = Type.Object(
  {
    csv: Type.String({
      minLength: 1,
      maxLength: 900_000,
      description:
        "CSV text whose first line names the columns: one of member_id, phone or card_no, and optionally expires_at " +
        "(RFC 3339). At most 10,000 rows.",
    }),
  },
  { additionalProperties: false },
);

export const BulkResultSchema = Type.Object({
  tagged: Type.Integer({ description: "Members now holding the tag from this request" }),
  not_found: Type.Array(Type.String(), {
    description: "Members that do not exist or are outside your scope",
  }),
});
