import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type, type Static } from "typebox";
import { tenantOf, actorOf } from "../platform/auth/principal.ts";
import { retryOnConflict } from "../platform/db/retry.ts";
import { GroupCommitter } from "../platform/group-commit.ts";
import { command } from "../platform/http/command.ts";
import { Problem } from "../platform/http/problems.ts";
import { decodeCursor, PageOf, PageQuery, PAGE_LIMIT_DEFAULT } from "../platform/http/pagination.ts";
import { type IngestResult, type OrderInput, ingestOrders, MAX_BATCH_ORDERS } from "./ingest.ts";
import { getOrder, listOrders } from "./queries.ts";
import { cancelOrder, refundOrder } from "./refunds.ts";
import { IngestResultSchema, OrderBody, OrderSchema, RefundBody } from "./schemas.ts";

const BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** The most single-order requests written in one group commit. */
const SINGLE_ORDER_GROUP_MAX = 200;

export function toOrderInput(body: Static<typeof OrderBody>): OrderInput {
  return { ...body, ordered_at: new Date(body.ordered_at) };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
type OrderRow = Awaited<ReturnType<typeof getOrder>>;
function serializeOrder(
  order: Omit<OrderRow, "lines" | "refunds"> & Partial<Pick<OrderRow, "lines" | "refunds">>,
) {
  const { refunds, ...rest } = order;
  return {
    ...rest,
    ordered_at: order.ordered_at.toISOString(),
    completes_at: order.completes_at.toISOString(),
    completed_at: iso(order.completed_at),
    created_at: order.created_at.toISOString(),
    ...(refunds ? { refunds: refunds.map((r) => ({ ...r, refunded_at: r.refunded_at.toISOString() })) } : {}),
  };
}

const OrderIdParams = Type.Object({ order_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const writers = { apiKey: "write", staff: ["owner", "hq_operator", "store_manager"] } as const;
  // Groups are per brand and caller, so every ledger entry still names who sent its order.
  const groupKey = (tenantId: string, actor: string) => `${tenantId}\u0000${actor}`;
  const ingestGroup = (key: string, items: { input: OrderInput }[]) => {
    const [tenantId = "", actor = "unknown"] = key.split("\u0000");
    return retryOnConflict(() =>
      db.transaction().execute((tx) =>
        ingestOrders(
          tx,
          tenantId,
          items.map((i) => i.input),
          actor,
          now(),
        ),
      ),
    );
  };
  // Concurrent single-order requests of one brand are written as one batch (see GroupCommitter).
  const ingest = new GroupCommitter<{ input: OrderInput }, IngestResult>({
    writeGroup: ingestGroup,
    writeOne: async (tenantId, item) => {
      const [result] = await ingestGroup(tenantId, [item]);
      if (!result) throw new Error("ingest returned no result for the order");
      return result;
    },
    isItemError: (error) => error instanceof Problem,
    maxGroup: SINGLE_ORDER_GROUP_MAX,
    // Two groups in flight keep both cores busy; more would make smaller groups and more round trips per order.
    // The embedded database runs one transaction at a time, so there one group at a time makes the largest groups.
    maxConcurrentGroups: app.platform.database.kind === "pglite" ? 1 : 2,
  });

  app.post(
    "/v1/orders",
    {
      schema: {
        tags: ["orders"],
        summary: "Ingest one order from any channel; it earns points and growth value",
        description:
          "Idempotent by channel + external_id, forever: the same order again returns 200 with `created: false` and earns nothing. " +
          "The amounts must add up (lines − discounts + shipping = paid), else a 400 names the field.",
        body: OrderBody,
        response: { 200: IngestResultSchema, 201: IngestResultSchema },
      },
      config: { access: writers },
    },
    async (request, reply) => {
      const principal = request.principal;
      const actor = principal ? actorOf(principal) : "unknown";
      const result = await ingest.submit(groupKey(tenantOf(request), actor), {
        input: toOrderInput(request.body),
      });
      app.platform.events.poke();
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.post(
    "/v1/orders/batch",
    {
      bodyLimit: BATCH_BODY_LIMIT_BYTES,
      schema: {
        tags: ["orders"],
        summary: `Ingest up to ${MAX_BATCH_ORDERS} orders at once, all or nothing`,
        description:
          "Every problem of every order is listed with its field (`/orders/17/paid_minor`) and nothing is written. Orders already known are answered with `created: false`.",
        body: Type.Object(
          { orders: Type.Array(OrderBody, { minItems: 1, maxItems: MAX_BATCH_ORDERS }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(IngestResultSchema) }) },
      },
      config: { access: { apiKey: "write", staff: ["owner", "hq_operator"] } },
    },
    async (request) => {
      const principal = request.principal;
      const actor = principal ? actorOf(principal) : "unknown";
      const results = await retryOnConflict(() =>
        db
          .transaction()
          .execute((tx) =>
            ingestOrders(tx, tenantOf(request), request.body.orders.map(toOrderInput), actor, now()),
          ),
      );
      app.platform.events.poke();
      return { results };
    },
  );

  app.get(
    "/v1/orders",
    {
      schema: {
        tags: ["orders"],
        summary: "Orders, newest first",
        querystring: Type.Object(
          {
            ...PageQuery,
            member_id: Type.Optional(Type.String({ maxLength: 64 })),
            channel: Type.Optional(Type.String({ maxLength: 40 })),
            store_id: Type.Optional(Type.String({ maxLength: 64 })),
            status: Type.Optional(
              Type.Union([
                Type.Literal("paid"),
                Type.Literal("completed"),
                Type.Literal("cancelled"),
                Type.Literal("refunded"),
                Type.Literal("unmatched"),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(OrderSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const { limit = PAGE_LIMIT_DEFAULT, cursor, ...filter } = request.query;
      const page = await listOrders(
        db,
        tenantOf(request),
        filter,
        { limit, after: decodeCursor(cursor) },
        request.principal,
      );
      return { items: page.items.map(serializeOrder), next_cursor: page.next_cursor };
    },
  );

  app.get(
    "/v1/orders/:order_id",
    {
      schema: {
        tags: ["orders"],
        summary: "An order with its lines and refunds",
        params: OrderIdParams,
        response: { 200: OrderSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) =>
      serializeOrder(await getOrder(db, tenantOf(request), request.params.order_id, request.principal)),
  );

  app.post(
    "/v1/orders/:order_id/refunds",
    {
      schema: {
        tags: ["orders"],
        summary: "Refund part or all of an order; its points are taken back in proportion",
        description:
          "By amount or by returned lines. Points already spent are owed or written off per the program's refund policy, and the ledger says which.",
        params: OrderIdParams,
        body: RefundBody,
        response: {
          201: Type.Object({
            refund_id: Type.String(),
            order_id: Type.String(),
            external_id: Type.String(),
            created: Type.Boolean(),
            amount_minor: Type.Integer(),
            points_reversed: Type.Integer(),
            points_shortfall: Type.Integer(),
            order_status: Type.String(),
            refunded_minor: Type.Integer(),
          }),
        },
      },
      config: { access: writers },
    },
    async (request, reply) => {
      const principal = request.principal;
      const body = request.body;
      return command(request, reply, 201, (tx) =>
        refundOrder(
          tx,
          tenantOf(request),
          request.params.order_id,
          { ...body, refunded_at: body.refunded_at ? new Date(body.refunded_at) : undefined },
          principal ? actorOf(principal) : "unknown",
          now(),
        ),
      );
    },
  );

  app.post(
    "/v1/orders/:order_id/cancel",
    {
      schema: {
        tags: ["orders"],
        summary: "Cancel an order inside its return window; everything it earned is taken back",
        params: OrderIdParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ maxLength: 200 })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({
            order_id: Type.String(),
            status: Type.String(),
            points_reversed: Type.Integer(),
            replayed: Type.Boolean(),
          }),
        },
      },
      config: { access: writers },
    },
    async (request, reply) => {
      const principal = request.principal;
      return command(request, reply, 200, (tx) =>
        cancelOrder(
          tx,
          tenantOf(request),
          request.params.order_id,
          request.body?.reason,
          principal ? actorOf(principal) : "unknown",
          now(),
        ),
      );
    },
  );
};
