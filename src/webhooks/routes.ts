import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { HQ_ROLES, tenantOf } from "../platform/auth/principal.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf } from "../platform/http/pagination.ts";
import { type Delivery, listDeliveries, replayDeadLetters, replayDelivery } from "./deliveries.ts";
import {
  createEndpoint,
  deleteEndpoint,
  type Endpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from "./endpoints.ts";
import {
  DeliveryListQuery,
  DeliveryParams,
  DeliverySchema,
  EndpointCreateBody,
  EndpointIdParams,
  EndpointPatchBody,
  EndpointSchema,
  EndpointWithSecretSchema,
  ReplayResultSchema,
  RotateBody,
} from "./schemas.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const serializeEndpoint = (e: Endpoint) => ({
  ...e,
  previous_secret_expires_at: iso(e.previous_secret_expires_at),
  created_at: e.created_at.toISOString(),
  updated_at: e.updated_at.toISOString(),
});
const serializeDelivery = (d: Delivery) => ({
  ...d,
  next_attempt_at: iso(d.next_attempt_at),
  created_at: d.created_at.toISOString(),
  delivered_at: iso(d.delivered_at),
  dead_at: iso(d.dead_at),
});

/** Outgoing event webhooks: endpoints, their deliveries, dead letters and replay. */
export const webhookEndpointRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const guard = () => ({ allowPrivate: app.platform.config.webhooksAllowPrivate, now: now() });
  // Endpoints receive every member's data: the brand's HQ and its integrators' write keys manage them.
  const manage = { apiKey: "write", staff: HQ_ROLES } as const;
  const read = { apiKey: "read", staff: HQ_ROLES } as const;
  const tags = ["webhooks"];

  app.post(
    "/v1/webhook-endpoints",
    {
      schema: {
        tags,
        summary: "Subscribe a URL to events",
        description:
          "Events are POSTed as Standard Webhooks messages (`webhook-id`, `webhook-timestamp`, " +
          "`webhook-signature` signed with the returned `whsec_` secret, shown only now). Failed deliveries are " +
          "retried with backoff (5 s, 30 s, 2 min, 10 min, 1 h, …) and then kept as dead letters for replay. " +
          "A member's events reach an endpoint in order.",
        body: EndpointCreateBody,
        response: { 201: EndpointWithSecretSchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 201, async (tx) => {
        const created = await createEndpoint(tx, tenantOf(request), request.body, guard());
        return { ...serializeEndpoint(created), secret: created.secret };
      }),
  );

  app.get(
    "/v1/webhook-endpoints",
    {
      schema: {
        tags,
        summary: "The brand's webhook endpoints",
        response: { 200: Type.Object({ items: Type.Array(EndpointSchema) }) },
      },
      config: { access: read },
    },
    async (request) => ({ items: (await listEndpoints(db, tenantOf(request))).map(serializeEndpoint) }),
  );

  app.get(
    "/v1/webhook-endpoints/:endpoint_id",
    {
      schema: { tags, summary: "One endpoint", params: EndpointIdParams, response: { 200: EndpointSchema } },
      config: { access: read },
    },
    async (request) =>
      serializeEndpoint(await getEndpoint(db, tenantOf(request), request.params.endpoint_id)),
  );

  app.patch(
    "/v1/webhook-endpoints/:endpoint_id",
    {
      schema: {
        tags,
        summary: "Change an endpoint's URL or events, or disable it",
        params: EndpointIdParams,
        body: EndpointPatchBody,
        response: { 200: EndpointSchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeEndpoint(
          await updateEndpoint(tx, tenantOf(request), request.params.endpoint_id, request.body, guard()),
        ),
      ),
  );

  app.delete(
    "/v1/webhook-endpoints/:endpoint_id",
    {
      schema: {
        tags,
        summary: "Remove an endpoint and its deliveries; answers the endpoint removed",
        params: EndpointIdParams,
        response: { 200: EndpointSchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeEndpoint(await deleteEndpoint(tx, tenantOf(request), request.params.endpoint_id)),
      ),
  );

  app.post(
    "/v1/webhook-endpoints/:endpoint_id/rotate-secret",
    {
      schema: {
        tags,
        summary: "Replace the signing secret",
        description:
          "The new secret is returned once. The old one keeps signing beside it (two signatures in " +
          "`webhook-signature`) for `keep_previous_hours`, so receivers can switch without losing a message.",
        params: EndpointIdParams,
        body: RotateBody,
        response: { 200: EndpointWithSecretSchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => {
        const rotated = await rotateSecret(
          tx,
          tenantOf(request),
          request.params.endpoint_id,
          request.body.keep_previous_hours,
          now(),
        );
        return { ...serializeEndpoint(rotated), secret: rotated.secret };
      }),
  );

  app.get(
    "/v1/webhook-endpoints/:endpoint_id/deliveries",
    {
      schema: {
        tags,
        summary: "Deliveries to an endpoint, newest first; `status=dead` lists the dead letters",
        params: EndpointIdParams,
        querystring: DeliveryListQuery,
        response: { 200: PageOf(DeliverySchema) },
      },
      config: { access: read },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const page = await listDeliveries(
        db,
        tenantOf(request),
        request.params.endpoint_id,
        { status },
        { limit: limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(cursor) },
      );
      return { items: page.items.map(serializeDelivery), next_cursor: page.next_cursor };
    },
  );

  app.post(
    "/v1/webhook-endpoints/:endpoint_id/deliveries/:delivery_id/replay",
    {
      schema: {
        tags,
        summary: "Send a dead (or delivered) delivery again, with the same webhook-id",
        params: DeliveryParams,
        response: { 200: DeliverySchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) =>
        serializeDelivery(
          await replayDelivery(
            tx,
            tenantOf(request),
            request.params.endpoint_id,
            request.params.delivery_id,
            now(),
          ),
        ),
      ),
  );

  app.post(
    "/v1/webhook-endpoints/:endpoint_id/replay-dead-letters",
    {
      schema: {
        tags,
        summary: "Send every dead delivery of the endpoint again",
        params: EndpointIdParams,
        response: { 200: ReplayResultSchema },
      },
      config: { access: manage },
    },
    async (request, reply) =>
      command(request, reply, 200, async (tx) => ({
        replayed: await replayDeadLetters(tx, tenantOf(request), request.params.endpoint_id, now()),
      })),
  );
};
