import { Type } from "typebox";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const GenderSchema = Type.Union([
  Type.Literal("female"),
  Type.Literal("male"),
  Type.Literal("other"),
  Type.Literal("unknown"),
]);
export const MemberStatusSchema = Type.Union([
  Type.Literal("prospect"),
  Type.Literal("active"),
  Type.Literal("merged"),
  Type.Literal("erased"),
]);
const ConsentEntry = Type.Object({ granted: Type.Boolean(), at: Type.String({ format: "date-time" }) });
export const ConsentInput = Type.Object(
  {
    sms: Type.Optional(Type.Boolean()),
    email: Type.Optional(Type.Boolean()),
    im: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description: "Marketing consent per channel; the time of each answer is kept",
  },
);
export const IdentitySchema = Type.Object(
  {
    kind: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: "^[a-z0-9_.-]+$",
      examples: ["wechat_unionid", "pos_card"],
    }),
    value: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export const DateString = Type.String({ format: "date", description: "YYYY-MM-DD" });

export const MemberSchema = Type.Object(
  {
    member_id: Type.String({ examples: ["mem_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
    card_no: Type.String({ description: "12 digits, the last a Luhn check digit" }),
    status: MemberStatusSchema,
    merged_into: Nullable(Type.String()),
    phone: Nullable(Type.String({ description: "E.164; masked in lists for store staff" })),
    email: Nullable(Type.String()),
    name: Nullable(Type.String()),
    gender: GenderSchema,
    birthday: Nullable(Type.String()),
    region: Nullable(Type.String()),
    consent: Type.Object({
      sms: Type.Optional(ConsentEntry),
      email: Type.Optional(ConsentEntry),
      im: Type.Optional(ConsentEntry),
    }),
    join_channel: Type.String(),
    join_store_id: Nullable(Type.String()),
    join_guide_id: Nullable(Type.String()),
    scene_key: Nullable(Type.String()),
    home_store_id: Nullable(Type.String()),
    guide_id: Nullable(Type.String()),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    identities: Type.Optional(Type.Array(IdentitySchema)),
    joined_at: Type.String({ format: "date-time" }),
    created_at: Type.String({ format: "date-time" }),
    updated_at: Type.String({ format: "date-time" }),
  },
  { $id: "Member" },
);

export const JoinBody = Type.Object(
  {
    phone: Type.Optional(
      Type.String({ minLength: 3, maxLength: 32, examples: ["13812345678", "+8613812345678"] }),
    ),
    email: Type.Optional(Type.String({ format: "email", maxLength: 200 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    gender: Type.Optional(GenderSchema),
    birthday: Type.Optional(DateString),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    consent: Type.Optional(ConsentInput),
    identities: Type.Optional(Type.Array(IdentitySchema, { maxItems: 20 })),
    channel: Type.String({
      minLength: 1,
      maxLength: 40,
      description: "Where the card was opened: store_qr, mini_program, web, pos, api, …",
      examples: ["store_qr"],
    }),
    store_id: Type.Optional(Type.String({ maxLength: 64 })),
    guide_id: Type.Optional(Type.String({ maxLength: 64 })),
    scene_key: Type.Optional(
      Type.String({ maxLength: 100, description: "The scene of the QR code scanned to join" }),
    ),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const ProfilePatchBody = Type.Object(
  {
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
    email: Type.Optional(Nullable(Type.String({ format: "email", maxLength: 200 }))),
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    gender: Type.Optional(GenderSchema),
    birthday: Type.Optional(Nullable(DateString)),
    region: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    consent: Type.Optional(ConsentInput),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const MemberIdParams = Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) });
