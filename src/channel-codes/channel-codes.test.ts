import { DateTime } from "luxon";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { buildOrg, drain, newPhone, type Org, staffMember } from "../org/org.test-support.ts";

interface Code {
  code_id: string;
  scene_key: string;
  guide_id: string | null;
  store_id: string | null;
  join_url: string;
  stats: { scans: number; joins: number; first_orders: number };
}

let orders = 0;

describeEachDatabase("Channel codes", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let org: Org;
  let guide: { id: string; token: string };
  let tagId: string;
  let guideCode: Code;

  const code = async (id: string) =>
    (await h().api<Code>("GET", `/v1/channel-codes/${id}`, { token: brand.ownerToken })).body;
  const order = async (memberId: string) => {
    const res = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: `cc-${process.pid}-${++orders}`,
        member: { member_id: memberId },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 3_000 }],
        paid_minor: 3_000,
      },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  };
  const couponsOf = async (memberId: string) =>
    (
      await h().api<{ items: { template_code: string }[] }>("GET", `/v1/members/${memberId}/coupons`, {
        token: brand.readKey,
      })
    ).body.items;

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    guide = await staffMember(h(), brand, "guide", org.s1, "Lily");
    const group = await h().api<{ group_id: string }>("POST", "/v1/audience/tag-groups", {
      token: brand.writeKey,
      body: { name: "Scenes", dimension: "custom" },
    });
    const tag = await h().api<{ tag_id: string }>("POST", "/v1/audience/tags", {
      token: brand.writeKey,
      body: { group_id: group.body.group_id, name: "Mall poster", kind: "manual" },
    });
    expect(tag.status, JSON.stringify(tag.body)).toBe(201);
    tagId = tag.body.tag_id;
    const template = await h().api("POST", "/v1/coupon-templates", {
      token: brand.writeKey,
      body: {
        code: "WELCOME-10",
        name: "Welcome",
        benefit: { kind: "amount_off", amount_minor: 1_000 },
        validity: { kind: "relative", days: 30 },
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
  });

  it("lets a guide make a code for themselves only, placed in their store", async () => {
    const other = await staffMember(h(), brand, "guide", org.s2, "Other");
    const refused = await h().api("POST", "/v1/channel-codes", {
      token: guide.token,
      body: { name: "Not mine", kind: "guide", guide_id: other.id },
    });
    expect(refused.body).toMatchObject({ status: 400, field: "/guide_id" });
    const made = await h().api<Code>("POST", "/v1/channel-codes", {
      token: guide.token,
      body: { name: "Lily's card", kind: "guide", tag_ids: [tagId], welcome_coupon: "WELCOME-10" },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ guide_id: guide.id, store_id: org.s1, stats: { scans: 0, joins: 0 } });
    expect(made.body.join_url).toContain(`scene=${made.body.scene_key}`);
    guideCode = made.body;
    const unknownCoupon = await h().api("POST", "/v1/channel-codes", {
      token: brand.ownerToken,
      body: { name: "x", kind: "store", store_id: org.s1, welcome_coupon: "NOPE" },
    });
    expect(unknownCoupon.body).toMatchObject({ status: 400, field: "/welcome_coupon" });
    const hidden = await h().api("GET", `/v1/channel-codes/${guideCode.code_id}`, { token: other.token });
    expect(hidden.status).toBe(404);
  });

  it("draws the code as a PNG or SVG for print", async () => {
    const png = await h().api("GET", `/v1/channel-codes/${guideCode.code_id}/qr?size=256`, {
      token: guide.token,
    });
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.text.slice(1, 4)).toBe("PNG");
    const svg = await h().api("GET", `/v1/channel-codes/${guideCode.code_id}/qr?format=svg`, {
      token: guide.token,
    });
    expect(String(svg.headers["content-type"])).toContain("image/svg+xml");
    expect(svg.text).toContain("<svg");
  });

  it("counts scans from the public join page; an unknown scene is absent", async () => {
    for (let i = 0; i < 2; i++) {
      const scan = await h().api("POST", "/v1/channel-codes/scans", {
        body: { tenant: brand.slug, scene_key: guideCode.scene_key },
      });
      expect(scan.status, JSON.stringify(scan.body)).toBe(200);
      expect(scan.body).toMatchObject({ name: "Lily's card", welcome_coupon: true });
    }
    const unknown = await h().api("POST", "/v1/channel-codes/scans", {
      body: { tenant: brand.slug, scene_key: "no-such-scene" },
    });
    expect(unknown.status).toBe(404);
    expect((await code(guideCode.code_id)).stats.scans).toBe(2);
  });

  it("tags, places and welcomes a member who joins by the code, exactly once however often the event comes", async () => {
    const joined = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: newPhone(), channel: "store_qr", scene_key: guideCode.scene_key },
    });
    expect(joined.status).toBe(201);
    const memberId = joined.body.member_id;
    await drain(h());
    const member = await h().api("GET", `/v1/members/${memberId}`, { token: guide.token });
    expect(member.status).toBe(200);
    expect(member.body).toMatchObject({ guide_id: guide.id, home_store_id: org.s1 });
    const tags = await h().api<{ items: { tag_id: string }[] }>("GET", `/v1/members/${memberId}/tags`, {
      token: brand.readKey,
    });
    expect(tags.body.items.map((t) => t.tag_id)).toEqual([tagId]);
    expect((await couponsOf(memberId)).map((c) => c.template_code)).toEqual(["WELCOME-10"]);

    // The relay delivers at least once: hand the same join over again.
    const db = h().enclave.platform.database.db;
    await db
      .updateTable("outbox")
      .set({ relayed_at: null })
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "member.joined")
      .where("subject_id", "=", memberId)
      .execute();
    await drain(h());
    expect(await couponsOf(memberId)).toHaveLength(1);
    expect((await code(guideCode.code_id)).stats).toEqual({ scans: 2, joins: 1, first_orders: 0 });

    await order(memberId);
    await drain(h());
    await order(memberId);
    await drain(h());
    expect((await code(guideCode.code_id)).stats).toEqual({ scans: 2, joins: 1, first_orders: 1 });
    const today = DateTime.now().setZone("Asia/Shanghai").toISODate() ?? "";
    const days = await h().api<{ items: unknown[] }>(
      "GET",
      `/v1/channel-codes/${guideCode.code_id}/days?from=${today}&to=${today}`,
      { token: brand.ownerToken },
    );
    expect(days.body.items).toEqual([{ day: today, scans: 2, joins: 1, first_orders: 1 }]);

    const results = await h().api<{ items: { staff_id: string; recruits: number; orders: number }[] }>(
      "GET",
      `/v1/guide-results?org_unit_id=${org.s1}`,
      { token: brand.ownerToken },
    );
    expect(results.body.items.find((r) => r.staff_id === guide.id)).toMatchObject({ recruits: 1, orders: 2 });
  });

  it("keeps a join that named its own guide with that guide, and counts it for the code", async () => {
    const colleague = await staffMember(h(), brand, "guide", org.s1, "Rose");
    const joined = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: colleague.token,
      body: { phone: newPhone(), channel: "store_qr", scene_key: guideCode.scene_key, store_id: org.s1 },
    });
    await drain(h());
    const member = await h().api("GET", `/v1/members/${joined.body.member_id}`, { token: brand.readKey });
    expect(member.body).toMatchObject({ guide_id: colleague.id });
    expect((await code(guideCode.code_id)).stats.joins).toBe(2);
  });

  it("passes a leaving guide's codes to the guide who takes over their members", async () => {
    const successor = await staffMember(h(), brand, "guide", org.s1, "Successor");
    const handover = await h().api("POST", `/v1/guides/${guide.id}/handover`, {
      token: brand.ownerToken,
      body: { to_guide_id: successor.id },
    });
    expect(handover.status).toBe(201);
    await drain(h());
    expect((await code(guideCode.code_id)).guide_id).toBe(successor.id);
  });

  it("shows a campaign code made by an integrator to HQ and keeps it from store staff", async () => {
    const made = await h().api<Code>("POST", "/v1/channel-codes", {
      token: brand.writeKey,
      body: { name: "Double eleven poster", kind: "campaign", campaign: "1111" },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const hq = await h().api<{ items: Code[] }>("GET", "/v1/channel-codes?kind=campaign", {
      token: brand.ownerToken,
    });
    expect(hq.body.items.map((c) => c.code_id)).toEqual([made.body.code_id]);
    const store = await h().api<{ items: Code[] }>("GET", "/v1/channel-codes?kind=campaign", {
      token: guide.token,
    });
    expect(store.body.items).toEqual([]);
  });

  it("lets a guide see the store's codes but change only their own", async () => {
    const storeCode = await h().api<Code>("POST", "/v1/channel-codes", {
      token: brand.ownerToken,
      body: { name: "Till sticker", kind: "store", store_id: org.s1 },
    });
    expect(storeCode.status).toBe(201);
    expect(
      (await h().api("GET", `/v1/channel-codes/${storeCode.body.code_id}`, { token: guide.token })).status,
    ).toBe(200);
    const edit = await h().api("PATCH", `/v1/channel-codes/${storeCode.body.code_id}`, {
      token: guide.token,
      body: { name: "Mine" },
    });
    expect(edit.status).toBe(403);
  });

  it("switches a code off: scans of it are then absent", async () => {
    const off = await h().api<Code>("PATCH", `/v1/channel-codes/${guideCode.code_id}`, {
      token: brand.ownerToken,
      body: { active: false },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const scan = await h().api("POST", "/v1/channel-codes/scans", {
      body: { tenant: brand.slug, scene_key: guideCode.scene_key },
    });
    expect(scan.status).toBe(404);
  });
});
