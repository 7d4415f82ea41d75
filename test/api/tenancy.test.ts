import { expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, useEnclave } from "../support/harness.ts";

interface Seeded {
  memberId: string;
  phone: string;
  cardNo: string;
  storeId: string;
  apiKeyId: string;
  staffId: string;
}

describeEachDatabase("Tenant isolation", (db) => {
  const h = useEnclave(db);

  async function seed(brand: Brand): Promise<Seeded> {
    const store = await h().api<{ org_unit_id: string }>("POST", "/v1/org-units", {
      token: brand.ownerToken,
      body: { parent_id: brand.hqId, kind: "store", code: "S1", name: "Store 1" },
    });
    const staff = await h().api<{ staff_id: string }>("POST", "/v1/staff", {
      token: brand.ownerToken,
      body: {
        email: "guide@b.test",
        name: "Guide",
        role: "guide",
        org_unit_id: store.body.org_unit_id,
        password: "guide-password-1",
      },
    });
    const member = await h().api<{ member_id: string; card_no: string; phone: string }>(
      "POST",
      "/v1/members",
      {
        token: brand.writeKey,
        body: {
          phone: "13700000001",
          channel: "api",
          store_id: store.body.org_unit_id,
          identities: [{ kind: "pos", value: "P-1" }],
        },
      },
    );
    const key = await h().api<{ api_key_id: string }>("POST", "/v1/api-keys", {
      token: brand.ownerToken,
      body: { name: "b-key", scope: "read" },
    });
    expect([store.status, staff.status, member.status, key.status]).toEqual([201, 201, 201, 201]);
    return {
      memberId: member.body.member_id,
      phone: member.body.phone,
      cardNo: member.body.card_no,
      storeId: store.body.org_unit_id,
      apiKeyId: key.body.api_key_id,
      staffId: staff.body.staff_id,
    };
  }

  // Every route, with the other brand's ids in the path, the query and the body, is test/faults/scope-sweep.test.ts.
  it("finds none of another brand's rows by list or lookup, and refuses writes that point at them", async () => {
    const a = await h().newBrand();
    const b = await h().newBrand();
    const theirs = await seed(b);
    const before = await h().api("GET", `/v1/members/${theirs.memberId}`, { token: b.readKey });

    // Lists and lookups by their keys come back empty-handed.
    const list = await h().api<{ items: unknown[] }>("GET", "/v1/members", { token: a.readKey });
    expect(list.body.items).toHaveLength(0);
    for (const query of [
      `phone=${encodeURIComponent(theirs.phone)}`,
      `card_no=${theirs.cardNo}`,
      "identity_kind=pos&identity_value=P-1",
    ]) {
      expect((await h().api("GET", `/v1/members/lookup?${query}`, { token: a.readKey })).status).toBe(404);
    }
    const units = await h().api<{ items: { org_unit_id: string }[] }>("GET", "/v1/org-units", {
      token: a.readKey,
    });
    expect(units.body.items.map((u) => u.org_unit_id)).not.toContain(theirs.storeId);
    const staff = await h().api<{ items: { staff_id: string }[] }>("GET", "/v1/staff", {
      token: a.ownerToken,
    });
    expect(staff.body.items.map((s) => s.staff_id)).not.toContain(theirs.staffId);

    // Writes that point at the other brand's rows are refused, not half-done.
    const crossStore = await h().api("POST", "/v1/members", {
      token: a.writeKey,
      body: { phone: "13700000002", channel: "api", store_id: theirs.storeId },
    });
    expect(crossStore.status).toBe(400);
    const crossParent = await h().api("POST", "/v1/org-units", {
      token: a.ownerToken,
      body: { parent_id: theirs.storeId, kind: "store", code: "X", name: "X" },
    });
    expect(crossParent.status).toBe(400);
    const crossStaff = await h().api("POST", "/v1/staff", {
      token: a.ownerToken,
      body: {
        email: "x@a.test",
        name: "X",
        role: "guide",
        org_unit_id: theirs.storeId,
        password: "long-enough-pw",
      },
    });
    expect(crossStaff.status).toBe(400);

    // Their member is exactly as it was, and their key still works.
    const after = await h().api("GET", `/v1/members/${theirs.memberId}`, { token: b.readKey });
    expect(after.body).toEqual(before.body);
    const keys = await h().api<{ items: { api_key_id: string; revoked_at: string | null }[] }>(
      "GET",
      "/v1/api-keys",
      {
        token: b.ownerToken,
      },
    );
    expect(keys.body.items.find((k) => k.api_key_id === theirs.apiKeyId)?.revoked_at).toBeNull();
  });

  it("refuses a credential whose tenant part was swapped for another brand's", async () => {
    const a = await h().newBrand();
    const b = await h().newBrand();
    const [kind, , id, secret] = a.writeKey.split(".");
    const forged = [kind, b.tenantId, id, secret].join(".");
    const res = await h().api("GET", "/v1/members", { token: forged });
    expect(res.status).toBe(401);
  });
});
