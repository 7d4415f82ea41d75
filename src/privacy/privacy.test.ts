import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { buildOrg, drain, newPhone, type Org, staffMember } from "../org/org.test-support.ts";

interface Member {
  member_id: string;
  phone: string;
  card_no: string;
  status: string;
  name: string | null;
}
interface AuditPage {
  items: {
    action: string;
    actor: string;
    role: string | null;
    member_id: string | null;
    route: string | null;
    status: number | null;
    request_id: string | null;
  }[];
  next_cursor: string | null;
}

describeEachDatabase("Personal data: export, erasure and the audit log", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let org: Org;
  let guide: { id: string; token: string };
  let member: Member;
  let memberToken: string;
  const email = "li.lei@example.test";
  const identity = { kind: "wechat_unionid", value: "oU-li-lei-0001" };

  const auditOf = async (query: string) => {
    // Entries are written after the response is sent: wait for the ones a test expects.
    return (await h().api<AuditPage>("GET", `/v1/audit-log?${query}`, { token: brand.ownerToken })).body;
  };

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    guide = await staffMember(h(), brand, "guide", org.s1, "Guide");
    const joined = await h().api<Member>("POST", "/v1/members", {
      token: guide.token,
      body: {
        phone: newPhone(),
        email,
        name: "Li Lei",
        birthday: "1990-05-04",
        region: "Shanghai",
        channel: "store",
        store_id: org.s1,
        identities: [identity],
        attributes: { shoe_size: 42 },
      },
    });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    member = joined.body;
    const order = await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: "privacy-1",
        member: { phone: member.phone },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 2, unit_price_minor: 2_500 }],
        paid_minor: 5_000,
      },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const adjust = await h().api("POST", `/v1/members/${member.member_id}/points/adjustments`, {
      token: brand.ownerToken,
      body: { amount: 100, reason: "welcome gift" },
    });
    expect(adjust.status, JSON.stringify(adjust.body)).toBe(201);
    const session = await h().api<{ token: string }>("POST", `/v1/members/${member.member_id}/sessions`, {
      token: brand.writeKey,
    });
    memberToken = session.body.token;
    await drain(h());
  });

  it("exports everything held about a member to HQ, and to no one else", async () => {
    const res = await h().api<{
      member: { phone: string; email: string };
      identities: unknown[];
      sections: Record<string, unknown>;
      timeline: { type: string }[];
    }>("GET", `/v1/members/${member.member_id}/data-export`, { token: brand.ownerToken });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers["content-disposition"]).toContain(`member-${member.member_id}.json`);
    expect(res.body.member).toMatchObject({
      phone: member.phone,
      email,
      name: "Li Lei",
      birthday: "1990-05-04",
    });
    expect(res.body.identities).toEqual([identity]);
    expect(Object.keys(res.body.sections)).toEqual(
      expect.arrayContaining([
        "orders",
        "points",
        "tier",
        "coupons",
        "mall_redemptions",
        "audience",
        "assignments",
      ]),
    );
    expect(res.body.sections.orders).toEqual([
      expect.objectContaining({ external_id: "privacy-1", paid_minor: 5_000 }),
    ]);
    expect(res.body.sections.points).toMatchObject({
      history: expect.arrayContaining([expect.objectContaining({ reason: "welcome gift", amount: 100 })]),
    });
    expect(res.body.timeline.map((e) => e.type)).toContain("member.joined");

    for (const token of [guide.token, brand.readKey, memberToken]) {
      const refused = await h().api("GET", `/v1/members/${member.member_id}/data-export`, { token });
      expect(refused.status).toBe(403);
    }
    const absent = await h().api("GET", "/v1/members/mem_01jdzzzzzzzzzzzzzzzzzzzzzz/data-export", {
      token: brand.ownerToken,
    });
    expect(absent.status).toBe(404);
  });

  it("records who read or changed a member's data, with the outcome, for HQ to review", async () => {
    const other = await staffMember(h(), brand, "guide", org.s2, "Other guide");
    const read = await h().api("GET", `/v1/members/${member.member_id}`, {
      token: guide.token,
      headers: { "x-request-id": "audit-read-1" },
    });
    expect(read.status).toBe(200);
    const outside = await h().api("GET", `/v1/members/${member.member_id}`, { token: other.token });
    expect(outside.status).toBe(404);
    const lookup = await h().api("GET", `/v1/members/lookup?phone=${member.phone}`, { token: brand.readKey });
    expect(lookup.status).toBe(200);
    await h().api("GET", "/v1/tiers", { token: guide.token });

    await expect
      .poll(async () => (await auditOf(`member_id=${member.member_id}`)).items.length)
      .toBeGreaterThanOrEqual(5);
    const forMember = await auditOf(`member_id=${member.member_id}`);
    expect(forMember.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "member_data.read",
          actor: guide.id,
          role: "guide",
          route: "/v1/members/:member_id",
          status: 200,
          request_id: "audit-read-1",
        }),
        expect.objectContaining({ actor: other.id, status: 404 }),
        // A lookup by phone names its member from the answer; the phone itself is never logged.
        expect.objectContaining({ route: "/v1/members/lookup", role: "api_key:read", status: 200 }),
        expect.objectContaining({ action: "member_data.export", status: 200 }),
        expect.objectContaining({ action: "member_data.export", status: 403, role: "guide" }),
        // Actions recorded by capabilities themselves sit in the same log.
        expect.objectContaining({ action: "points.adjust" }),
      ]),
    );
    expect(JSON.stringify(forMember)).not.toContain(member.phone);

    const byOther = await auditOf(`staff_id=${other.id}`);
    expect(byOther.items.map((e) => e.status)).toEqual([404]);
    const byGuide = await auditOf(`staff_id=${guide.id}`);
    expect(byGuide.items.every((e) => e.member_id !== null || e.route === "/v1/members")).toBe(true);
    expect(byGuide.items.map((e) => e.route)).not.toContain("/v1/tiers");

    const future = await auditOf(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.items).toEqual([]);
    const first = await auditOf(`member_id=${member.member_id}&limit=2`);
    expect(first.items).toHaveLength(2);
    const second = await auditOf(`member_id=${member.member_id}&limit=2&cursor=${first.next_cursor ?? ""}`);
    expect(second.items[0]).not.toEqual(first.items[0]);
    expect([...first.items, ...second.items]).toEqual(forMember.items.slice(0, 4));

    expect((await h().api("GET", "/v1/audit-log", { token: guide.token })).status).toBe(403);
  });

  it("erases a member's personal data and keeps the ledger, orders and counts whole", async () => {
    const before = await h().api<{ available: number; pending: number }>(
      "GET",
      `/v1/members/${member.member_id}/points`,
      { token: brand.ownerToken },
    );
    const noReason = await h().api("POST", `/v1/members/${member.member_id}/erasure`, {
      token: brand.ownerToken,
      body: {},
    });
    expect(noReason.status).toBe(400);
    const hq = await staffMember(h(), brand, "hq_operator", brand.hqId, "HQ operator");
    for (const token of [guide.token, hq.token, brand.writeKey]) {
      const refused = await h().api("POST", `/v1/members/${member.member_id}/erasure`, {
        token,
        body: { reason: "member asked" },
      });
      expect(refused.status).toBe(403);
    }

    const erased = await h().api<{ status: string; already_erased: boolean; erased_at: string }>(
      "POST",
      `/v1/members/${member.member_id}/erasure`,
      { token: brand.ownerToken, body: { reason: "Member request by email, ticket 4411" } },
    );
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body).toMatchObject({ status: "erased", already_erased: false });
    const again = await h().api<{ already_erased: boolean; erased_at: string }>(
      "POST",
      `/v1/members/${member.member_id}/erasure`,
      { token: brand.ownerToken, body: { reason: "asked twice" } },
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ already_erased: true, erased_at: erased.body.erased_at });

    const record = await h().api<Member & Record<string, unknown>>("GET", `/v1/members/${member.member_id}`, {
      token: brand.ownerToken,
    });
    expect(record.body).toMatchObject({
      status: "erased",
      phone: null,
      email: null,
      name: null,
      birthday: null,
      region: null,
      attributes: {},
      identities: [],
    });
    for (const query of [
      `phone=${encodeURIComponent(member.phone)}`,
      `card_no=${member.card_no}`,
      `identity_kind=${identity.kind}&identity_value=${identity.value}`,
    ]) {
      const found = await h().api("GET", `/v1/members/lookup?${query}`, { token: brand.readKey });
      expect(found.status, query).toBe(404);
    }
    const search = await h().api<{ items: unknown[] }>("GET", `/v1/members?q=${member.phone.slice(-8)}`, {
      token: brand.ownerToken,
    });
    expect(search.body.items).toEqual([]);

    // The ledger is untouched and balanced; the points and the order stay.
    const check = await h().api<{ ok: boolean; problems: string[] }>("GET", "/v1/points/check", {
      token: brand.ownerToken,
    });
    expect(check.body).toMatchObject({ ok: true, problems: [] });
    const after = await h().api("GET", `/v1/members/${member.member_id}/points`, { token: brand.ownerToken });
    expect(after.body).toEqual(before.body);
    const orders = await h().api<{ items: { paid_minor: number }[] }>(
      "GET",
      `/v1/orders?member_id=${member.member_id}`,
      { token: brand.ownerToken },
    );
    expect(orders.body.items.map((o) => o.paid_minor)).toEqual([5_000]);
    const db = h().enclave.platform.database.db;
    const phones = await db
      .selectFrom("orders")
      .select("customer_phone")
      .where("tenant_id", "=", brand.tenantId)
      .where("customer_phone", "=", member.phone)
      .execute();
    expect(phones).toEqual([]);

    // The export now holds nothing personal, and the timeline says what happened.
    const exported = await h().api<{ timeline: { type: string }[] }>(
      "GET",
      `/v1/members/${member.member_id}/data-export`,
      { token: brand.ownerToken },
    );
    for (const personal of [
      member.phone,
      member.phone.slice(3),
      member.card_no,
      email,
      "Li Lei",
      identity.value,
      "1990-05-04",
    ])
      expect(exported.text, personal).not.toContain(personal);
    expect(exported.body.timeline.map((e) => e.type)).toContain("member.erased");
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox
      WHERE tenant_id = ${brand.tenantId} AND (payload::text LIKE ${`%${member.card_no}%`} OR payload::text LIKE ${`%${member.phone.slice(3)}%`})`.execute(
      db,
    );
    expect(stored.rows[0]?.n).toBe(0);

    // The member's session ends; the phone is free for a new card.
    expect((await h().api("GET", "/v1/me", { token: memberToken })).status).toBe(401);
    const rejoin = await h().api<Member>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: member.phone, channel: "api" },
    });
    expect(rejoin.status).toBe(201);
    expect(rejoin.body.member_id).not.toBe(member.member_id);

    await expect
      .poll(async () => (await auditOf(`member_id=${member.member_id}`)).items.map((e) => e.action))
      .toContain("member_data.erase");
  });

  it("erases the records merged into a member with it", async () => {
    const survivor = await h().api<Member>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: newPhone(), channel: "api", name: "Han Meimei" },
    });
    const absorbed = await h().api<Member>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: newPhone(), channel: "api", identities: [{ kind: "pos", value: "HM-OLD-CARD" }] },
    });
    const merged = await h().api("POST", `/v1/members/${survivor.body.member_id}/merge`, {
      token: brand.ownerToken,
      body: { member_id: absorbed.body.member_id },
    });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const erased = await h().api<{ merged_member_ids: string[] }>(
      "POST",
      `/v1/members/${survivor.body.member_id}/erasure`,
      { token: brand.ownerToken, body: { reason: "member request" } },
    );
    expect(erased.body.merged_member_ids).toEqual([absorbed.body.member_id]);
    const old = await h().api("GET", `/v1/members/${absorbed.body.member_id}`, { token: brand.ownerToken });
    expect(old.body).toMatchObject({ status: "erased", phone: null });
    for (const query of [
      `phone=${encodeURIComponent(absorbed.body.phone)}`,
      "identity_kind=pos&identity_value=HM-OLD-CARD",
    ]) {
      expect((await h().api("GET", `/v1/members/lookup?${query}`, { token: brand.readKey })).status).toBe(
        404,
      );
    }
  });

  it("erases once when two erasures of a member race", async () => {
    const target = await h().api<Member>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: newPhone(), channel: "api" },
    });
    const erase = (reason: string) =>
      h().api<{ already_erased: boolean; reason: string }>(
        "POST",
        `/v1/members/${target.body.member_id}/erasure`,
        { token: brand.ownerToken, body: { reason } },
      );
    const results = await Promise.all([erase("first request"), erase("second request")]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.body.already_erased).sort()).toEqual([false, true]);
    expect(new Set(results.map((r) => r.body.reason)).size).toBe(1);
    const timeline = await h().api<{ items: { type: string }[] }>(
      "GET",
      `/v1/members/${target.body.member_id}/timeline`,
      { token: brand.ownerToken },
    );
    expect(timeline.body.items.filter((e) => e.type === "member.erased")).toHaveLength(1);
  });

  it("answers the request even when the audit log cannot be written", async () => {
    const db = h().enclave.platform.database.db;
    await sql`ALTER TABLE audit_log RENAME TO audit_log_away`.execute(db);
    try {
      const res = await h().api("GET", `/v1/members/${member.member_id}`, {
        token: brand.ownerToken,
        headers: { "x-request-id": "audit-down-1" },
      });
      expect(res.status).toBe(200);
      // Give the after-response write its turn to fail before the table comes back.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await sql`ALTER TABLE audit_log_away RENAME TO audit_log`.execute(db);
    }
    const entries = await auditOf(`member_id=${member.member_id}&limit=500`);
    expect(entries.items.map((e) => e.request_id)).not.toContain("audit-down-1");
  });
});
