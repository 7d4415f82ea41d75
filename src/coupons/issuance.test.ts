import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import {
  drainEvents,
  memberToken,
  newMember,
  templateBody,
  useCouponApi,
  useCouponRelay,
  yuan,
} from "./http.test-support.ts";

const START = new Date("2026-05-06T04:00:00Z");
/** 10,000 members imported and issued to, on a shared 2-core machine: more than the default 30 s may be needed. */
const BULK_TIMEOUT_MS = 120_000;

interface Coupon {
  coupon_id: string;
  code: string;
  template_code: string;
  status: string;
  valid_from: string;
  valid_until: string;
}

describeEachDatabase("Issuing coupons", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  const api = useCouponApi(h);
  const relay = useCouponRelay(h);
  let brand: Brand;

  const wallet = async (memberId: string, status = "usable") =>
    (
      await api()<{ items: Coupon[] }>("GET", `/v1/members/${memberId}/coupons?status=${status}`, {
        token: brand.readKey,
      })
    ).body.items;

  async function template(
    code: string,
    benefit: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const res = await api()("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: templateBody(code, benefit, extra),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { template_id: string; code: string };
  }

  it("gives every new member the brand's newcomer pack, once however often the event is delivered", async () => {
    brand = await h().newBrand();
    const a = await template(
      "NEW148-20",
      { kind: "amount_off", amount_minor: yuan(20) },
      { conditions: { min_spend_minor: yuan(148) } },
    );
    const b = await template(
      "NEW178-30",
      { kind: "amount_off", amount_minor: yuan(30) },
      { conditions: { min_spend_minor: yuan(178) } },
    );
    const c = await template(
      "NEW150-100",
      { kind: "amount_off", amount_minor: yuan(100) },
      { conditions: { min_spend_minor: yuan(150) } },
    );
    const pack = await api()("POST", "/v1/coupon-packs", {
      token: brand.ownerToken,
      body: {
        code: "NEWCOMER",
        name: "Newcomer pack",
        items: [a, b, c].map((t) => ({ template_id: t.template_id, quantity: 1 })),
      },
    });
    expect(pack.status).toBe(201);
    const settings = await api()("PATCH", "/v1/coupon-settings", {
      token: brand.ownerToken,
      body: { newcomer_pack: "NEWCOMER" },
    });
    expect(settings.status).toBe(200);
    await drainEvents(relay());

    const member = await newMember(h(), brand);
    await drainEvents(relay());
    expect((await wallet(member)).map((x) => x.template_code).sort()).toEqual([
      "NEW148-20",
      "NEW150-100",
      "NEW178-30",
    ]);

    // At-least-once delivery: the same event again issues nothing.
    await h()
      .enclave.platform.database.db.updateTable("outbox")
      .set({ relayed_at: null })
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "member.joined")
      .execute();
    await drainEvents(relay());
    expect(await wallet(member)).toHaveLength(3);
  });

  it("refuses a newcomer pack that does not exist", async () => {
    const res = await api()("PATCH", "/v1/coupon-settings", {
      token: brand.ownerToken,
      body: { newcomer_pack: "NOPE" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "validation-failed", field: "/newcomer_pack" });
  });

  it("issues the coupon a tier's upgrade gift names when a member reaches it (VIP's second item half price)", async () => {
    await template("VIP-HALF", { kind: "nth_item", nth: 2, percent: 50 });
    const tiers = await h().api<{ items: { tier_id: string; code: string }[] }>("GET", "/v1/tiers", {
      token: brand.ownerToken,
    });
    const vip = tiers.body.items.find((t) => t.code === "VIP");
    const patched = await h().api("PATCH", `/v1/tiers/${vip?.tier_id ?? ""}`, {
      token: brand.ownerToken,
      body: { benefits: { upgrade_gift: { name: "Second item half price", coupon_template: "VIP-HALF" } } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const member = await newMember(h(), brand);
    const order = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: `vip-${member}`,
        member: { member_id: member },
        currency: "CNY",
        ordered_at: clock.now().toISOString(),
        lines: [{ sku: "GIFT", quantity: 1, unit_price_minor: yuan(1000) }],
        paid_minor: yuan(1000),
      },
    });
    expect(order.status).toBe(201);
    await drainEvents(relay());
    expect((await wallet(member)).map((x) => x.template_code)).toContain("VIP-HALF");
  });

  it("makes relative validity end at the end of a brand-local day", async () => {
    await template(
      "WEEK",
      { kind: "amount_off", amount_minor: 500 },
      { validity: { kind: "relative", days: 7 } },
    );
    const member = await newMember(h(), brand);
    const res = await api()("POST", `/v1/members/${member}/coupons`, {
      token: brand.writeKey,
      body: { template_code: "WEEK" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [coupon] = await wallet(member).then((all) => all.filter((x) => x.template_code === "WEEK"));
    // Issued 2026-05-06 12:00 in Shanghai: valid through the end of 13 May there, 15:59:59.999 UTC.
    expect(coupon?.valid_until).toBe("2026-05-13T15:59:59.999Z");
    expect(coupon?.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
  });

  it("answers a retried issuance with the first one, and refuses the reference for something else", async () => {
    const member = await newMember(h(), brand);
    const body = { template_code: "WEEK", reference: "crm-42" };
    const first = await api()<{ issue_id: string; replayed: boolean }>(
      "POST",
      `/v1/members/${member}/coupons`,
      { token: brand.writeKey, body },
    );
    const again = await api()<{ issue_id: string; replayed: boolean }>(
      "POST",
      `/v1/members/${member}/coupons`,
      { token: brand.writeKey, body },
    );
    expect(again.body).toMatchObject({ issue_id: first.body.issue_id, replayed: true });
    expect(await wallet(member)).toHaveLength(1);
    const other = await api()("POST", `/v1/members/${member}/coupons`, {
      token: brand.writeKey,
      body: { template_code: "VIP-HALF", reference: "crm-42" },
    });
    expect(other.status).toBe(409);
  });

  it("keeps the per-member limit and the quantity budget, with stable problem types", async () => {
    await template("ONCE", { kind: "amount_off", amount_minor: 500 }, { per_member_limit: 1, max_issued: 2 });
    const [m1, m2, m3] = [
      await newMember(h(), brand),
      await newMember(h(), brand),
      await newMember(h(), brand),
    ];
    const issue = (m: string) =>
      api()("POST", `/v1/members/${m}/coupons`, { token: brand.writeKey, body: { template_code: "ONCE" } });
    expect((await issue(m1)).status).toBe(201);
    expect((await issue(m1)).body).toMatchObject({ status: 422, code: "limit-reached" });
    expect((await issue(m2)).status).toBe(201);
    expect((await issue(m3)).body).toMatchObject({ status: 409, code: "insufficient-stock" });
  });

  it("issues to a list of members in bulk, leaving out those at their limit, and refuses unknown members by index", async () => {
    await template("BULK", { kind: "amount_off", amount_minor: 1000 }, { per_member_limit: 1 });
    const members = [await newMember(h(), brand), await newMember(h(), brand), await newMember(h(), brand)];
    const first = members[0] ?? "";
    await api()("POST", `/v1/members/${first}/coupons`, {
      token: brand.writeKey,
      body: { template_code: "BULK" },
    });
    const res = await api()("POST", "/v1/coupon-issues", {
      token: brand.ownerToken,
      body: { template_code: "BULK", audience: { member_ids: members }, reference: "spring-sale" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      members: 3,
      issued: 2,
      skipped_count: 1,
      skipped: [{ member_id: first, reason: "limit_reached" }],
    });

    const unknown = await api()("POST", "/v1/coupon-issues", {
      token: brand.ownerToken,
      body: {
        template_code: "BULK",
        audience: { member_ids: [first, "mem_01jd7x4qz8f3s9v2k6m1n0p5r7"] },
        reference: "x",
      },
    });
    expect(unknown.body).toMatchObject({ status: 400, field: "/audience/member_ids/1" });
    const segment = await api()("POST", "/v1/coupon-issues", {
      token: brand.ownerToken,
      body: { template_code: "BULK", audience: { segment_id: "seg_1" }, reference: "y" },
    });
    expect(segment.body).toMatchObject({ status: 400, field: "/audience/segment_id" });
  });

  it("issues to the members of a saved segment as it is now", async () => {
    const other = await h().newBrand();
    await api()("POST", "/v1/coupon-templates", {
      token: other.ownerToken,
      body: templateBody("SEG", { kind: "amount_off", amount_minor: 500 }),
    });
    const members = [await newMember(h(), other), await newMember(h(), other)];
    const recompute = await api()("POST", "/v1/audience/recompute", { token: other.ownerToken });
    expect(recompute.status, JSON.stringify(recompute.body)).toBe(200);
    const everyone = await api()<{ segment_id: string; member_count: number }>(
      "POST",
      "/v1/audience/segments",
      {
        token: other.writeKey,
        body: { name: "Everyone", condition: { field: "member.status", op: "eq", value: "active" } },
      },
    );
    expect(everyone.status, JSON.stringify(everyone.body)).toBe(201);
    expect(everyone.body.member_count).toBe(2);
    const res = await api()("POST", "/v1/coupon-issues", {
      token: other.ownerToken,
      body: { template_code: "SEG", audience: { segment_id: everyone.body.segment_id }, reference: "seg-1" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ members: 2, issued: 2 });
    for (const member of members) {
      const wallet = await api()<{ items: { template_code: string }[] }>(
        "GET",
        `/v1/members/${member}/coupons`,
        {
          token: other.readKey,
        },
      );
      expect(wallet.body.items.map((c) => c.template_code)).toContain("SEG");
    }
  });

  it(
    "issues 10,000 members in one request, all or nothing against the budget",
    async () => {
      const members: string[] = [];
      const db = h().enclave.platform.database.db;
      const { importMembers } = await import("../members/service.ts");
      const created = await db.transaction().execute((tx) =>
        importMembers(
          tx,
          brand.tenantId,
          Array.from({ length: 10_000 }, (_, i) => ({
            phone: `+86137${String(i).padStart(8, "0")}`,
            name: null,
            gender: "unknown" as const,
            birthday: null,
            region: null,
            consent: {},
            channel: "import",
            store_id: null,
            guide_id: null,
            scene_key: null,
            joined_at: START,
          })),
          START,
        ),
      );
      members.push(...created.map((m) => m.member_id));
      await template("TENK", { kind: "amount_off", amount_minor: 1000 }, { max_issued: 9_999 });
      const short = await api()("POST", "/v1/coupon-issues", {
        token: brand.ownerToken,
        body: { template_code: "TENK", audience: { member_ids: members }, reference: "tenk-1" },
      });
      expect(short.body).toMatchObject({ status: 409, code: "insufficient-stock" });
      const templates = await api()<{ items: { template_id: string; code: string }[] }>(
        "GET",
        "/v1/coupon-templates",
        {
          token: brand.readKey,
        },
      );
      const tenk = templates.body.items.find((t) => t.code === "TENK");
      await api()("PATCH", `/v1/coupon-templates/${tenk?.template_id ?? ""}`, {
        token: brand.ownerToken,
        body: { max_issued: 10_000 },
      });
      const ok = await api()("POST", "/v1/coupon-issues", {
        token: brand.ownerToken,
        body: { template_code: "TENK", audience: { member_ids: members }, reference: "tenk-2" },
      });
      expect(ok.body).toMatchObject({ issued: 10_000, skipped_count: 0 });
      const stats = await api()("GET", `/v1/coupon-templates/${tenk?.template_id ?? ""}`, {
        token: brand.readKey,
      });
      expect(stats.body).toMatchObject({ stats: { issued: 10_000, available: 10_000 } });
    },
    BULK_TIMEOUT_MS,
  );

  it("lets a member claim a claimable coupon, and hides the others", async () => {
    await template(
      "ARTICLE-10",
      { kind: "amount_off", amount_minor: 1000 },
      { claimable: true, per_member_limit: 1 },
    );
    const member = await newMember(h(), brand);
    const token = await memberToken(h(), brand, member);
    const claim = await api()("POST", "/v1/me/coupons/claim", {
      token,
      body: { template_code: "ARTICLE-10" },
    });
    expect(claim.status, JSON.stringify(claim.body)).toBe(201);
    const mine = await api()<{ items: Coupon[] }>("GET", "/v1/me/coupons", { token });
    expect(mine.body.items.map((c) => c.template_code)).toEqual(["ARTICLE-10"]);
    const hidden = await api()("POST", "/v1/me/coupons/claim", { token, body: { template_code: "WEEK" } });
    expect(hidden.body).toMatchObject({ status: 400, field: "/template_code" });
  });

  it("lets store staff issue only staff-issuable templates, to their own members", async () => {
    const member = await newMember(h(), brand);
    const store = await h().api<{ org_unit_id: string }>("POST", "/v1/org-units", {
      token: brand.ownerToken,
      body: { parent_id: brand.hqId, kind: "store", code: `S${Date.now() % 100000}`, name: "Store" },
    });
    expect(store.status, JSON.stringify(store.body)).toBe(201);
    const email = `guide-${Date.now()}@x.test`;
    const staff = await h().api("POST", "/v1/staff", {
      token: brand.ownerToken,
      body: {
        email,
        name: "Guide",
        role: "guide",
        org_unit_id: store.body.org_unit_id,
        password: "correct horse battery",
      },
    });
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
    const login = await h().api<{ token: string }>("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email, password: "correct horse battery" },
    });
    const guide = login.body.token;
    const own = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: guide,
      body: { phone: "13912345678", channel: "store" },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    await template("GUIDE-5", { kind: "amount_off", amount_minor: 500 }, { staff_issuable: true });

    const issue = (m: string, code: string) =>
      api()("POST", `/v1/members/${m}/coupons`, { token: guide, body: { template_code: code } });
    expect((await issue(own.body.member_id, "GUIDE-5")).status).toBe(201);
    expect((await issue(own.body.member_id, "WEEK")).body).toMatchObject({ status: 403, code: "forbidden" });
    // Another guide's member reads as absent.
    expect((await issue(member, "GUIDE-5")).status).toBe(404);
  });
});
