import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMember } from "../members/service.ts";
import { actorOf, HQ_ROLES, type Principal, tenantOf } from "../platform/auth/principal.ts";
import { retryOnConflict } from "../platform/db/retry.ts";
import { command } from "../platform/http/command.ts";
import { decodeCursor, PAGE_LIMIT_DEFAULT, PageOf, PageQuery } from "../platform/http/pagination.ts";
import { invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { resolveAudience } from "./audience.ts";
import { revokeCoupon } from "./revoke.ts";
import { issueCoupons, MAX_BULK_MEMBERS } from "./issuance.ts";
import { CodeSchema } from "./schemas.ts";
import { findPack, findTemplate } from "./templates.ts";
import { CouponSchema, IssueResultSchema, serializeCoupon, serializeIssue } from "./views.ts";
import { getCoupon, listMemberCoupons, walletCounts, type WalletFilter } from "./wallet.ts";

/** Issuing coupons (API, staff, bulk, a member's claim) and reading them (a member's wallet, a scanned code). */

const Reference = Type.String({
  minLength: 1,
  maxLength: 128,
  description: "Your id for this issuance: the same reference again issues nothing",
});
const MemberIdParams = Type.Object({ member_id: Type.String({ minLength: 1, maxLength: 64 }) });
const WalletQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(
      Type.Union(
        [Type.Literal("usable"), Type.Literal("used"), Type.Literal("expired"), Type.Literal("all")],
        { description: "Default: usable" },
      ),
    ),
  },
  { additionalProperties: false },
);

function memberOf(principal: Principal | undefined): string {
  if (principal?.kind !== "member") throw new Problem("forbidden");
  return principal.memberId;
}

const isHq = (principal: Principal | undefined) =>
  principal?.kind !== "staff" || HQ_ROLES.includes(principal.role);

