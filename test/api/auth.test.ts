import { expect, it } from "vitest";
import { fixedClock } from "../../src/platform/clock.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, useEnclave } from "../support/harness.ts";

const clock = fixedClock(new Date("2026-06-01T08:00:00Z"));

describeEachDatabase("Authentication and access", (db) => {
  const h = useEnclave(db, { clock });

  async function staffToken(brand: Brand, role: string, orgUnitId: string, email: string): Promise<string> {
    const created = await h().api("POST", "/v1/staff", {
      token: brand.ownerToken,
      body: { email, name: email, role, org_unit_id: orgUnitId, password: "staff-password-1" },
    });
    expect(created.status).toBe(201);
    const login = await h().api<{ token: string }>("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email, password: "staff-password-1" },
    });
    expect(login.status).toBe(200);
    return login.body.token;
  }

  it("refuses missing, malformed and unknown credentials with 401", async () => {
    expect((await h().api("GET", "/v1/members")).status).toBe(401);
    expect((await h().api("GET", "/v1/members", { headers: { authorization: "Basic abc" } })).status).toBe(
      401,
    );
    expect(
      (await h().api("GET", "/v1/members", { token: "ek.ten_x.key_y.zzzzzzzzzzzzzzzzzzzzzzzzzzzz" })).status,
    ).toBe(401);
  });

  it("revokes an API key at once", async () => {
    const brand = await h().newBrand();
    const created = await h().api<{ key: string; api_key_id: string }>("POST", "/v1/api-keys", {
      token: brand.ownerToken,
      body: { name: "pos", scope: "write" },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ek\./);
    expect((await h().api("GET", "/v1/members", { token: created.body.key })).status).toBe(200);
    const listed = await h().api("GET", "/v1/api-keys", { token: brand.ownerToken });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key.split(".")[3]);
    const revoked = await h().api("DELETE", `/v1/api-keys/${created.body.api_key_id}`, {
      token: brand.ownerToken,
    });
    expect(revoked.status).toBe(200);
    expect((await h().api("GET", "/v1/members", { token: created.body.key })).status).toBe(401);
  });

  it("lets a read key read but not write", async () => {
    const brand = await h().newBrand();
    expect((await h().api("GET", "/v1/members", { token: brand.readKey })).status).toBe(200);
    const write = await h().api("POST", "/v1/members", {
      token: brand.readKey,
      body: { phone: "13600000001", channel: "api" },
    });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ type: "/problems/forbidden" });
  });

  it("keeps API keys for owners: keys and other roles cannot mint keys", async () => {
    const brand = await h().newBrand();
    expect(
      (await h().api("POST", "/v1/api-keys", { token: brand.writeKey, body: { name: "x", scope: "write" } }))
        .status,
    ).toBe(403);
    const hq = await staffToken(brand, "hq_operator", brand.hqId, "hq@x.test");
    expect(
      (await h().api("POST", "/v1/api-keys", { token: hq, body: { name: "x", scope: "write" } })).status,
    ).toBe(403);
    expect(
      (
        await h().api("POST", "/v1/staff", {
          token: hq,
          body: {
            email: "o2@x.test",
            name: "o",
            role: "owner",
            org_unit_id: brand.hqId,
            password: "owner-password",
          },
        })
      ).status,
    ).toBe(403);
  });

  it("gives the same answer for an unknown email and a wrong password", async () => {
    const brand = await h().newBrand();
    const wrongPassword = await h().api("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email: `owner@${brand.slug}.test`, password: "nope" },
    });
    const unknownEmail = await h().api("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email: "who@x.test", password: "nope" },
    });
    const unknownBrand = await h().api("POST", "/v1/auth/login", {
      body: { tenant: "no-such-brand", email: "who@x.test", password: "nope" },
    });
    for (const res of [wrongPassword, unknownEmail, unknownBrand]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ detail: "Wrong brand, email or password" });
    }
  });

  it("expires staff sessions after 12 hours and ends them on logout", async () => {
    const brand = await h().newBrand();
    const token = await staffToken(brand, "hq_operator", brand.hqId, "hq2@x.test");
    expect((await h().api("GET", "/v1/auth/me", { token })).body).toMatchObject({
      kind: "staff",
      role: "hq_operator",
    });
    clock.advance(12 * 3_600_000 + 1);
    expect((await h().api("GET", "/v1/auth/me", { token })).status).toBe(401);
    const next = await h().newBrand();
    const fresh = await staffToken(next, "hq_operator", next.hqId, "hq3@x.test");
    expect((await h().api("POST", "/v1/auth/logout", { token: fresh })).status).toBe(204);
    expect((await h().api("GET", "/v1/auth/me", { token: fresh })).status).toBe(401);
  });

  it("disables a staff account at once, and keeps owners for owners to change", async () => {
    const brand = await h().newBrand();
    const guide = await staffToken(brand, "guide", brand.hqId, "leaver@x.test");
    const hq = await staffToken(brand, "hq_operator", brand.hqId, "hq-ops@x.test");
    const me = await h().api<{ subject_id: string }>("GET", "/v1/auth/me", { token: guide });
    const staff = await h().api<{ items: { staff_id: string; role: string }[] }>("GET", "/v1/staff", {
      token: brand.ownerToken,
    });
    const owner = staff.body.items.find((s) => s.role === "owner");
    const hqMe = await h().api<{ subject_id: string }>("GET", "/v1/auth/me", { token: hq });

    const disabled = await h().api<{ status: string }>("PATCH", `/v1/staff/${me.body.subject_id}`, {
      token: hq,
      body: { status: "disabled" },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe("disabled");
    expect((await h().api("GET", "/v1/auth/me", { token: guide })).status).toBe(401);
    const login = await h().api("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email: "leaver@x.test", password: "staff-password-1" },
    });
    expect(login.status).toBe(401);

    // An HQ operator may not touch an owner, nor make one, nor disable themselves.
    const onOwner = await h().api("PATCH", `/v1/staff/${owner?.staff_id}`, {
      token: hq,
      body: { name: "x" },
    });
    expect(onOwner.status).toBe(403);
    const promote = await h().api("PATCH", `/v1/staff/${me.body.subject_id}`, {
      token: hq,
      body: { role: "owner" },
    });
    expect(promote.status).toBe(403);
    const self = await h().api("PATCH", `/v1/staff/${hqMe.body.subject_id}`, {
      token: hq,
      body: { status: "disabled" },
    });
    expect(self.status).toBe(422);
    const empty = await h().api("PATCH", `/v1/staff/${me.body.subject_id}`, { token: hq, body: {} });
    expect(empty.status).toBe(400);
  });

  it("limits a guide to their own members: by id, by list and by lookup", async () => {
    const brand = await h().newBrand();
    const store = await h().api<{ org_unit_id: string }>("POST", "/v1/org-units", {
      token: brand.ownerToken,
      body: { parent_id: brand.hqId, kind: "store", code: "S1", name: "S1" },
    });
    const storeId = store.body.org_unit_id;
    const guideA = await staffToken(brand, "guide", storeId, "ga@x.test");
    const guideB = await staffToken(brand, "guide", storeId, "gb@x.test");
    const manager = await staffToken(brand, "store_manager", storeId, "m@x.test");
    const mine = await h().api<{ member_id: string; guide_id: string }>("POST", "/v1/members", {
      token: guideA,
      body: { phone: "13600000010", channel: "store_qr", store_id: storeId },
    });
    expect(mine.status).toBe(201);
    expect((await h().api("GET", `/v1/members/${mine.body.member_id}`, { token: guideA })).status).toBe(200);
    expect((await h().api("GET", `/v1/members/${mine.body.member_id}`, { token: guideB })).status).toBe(404);
    const listB = await h().api<{ items: unknown[] }>("GET", "/v1/members", { token: guideB });
    expect(listB.body.items).toHaveLength(0);
    expect((await h().api("GET", "/v1/members/lookup?phone=13600000010", { token: guideB })).status).toBe(
      404,
    );
    expect(
      (await h().api("PATCH", `/v1/members/${mine.body.member_id}`, { token: guideB, body: { name: "x" } }))
        .status,
    ).toBe(404);
    // The store manager sees the store's members, with phones masked in lists.
    const listM = await h().api<{ items: { phone: string }[] }>("GET", "/v1/members", { token: manager });
    expect(listM.body.items).toHaveLength(1);
    expect(listM.body.items[0]?.phone).toBe("+86 136****0010");
  });

  it("signs a member in with a one-time code (demo brand), opening a card for a new phone", async () => {
    const brand = await h().newBrand({ demo: true });
    const sent = await h().api<{ demo_code: string }>("POST", "/v1/auth/otp", {
      body: { tenant: brand.slug, phone: "13600000020" },
    });
    expect(sent.status).toBe(202);
    expect(sent.body.demo_code).toMatch(/^\d{6}$/);
    const wrong = sent.body.demo_code === "000000" ? "111111" : "000000";
    const bad = await h().api("POST", "/v1/auth/otp/verify", {
      body: { tenant: brand.slug, phone: "13600000020", code: wrong },
    });
    expect(bad.status).toBe(401);
    const ok = await h().api<{ token: string; joined: boolean; member: { phone: string } }>(
      "POST",
      "/v1/auth/otp/verify",
      {
        body: { tenant: brand.slug, phone: "13600000020", code: sent.body.demo_code },
      },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.joined).toBe(true);
    expect(ok.body.member.phone).toBe("+8613600000020");
    const me = await h().api<{ phone: string }>("GET", "/v1/me", { token: ok.body.token });
    expect(me.body.phone).toBe("+8613600000020");
    // A member token reaches member routes only.
    expect((await h().api("GET", "/v1/members", { token: ok.body.token })).status).toBe(403);
    // The code is single-use.
    const again = await h().api("POST", "/v1/auth/otp/verify", {
      body: { tenant: brand.slug, phone: "13600000020", code: sent.body.demo_code },
    });
    expect(again.status).toBe(401);
  });

  it("locks a code after five wrong guesses", async () => {
    const brand = await h().newBrand({ demo: true });
    const sent = await h().api<{ demo_code: string }>("POST", "/v1/auth/otp", {
      body: { tenant: brand.slug, phone: "13600000030" },
    });
    const wrong = sent.body.demo_code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      await h().api("POST", "/v1/auth/otp/verify", {
        body: { tenant: brand.slug, phone: "13600000030", code: wrong },
        headers: { "x-forwarded-for": `10.0.0.${i}` },
      });
    }
    const right = await h().api("POST", "/v1/auth/otp/verify", {
      body: { tenant: brand.slug, phone: "13600000030", code: sent.body.demo_code },
    });
    expect(right.status).not.toBe(200);
  });

  it("does not reveal the code for a real (non-demo) brand", async () => {
    const brand = await h().newBrand();
    const sent = await h().api("POST", "/v1/auth/otp", {
      body: { tenant: brand.slug, phone: "13600000040" },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).not.toHaveProperty("demo_code");
  });

  it("issues a member session when the brand's backend vouches for the member", async () => {
    const brand = await h().newBrand();
    const member = await h().api<{ member_id: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13600000050", channel: "api" },
    });
    const session = await h().api<{ token: string }>(
      "POST",
      `/v1/members/${member.body.member_id}/sessions`,
      { token: brand.writeKey },
    );
    expect(session.status).toBe(201);
    expect(session.body.token).toMatch(/^em\./);
    expect(
      (await h().api<{ member_id: string }>("GET", "/v1/me", { token: session.body.token })).body.member_id,
    ).toBe(member.body.member_id);
  });

  it("throttles repeated sign-in attempts", async () => {
    const brand = await h().newBrand();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await h().api("POST", "/v1/auth/login", {
        body: { tenant: brand.slug, email: "x@y.test", password: "wrong" },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[11]).toBe(429);
  });
});
