import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember, isMemberVisible } from "../members/service.ts";
import { actorOf, tenantOf } from "../platform/auth/principal.ts";
import { retryOnConflict } from "../platform/db/retry.ts";
import { command } from "../platform/http/command.ts";
import { notFound } from "../platform/http/problems.ts";
import { checkoutView, commitCheckout, getCheckout, lockCheckout } from "./checkout.ts";
import { quoteCheckout, toCart } from "./quote.ts";
import { cancelCheckout, confirmCheckout, refundCheckout } from "./settlement.ts";
import { CartSchema, MINOR_MAX } from "./schemas.ts";
import { CheckoutSchema, QuoteSchema, serializeCheckout, serializeQuote } from "./views.ts";

/** Checkout: quote a cart, commit (or hold) its coupons and points for an order, confirm, cancel, refund. */

const MemberId = Type.String({ minLength: 1, maxLength: 64 });
const CouponRefs = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 10,
  description: "Coupon ids or printed codes",
});
const OrderIdParams = Type.Object({ order_id: Type.String({ minLength: 1, maxLength: 128 }) });

export const checkoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();
  const cashiers = { apiKey: "write", staff: "all" } as const;

  app.post(
    "/v1/checkout/quote",
    {
      schema: {
        tags: ["checkout"],
        summary:
          "Quote a cart: applicable coupons, the best combination, tier discount, points to earn and points usable",
        description:
          "Changes nothing. `best` is the lowest total the member's coupons allow under the stacking rules; `almost` lists coupons the cart nearly qualifies for " +
          '("12.00 more for 20 off"). Name `coupons` to price a set the member chose: it is checked exactly as a commit would check it.',
        body: Type.Object(
          { member_id: MemberId, cart: CartSchema, coupons: Type.Optional(CouponRefs) },
          { additionalProperties: false },
        ),
        response: { 200: QuoteSchema },
      },
      config: { access: { apiKey: "read", staff: "all", member: true } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      // A member quotes only for themselves; staff only for members in their scope. The scope check and the
      // quote's reads run together; nothing is answered unless the check passes. The check reads no personal data.
      const [visible, quote] = await Promise.all([
        isMemberVisible(db, tenantId, request.body.member_id, request.principal),
        quoteCheckout(
          db,
          tenantId,
          {
            member_id: request.body.member_id,
            cart: toCart(request.body.cart),
            coupons: request.body.coupons,
          },
          now(),
        ),
      ]);
      if (!visible) throw notFound("member", request.body.member_id);
      return serializeQuote(quote);
    },
  );

  app.post(
    "/v1/checkout/commit",
    {
      schema: {
        tags: ["checkout"],
        summary: "Take the coupons and points for an order, exactly once",
        description:
          "Idempotent by `order_id`, forever: the same request again answers with the first result (`replayed: true`); a different request for the same order is a 409. " +
          "`expected_payable_minor` is what the quote said is left to pay: if the cart, coupons and points now come to anything else, nothing is taken (409 `quote-mismatch`). " +
          "With `hold: true` the coupons are reserved and the points taken until the brand's hold ends: confirm after payment, or cancel.",
        body: Type.Object(
          {
            order_id: Type.String({
              minLength: 1,
              maxLength: 128,
              description: "The shop's order id: the business key",
            }),
            member_id: MemberId,
            cart: CartSchema,
            coupons: CouponRefs,
            points: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 1_000_000_000,
                description: "Points paying for the order",
              }),
            ),
            expected_payable_minor: Type.Integer({ minimum: 0, maximum: MINOR_MAX }),
            hold: Type.Optional(
              Type.Boolean({ description: "Reserve during payment instead of redeeming at once" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: CheckoutSchema, 201: CheckoutSchema },
      },
      config: { access: cashiers },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      const body = request.body;
      // Not `command`: the status depends on the outcome (201 taken now, 200 replayed by order id). An
      // Idempotency-Key is still honoured, its response recorded when sent, as for orders.
      const result = await retryOnConflict(() =>
        db.transaction().execute(async (tx) => {
          await getMember(tx, tenantId, body.member_id, principal);
          return serializeCheckout(
            await commitCheckout(
              tx,
              tenantId,
              {
                order_id: body.order_id,
                member_id: body.member_id,
                cart: toCart(body.cart),
                coupons: body.coupons,
                points: body.points ?? 0,
                expected_payable_minor: body.expected_payable_minor,
                hold: body.hold ?? false,
              },
              principal ? actorOf(principal) : "unknown",
              now(),
            ),
          );
        }),
      );
      app.platform.events.poke();
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );

  app.get(
    "/v1/checkouts/:order_id",
    {
      schema: {
        tags: ["checkout"],
        summary: "An order's checkout",
        params: OrderIdParams,
        response: { 200: CheckoutSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const row = await getCheckout(db, tenantId, request.params.order_id);
      await getMember(db, tenantId, row.member_id, request.principal);
      return serializeCheckout(checkoutView(row, false));
    },
  );

  app.post(
    "/v1/checkouts/:order_id/confirm",
    {
      schema: {
        tags: ["checkout"],
        summary: "The member paid: redeem a held checkout's coupons",
        description:
          "Again after that answers the same. After the hold ended: 409 `reservation-expired` (quote and commit again).",
        params: OrderIdParams,
        response: { 200: CheckoutSchema },
      },
      config: { access: cashiers },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        await getMember(
          tx,
          tenantId,
          (await lockCheckout(tx, tenantId, request.params.order_id)).member_id,
          request.principal,
        );
        return serializeCheckout(await confirmCheckout(tx, tenantId, request.params.order_id, now()));
      });
    },
  );

  app.post(
    "/v1/checkouts/:order_id/cancel",
    {
      schema: {
        tags: ["checkout"],
        summary:
          "Cancel: a hold gives everything back; a committed order gives back coupons and points as the brand's policy says",
        params: OrderIdParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: CheckoutSchema },
      },
      config: { access: cashiers },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        await getMember(
          tx,
          tenantId,
          (await lockCheckout(tx, tenantId, request.params.order_id)).member_id,
          principal,
        );
        return serializeCheckout(
          await cancelCheckout(
            tx,
            tenantId,
            request.params.order_id,
            request.body?.reason,
            principal ? actorOf(principal) : "unknown",
            now(),
          ),
        );
      });
    },
  );

  app.post(
    "/v1/checkouts/:order_id/refunds",
    {
      schema: {
        tags: ["checkout"],
        summary:
          "Refund part or all of a committed order: points paid come back in proportion, coupons when all is refunded",
        description:
          "`amount_minor` is measured against the order's total before points (`total_due_minor`). The same `reference` twice is one refund.",
        params: OrderIdParams,
        body: Type.Object(
          {
            reference: Type.String({ minLength: 1, maxLength: 128 }),
            amount_minor: Type.Integer({ minimum: 1, maximum: MINOR_MAX }),
          },
          { additionalProperties: false },
        ),
        response: { 200: CheckoutSchema },
      },
      config: { access: cashiers },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      return command(request, reply, 200, async (tx) => {
        await getMember(
          tx,
          tenantId,
          (await lockCheckout(tx, tenantId, request.params.order_id)).member_id,
          principal,
        );
        return serializeCheckout(
          await refundCheckout(
            tx,
            tenantId,
            request.params.order_id,
            request.body,
            principal ? actorOf(principal) : "unknown",
            now(),
          ),
        );
      });
    },
  );
};
