import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { actorOf, tenantOf } from "../../platform/auth/principal.ts";
import type { Tx } from "../../platform/db/database.ts";
import { retryOnConflict } from "../../platform/db/retry.ts";
import { command } from "../../platform/http/command.ts";
import { Problem } from "../../platform/http/problems.ts";
import { newId } from "../../platform/ids.ts";
import { findTenantBySlug } from "../../tenants/service.ts";
import { signatureMatches } from "./payload.ts";
import { integrationSecret, MIN_SECRET_LENGTH, setIntegrationSecret } from "./secrets.ts";
import { ignored, receiveOrder, receiveRefund, type WebhookOutcome } from "./service.ts";
import {
  mapShopifyOrder,
  mapShopifyRefund,
  SHOPIFY_CHANNEL,
  SHOPIFY_ORDER_TOPICS,
  SHOPIFY_REFUND_TOPIC,
} from "./shopify.ts";
import type { IntegrationPlatform } from "./tables.ts";
import { mapWooOrder, WOOCOMMERCE_CHANNEL, WOOCOMMERCE_ORDER_TOPICS } from "./woocommerce.ts";

// Platform order payloads with hundreds of lines run to a few hundred kilobytes.
const WEBHOOK_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** WooCommerce checks a new webhook's URL with this form body; answering 2xx lets the shop save the webhook. */
const WOO_PING = /^webhook_id=\d+$/;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const WebhookOutcomeSchema = Type.Object({
  outcome: Type.Union([Type.Literal("processed"), Type.Literal("ignored")]),
  reason: Nullable(Type.String()),
  order: Nullable(
    Type.Object({
      order_id: Type.String(),
      created: Type.Boolean(),
      status: Type.String(),
      member_id: Nullable(Type.String()),
      points_earned: Type.Integer(),
    }),
  ),
  refunds: Type.Array(
    Type.Object({
      external_id: Type.String(),
      refund_id: Nullable(Type.String()),
      created: Type.Boolean(),
      amount_minor: Type.Integer(),
      points_reversed: Type.Integer(),
    }),
  ),
});
const SlugParams = Type.Object({ tenant_slug: Type.String({ minLength: 2, maxLength: 63 }) });

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Incoming webhooks from Shopify and WooCommerce, and the HQ setting of the secrets they are signed with.
 * The webhook routes are public: the HMAC signature over the raw body is their authentication.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.put(
    "/v1/integrations/:platform",
    {
      schema: {
        tags: ["integrations"],
        summary: "Set the secret a platform signs this brand's webhooks with",
        description:
          "Shopify: the key shown under Settings › Notifications › Webhooks (or the app's client secret). WooCommerce: the webhook's Secret. " +
          "Setting it again replaces it. The secret is never returned.",
        params: Type.Object({ platform: Type.Union([Type.Literal("shopify"), Type.Literal("woocommerce")]) }),
        body: Type.Object(
          { secret: Type.String({ minLength: MIN_SECRET_LENGTH, maxLength: 512 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            platform: Type.String(),
            configured: Type.Boolean(),
            created_at: Type.String({ format: "date-time" }),
          }),
        },
      },
      config: { access: { staff: ["owner"] } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const actor = request.principal ? actorOf(request.principal) : "unknown";
      const platform: IntegrationPlatform = request.params.platform;
      return command(request, reply, 200, async (tx) => {
        const at = now();
        const set = await setIntegrationSecret(tx, tenantId, platform, request.body.secret, at);
        await tx
          .insertInto("audit_log")
          .values({
            tenant_id: tenantId,
            audit_id: newId("event"),
            actor,
            action: "integration.secret_set",
            subject_id: null,
            detail: JSON.stringify({ platform }),
            at,
          })
          .execute();
        return { platform, configured: true, created_at: set.created_at.toISOString() };
      });
    },
  );

  // Encapsulated: only these routes read bodies as raw bytes, which the signature is computed over.
  await app.register(async (child) => {
    const hooks = child.withTypeProvider<TypeBoxTypeProvider>();
    hooks.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) =>
      done(null, body),
    );
    hooks.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "buffer" },
      (_request, body, done) => done(null, body),
    );

    /** The brand and the parsed body, once the signature proves the sender holds the brand's secret. */
    async function verified(
      slug: string,
      body: unknown,
      platform: IntegrationPlatform,
      signature: string | undefined,
    ) {
      const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const tenant = await findTenantBySlug(db, slug);
      const secret = tenant ? await integrationSecret(db, tenant.tenant_id, platform) : undefined;
      // One answer for an unknown brand, an unset secret and a wrong signature: a prober learns nothing.
      if (!tenant || !secret || !signatureMatches(raw, secret, signature)) {
        throw new Problem(
          "unauthenticated",
          `the webhook signature does not match this brand's ${platform} secret (or none is set)`,
        );
      }
      return { tenant, json: (): unknown => parseJson(raw) };
    }
    const run = (work: (tx: Tx) => Promise<WebhookOutcome>) =>
      retryOnConflict(() => db.transaction().execute(work));
    /** Something done is a 200; a delivery accepted and deliberately ignored is a 202, so the platform stops retrying. */
    const statusOf = (outcome: WebhookOutcome) => (outcome.outcome === "processed" ? 200 : 202);

    hooks.post(
      "/v1/webhooks/shopify/:tenant_slug",
      {
        bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
        schema: {
          tags: ["integrations"],
          summary: "Shopify webhooks: orders/create, orders/paid, refunds/create",
          description:
            "Signed with `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body); a wrong or missing signature is a 401. " +
            "Paid orders earn (orders still pending earn when orders/paid arrives); refunds take points back in proportion. " +
            "Idempotent: a redelivery changes nothing. Other topics, unpaid or cancelled orders and refunds of orders Enclave never " +
            "received answer 202 with `outcome: ignored` and the reason. A payload that cannot be mapped is a 400 naming its field.",
          params: SlugParams,
          response: { 200: WebhookOutcomeSchema, 202: WebhookOutcomeSchema },
        },
        config: { access: { public: true } },
      },
      async (request, reply) => {
        const { tenant, json } = await verified(
          request.params.tenant_slug,
          request.body,
          "shopify",
          header(request, "x-shopify-hmac-sha256"),
        );
        const topic = header(request, "x-shopify-topic") ?? "";
        const actor = "webhook:shopify";
        const outcome = await (async () => {
          if (SHOPIFY_ORDER_TOPICS.has(topic)) {
            const event = mapShopifyOrder(json());
            if (event.kind === "ignored") return ignored(event.reason);
            const input = {
              channel: SHOPIFY_CHANNEL,
              external_id: event.mapped.order.external_id,
              mapped: event.mapped,
              refunds: event.refunds,
              refund_rest: false,
            };
            return run((tx) => receiveOrder(tx, tenant, input, actor, now()));
          }
          if (topic === SHOPIFY_REFUND_TOPIC) {
            const refund = mapShopifyRefund(json(), tenant.currency);
            if (!refund) return ignored("the refund returned no money");
            return run((tx) => receiveRefund(tx, tenant.tenant_id, SHOPIFY_CHANNEL, refund, actor, now()));
          }
          return ignored(`topic "${topic}" is not one Enclave handles`);
        })();
        app.platform.events.poke();
        return reply.code(statusOf(outcome)).send(outcome);
      },
    );

    hooks.post(
      "/v1/webhooks/woocommerce/:tenant_slug",
      {
        bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
        schema: {
          tags: ["integrations"],
          summary: "WooCommerce webhooks: order.created, order.updated",
          description:
            "Signed with `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body); a wrong or missing signature is a 401. " +
            "Orders earn once processing or completed; the order's refunds take points back in proportion, and status refunded " +
            "refunds the rest. Idempotent: a redelivery changes nothing. Other topics and unpaid orders answer 202 with " +
            "`outcome: ignored`; WooCommerce's URL check (`webhook_id=…`) answers 202 too. A payload that cannot be mapped is a 400 naming its field.",
          params: SlugParams,
          response: { 200: WebhookOutcomeSchema, 202: WebhookOutcomeSchema },
        },
        config: { access: { public: true } },
      },
      async (request, reply) => {
        // The ping carries no order and changes nothing, so it needs no signature.
        if (Buffer.isBuffer(request.body) && WOO_PING.test(request.body.toString("latin1")))
          return reply.code(202).send(ignored("ping"));
        const { tenant, json } = await verified(
          request.params.tenant_slug,
          request.body,
          "woocommerce",
          header(request, "x-wc-webhook-signature"),
        );
        const topic = header(request, "x-wc-webhook-topic") ?? "";
        if (!WOOCOMMERCE_ORDER_TOPICS.has(topic))
          return reply.code(202).send(ignored(`topic "${topic}" is not one Enclave handles`));
        const event = mapWooOrder(json());
        const input = {
          channel: WOOCOMMERCE_CHANNEL,
          external_id: event.external_id,
          mapped: event.mapped,
          refunds: event.refunds,
          refund_rest: event.fully_refunded,
          unpaid_reason: `the order is ${event.status}: it earns once processing or completed`,
        };
        const outcome = await run((tx) => receiveOrder(tx, tenant, input, "webhook:woocommerce", now()));
        app.platform.events.poke();
        return reply.code(statusOf(outcome)).send(outcome);
      },
    );
  });
};

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new Problem("malformed-json", error instanceof Error ? error.message : "the body is not JSON");
  }
}