export const issuanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.platform.database;
  const now = () => app.platform.clock.now();

  app.post(
    "/v1/members/:member_id/coupons",
    {
      schema: {
        tags: ["coupons"],
        summary: "Issue a coupon template or a pack to a member",
        description:
          "Give exactly one of `template_code` and `pack_code`. Store managers and guides may issue templates marked `staff_issuable`, to members in their scope; packs are issued by HQ and integrators. " +
          "A template over its budget is a 409 `insufficient-stock`; a member at the per-member limit a 422 `limit-reached`.",
        params: MemberIdParams,
        body: Type.Object(
          {
            template_code: Type.Optional(CodeSchema),
            pack_code: Type.Optional(CodeSchema),
            reference: Type.Optional(Reference),
          },
          { additionalProperties: false },
        ),
        response: { 201: IssueResultSchema },
      },
      config: { access: { apiKey: "write", staff: "all" } },
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      const { template_code, pack_code, reference } = request.body;
      if ((template_code === undefined) === (pack_code === undefined))
        throw invalidField("/template_code", "give exactly one of template_code and pack_code");
      return retryOnConflict(() =>
        command(request, reply, 201, async (tx) => {
          const member = await getMember(tx, tenantId, request.params.member_id, principal);
          let what: { template_id: string } | { pack_id: string };
          if (template_code !== undefined) {
            const template = await findTemplate(tx, tenantId, { code: template_code });
            if (!template) throw invalidField("/template_code", `no coupon template ${template_code}`);
            if (!isHq(principal) && !template.staff_issuable)
              throw new Problem("forbidden", `store staff may not issue ${template_code}`);
            what = { template_id: template.template_id };
          } else {
            const pack = await findPack(tx, tenantId, { code: pack_code ?? "" });
            if (!pack || !pack.active)
              throw invalidField("/pack_code", `no coupon pack ${pack_code ?? ""} being given out`);
            if (!isHq(principal)) throw new Problem("forbidden", "store staff may not issue packs");
            what = { pack_id: pack.pack_id };
          }
          const result = await issueCoupons(
            tx,
            tenantId,
            {
              key: `member:${member.member_id}:${reference ?? newId("couponIssue")}`,
              source: principal?.kind === "staff" ? "staff" : "api",
              actor: principal ? actorOf(principal) : "unknown",
              what,
              member_ids: [member.member_id],
              on_limit: "fail",
              on_budget: "fail",
            },
            now(),
          );
          return serializeIssue(result);
        }),
      );
    },
  );

  app.post(
    "/v1/coupon-issues",
    {
      schema: {
        tags: ["coupons"],
        summary: `Issue a template or a pack to up to ${MAX_BULK_MEMBERS} members at once`,
        description:
          "All or nothing against the budget: if the template cannot cover every member, nothing is issued (409 `insufficient-stock`). " +
          "Members at the per-member limit are left out and counted in `skipped`. Unknown members are a 400 naming each. `segment_id` issues to the segment's members as they are now (up to the same limit).",
        body: Type.Object(
          {
            template_code: Type.Optional(CodeSchema),
            pack_code: Type.Optional(CodeSchema),
            audience: Type.Union([
              Type.Object(
                {
                  member_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
                    minItems: 1,
                    maxItems: MAX_BULK_MEMBERS,
                  }),
                },
                { additionalProperties: false },
              ),
              Type.Object(
                { segment_id: Type.String({ minLength: 1, maxLength: 64 }) },
                { additionalProperties: false },
              ),
            ]),
            reference: Reference,
          },
          { additionalProperties: false },
        ),
        response: { 201: IssueResultSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
      bodyLimit: 2 * 1024 * 1024,
    },
    async (request, reply) => {
      const principal = request.principal;
      const tenantId = tenantOf(request);
      const { template_code, pack_code, audience, reference } = request.body;
      if ((template_code === undefined) === (pack_code === undefined))
        throw invalidField("/template_code", "give exactly one of template_code and pack_code");
      return retryOnConflict(() =>
        command(request, reply, 201, async (tx) => {
          const template =
            template_code !== undefined
              ? await findTemplate(tx, tenantId, { code: template_code })
              : undefined;
          const pack =
            pack_code !== undefined ? await findPack(tx, tenantId, { code: pack_code }) : undefined;
          if (template_code !== undefined && !template)
            throw invalidField("/template_code", `no coupon template ${template_code}`);
          if (pack_code !== undefined && (!pack || !pack.active))
            throw invalidField("/pack_code", `no coupon pack ${pack_code} being given out`);
          const memberIds = await resolveAudience(tx, tenantId, audience, MAX_BULK_MEMBERS);
          const result = await issueCoupons(
            tx,
            tenantId,
            {
              key: `bulk:${reference}`,
              source: "bulk",
              actor: principal ? actorOf(principal) : "unknown",
              what: template ? { template_id: template.template_id } : { pack_id: pack?.pack_id ?? "" },
              member_ids: memberIds,
              on_limit: "skip",
              on_budget: "fail",
            },
            now(),
          );
          return serializeIssue(result);
        }),
      );
    },
  );

  app.get(
    "/v1/members/:member_id/coupons",
    {
      schema: {
        tags: ["coupons"],
        summary: "A member's coupons, newest first",
        params: MemberIdParams,
        querystring: WalletQuery,
        response: { 200: PageOf(CouponSchema) },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getMember(db, tenantId, request.params.member_id, request.principal);
      return walletPage(tenantId, request.params.member_id, request.query);
    },
  );

  app.get(
    "/v1/coupons/:coupon",
    {
      schema: {
        tags: ["coupons"],
        summary: "A coupon by id or by its printed code (a scanned QR code or barcode)",
        params: Type.Object({ coupon: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: CouponSchema },
      },
      config: { access: { apiKey: "read", staff: "all" } },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const coupon = await getCoupon(db, tenantId, request.params.coupon);
      // Staff see only coupons of members in their scope; out of scope reads as absent.
      await getMember(db, tenantId, coupon.member_id, request.principal).catch(() => {
        throw notFound("coupon", request.params.coupon);
      });
      return serializeCoupon(coupon, now());
    },
  );

  app.post(
    "/v1/coupons/:coupon/revoke",
    {
      schema: {
        tags: ["coupons"],
        summary: "Withdraw an unused coupon, with a reason (audited)",
        description:
          "Only an available coupon can be revoked; one held by a checkout or redeemed answers 409 coupon-already-used (cancel or refund the checkout first). Revoking again changes nothing. The template's budget and the member's limit still count it. A checkout naming a revoked coupon answers 422 coupon-revoked.",
        params: Type.Object({ coupon: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          { reason: Type.String({ minLength: 3, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: CouponSchema },
      },
      config: { access: { apiKey: "write", staff: HQ_ROLES } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const principal = request.principal;
      return command(request, reply, 200, async (tx) => {
        const { coupon_id } = await revokeCoupon(
          tx,
          tenantId,
          request.params.coupon,
          { reason: request.body.reason, actor: principal ? actorOf(principal) : "unknown" },
          now(),
        );
        return serializeCoupon(await getCoupon(tx, tenantId, coupon_id), now());
      });
    },
  );

  // ——— member center ———

  app.get(
    "/v1/me/coupons",
    {
      schema: {
        tags: ["member center"],
        summary: "My coupons",
        querystring: WalletQuery,
        response: { 200: PageOf(CouponSchema) },
      },
      config: { access: { member: true } },
    },
    async (request) => walletPage(tenantOf(request), memberOf(request.principal), request.query),
  );

  app.get(
    "/v1/me/coupons/summary",
    {
      schema: {
        tags: ["member center"],
        summary: "How many coupons I can use, and how many end within 7 days",
        response: { 200: Type.Object({ usable: Type.Integer(), expiring_within_7_days: Type.Integer() }) },
      },
      config: { access: { member: true } },
    },
    async (request) => walletCounts(db, tenantOf(request), memberOf(request.principal), now()),
  );

  app.post(
    "/v1/me/coupons/claim",
    {
      schema: {
        tags: ["member center"],
        summary: "Claim a coupon a brand offers (an article's 10–50 yuan coupon)",
        description:
          "Only templates marked `claimable`. The budget and the per-member limit decide: of many members claiming at once, exactly as many as the budget allows get one.",
        body: Type.Object(
          { template_code: CodeSchema, reference: Type.Optional(Reference) },
          { additionalProperties: false },
        ),
        response: { 201: IssueResultSchema },
      },
      config: { access: { member: true } },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const memberId = memberOf(request.principal);
      return retryOnConflict(() =>
        command(request, reply, 201, async (tx) => {
          const template = await findTemplate(tx, tenantId, { code: request.body.template_code });
          // A template that is not offered for claiming reads as absent: its code reveals nothing.
          if (!template || !template.claimable)
            throw invalidField("/template_code", `no coupon ${request.body.template_code} to claim`);
          const result = await issueCoupons(
            tx,
            tenantId,
            {
              key: `claim:${memberId}:${request.body.reference ?? newId("couponIssue")}`,
              source: "claim",
              actor: memberId,
              what: { template_id: template.template_id },
              member_ids: [memberId],
              on_limit: "fail",
              on_budget: "fail",
            },
            now(),
          );
          return serializeIssue(result);
        }),
      );
    },
  );

  async function walletPage(
    tenantId: string,
    memberId: string,
    query: { limit?: number | undefined; cursor?: string | undefined; status?: WalletFilter | undefined },
  ) {
    const at = now();
    const page = await listMemberCoupons(
      db,
      tenantId,
      memberId,
      query.status ?? "usable",
      { limit: query.limit ?? PAGE_LIMIT_DEFAULT, after: decodeCursor(query.cursor) },
      at,
    );
    return { items: page.items.map((c) => serializeCoupon(c, at)), next_cursor: page.next_cursor };
  }
};
