import { Type } from "typebox";
import { PageOf, PageQuery } from "../platform/http/pagination.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: "date-time" });

export const ErasureBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 500,
      description: "Why (the member's request and its reference, a regulator's order); kept with the erasure",
      examples: ["Member request by email, ticket 4411"],
    }),
  },
  { additionalProperties: false },
);

export const ErasureSchema = Type.Object({
  member_id: Type.String(),
  status: Type.Literal("erased"),
  reason: Type.String(),
  actor: Type.String({ description: "The staff id that asked" }),
  merged_member_ids: Type.Array(Type.String(), {
    description: "Records merged into this member earlier (the same person), erased with it",
  }),
  erased_at: DateTime,
  already_erased: Type.Boolean({
    description: "True when the member was erased before: nothing was done again",
  }),
});

export const DataExportSchema = Type.Object({
  member_id: Type.String(),
  exported_at: DateTime,
  member: Type.Record(Type.String(), Type.Unknown(), { description: "The member record as stored" }),
  identities: Type.Array(Type.Object({ kind: Type.String(), value: Type.String() })),
  erasure: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  sections: Type.Record(Type.String(), Type.Unknown(), {
    description: "One section per capability holding member data: orders, points, tier, coupons, audience…",
  }),
  timeline: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: "Every event about the member, newest first",
  }),
});

export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    member_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    staff_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: "Who acted: a staff id or an API key id" }),
    ),
    from: Type.Optional(Type.String({ format: "date-time", description: "From this instant (inclusive)" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "Until this instant (exclusive)" })),
  },
  { additionalProperties: false },
);

export const AuditEntrySchema = Type.Object({
  audit_id: Type.String(),
  at: DateTime,
  actor: Type.String({ description: "Staff id, API key id, or `system:…`" }),
  actor_kind: Nullable(Type.String({ examples: ["staff", "api_key"] })),
  role: Nullable(Type.String({ examples: ["owner", "guide", "api_key:read"] })),
  action: Type.String({
    examples: ["member_data.read", "member_data.change", "member_data.export", "points.adjust"],
  }),
  member_id: Nullable(Type.String()),
  method: Nullable(Type.String()),
  route: Nullable(Type.String({ examples: ["/v1/members/:member_id"] })),
  status: Nullable(Type.Integer({ description: "The response status the request got" })),
  request_id: Nullable(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const AuditPage = PageOf(AuditEntrySchema);
