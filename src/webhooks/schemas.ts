import { type TSchema, Type } from "typebox";
import { PageQuery } from "../platform/http/pagination.ts";
import { MAX_ATTEMPTS_LIMIT } from "./rules.ts";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTimeString = Type.String({ format: "date-time" });

const UrlSchema = Type.String({
  minLength: 8,
  maxLength: 2_000,
  description:
    "http or https. Loopback, private and link-local addresses are refused unless the operator sets " +
    "ENCLAVE_WEBHOOKS_ALLOW_PRIVATE=true; the host is checked again at every delivery.",
  examples: ["https://hooks.example.com/enclave"],
});

const EventTypesSchema = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 100,
    description: "An event type (`order.created`), a family (`member.*`) or everything (`*`)",
  }),
  { minItems: 1, maxItems: 50, examples: [["member.*", "points.*", "tier.changed"]] },
);

const MaxAttemptsSchema = Type.Integer({
  minimum: 1,
  maximum: MAX_ATTEMPTS_LIMIT,
  description: "Attempts before a delivery goes to the dead letters (default 8: retries over about two days)",
});

export const EndpointCreateBody = Type.Object(
  {
    url: UrlSchema,
    event_types: EventTypesSchema,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    max_attempts: Type.Optional(MaxAttemptsSchema),
  },
  { additionalProperties: false },
);

export const EndpointPatchBody = Type.Object(
  {
    url: Type.Optional(UrlSchema),
    event_types: Type.Optional(EventTypesSchema),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    max_attempts: Type.Optional(MaxAttemptsSchema),
    enabled: Type.Optional(
      Type.Boolean({ description: "A disabled endpoint keeps collecting deliveries but sends none" }),
    ),
  },
  { additionalProperties: false },
);

export const EndpointSchema = Type.Object({
  endpoint_id: Type.String({ examples: ["whep_01jd7x4qz8f3s9v2k6m1n0p5r7"] }),
  url: Type.String(),
  description: Nullable(Type.String()),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  max_attempts: Type.Integer(),
  previous_secret_expires_at: Nullable(DateTimeString),
  created_at: DateTimeString,
  updated_at: DateTimeString,
});

export const EndpointWithSecretSchema = Type.Object({
  ...EndpointSchema.properties,
  secret: Type.String({
    description: "The signing secret (`whsec_…`), shown only when created or rotated; verify with it",
  }),
});

export const EndpointIdParams = Type.Object({ endpoint_id: Type.String({ maxLength: 64 }) });
export const DeliveryParams = Type.Object({
  endpoint_id: Type.String({ maxLength: 64 }),
  delivery_id: Type.String({ maxLength: 64 }),
});

const DeliveryStatusSchema = Type.Union([
  Type.Literal("pending"),
  Type.Literal("delivered"),
  Type.Literal("dead"),
]);

export const DeliveryListQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(DeliveryStatusSchema) },
  { additionalProperties: false },
);

export const DeliverySchema = Type.Object({
  delivery_id: Type.String(),
  endpoint_id: Type.String(),
  event_id: Type.String({
    description: "Also the `webhook-id` header: the same on every attempt and replay",
  }),
  event_type: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  next_attempt_at: Nullable(DateTimeString),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: "The JSON body as sent" }),
  created_at: DateTimeString,
  delivered_at: Nullable(DateTimeString),
  dead_at: Nullable(DateTimeString),
});

export const RotateBody = Type.Object(
  {
    keep_previous_hours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 168,
        description:
          "How long the old secret also signs (both signatures are sent); default 24, 0 ends it now",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReplayResultSchema = Type.Object({
  replayed: Type.Integer({ description: "Deliveries put back in the queue" }),
});
