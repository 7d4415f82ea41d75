import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { recomputeAudience } from "../audience/recompute.ts";
import { buildOrg, drain, openCard, type Org, staffMember } from "./org.test-support.ts";

interface Page {
  items: { member_id: string; guide_id: string | null; home_store_id: string | null }[];
}

describeEachDatabase("Organisation scope and handover", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let org: Org;
  const staff: Record<
    "guideA" | "guideB" | "guideC" | "managerS1" | "regionNorth",
    { id: string; token: string }
  > = {} as never;
  const members: Record<
    "a1" | "a2" | "b1" | "c1" | "s3",
    { member_id: string; phone: string; card_no: string }
  > = {} as never;

  const ids = (page: Page) => page.items.map((m) => m.member_id).sort();
  const listAs = async (token: string, query = "") =>
    ids((await h().api<Page>("GET", `/v1/members${query}`, { token })).body);

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    staff.guideA = await staffMember(h(), brand, "guide", org.s1, "Guide A");
    staff.guideB = await staffMember(h(), brand, "guide", org.s1, "Guide B");
    staff.guideC = await staffMember(h(), brand, "guide", org.s2, "Guide C");
    staff.managerS1 = await staffMember(h(), brand, "store_manager", org.s1, "Manager S1");
    staff.regionNorth = await staffMember(h(), brand, "region_manager", org.north, "North");
    members.a1 = await openCard(h(), staff.guideA.token, { store_id: org.s1, name: "Alice" });
    members.a2 = await openCard(h(), staff.guideA.token, { store_id: org.s1, name: "Amy" });
    members.b1 = await openCard(h(), staff.guideB.token, { store_id: org.s1, name: "Bella" });
    members.c1 = await openCard(h(), staff.guideC.token, { store_id: org.s2, name: "Cora" });
    members.s3 = await openCard(h(), brand.writeKey, { store_id: org.s3, name: "Sam" });
    await drain(h());
  });

  it("keeps a guide's members their own: another guide's member is absent by id", async () => {
    const a = staff.guideA.token;
    const views = ["", "/timeline", "/assignments", "/coupons", "/points", "/tags", "/tier", "/scores"];
    for (const path of views) {
      const own = await h().api("GET", `/v1/members/${members.a1.member_id}${path}`, { token: a });
      expect(own.status, `own ${path}`).toBe(200);
      const res = await h().api("GET", `/v1/members/${members.b1.member_id}${path}`, { token: a });
      expect(res.status, path).toBe(404);
    }
    const patch = await h().api("PATCH", `/v1/members/${members.b1.member_id}`, {
      token: a,
      body: { name: "Stolen" },
    });
    expect(patch.status).toBe(404);
  });

  it("lists and searches only the guide's own members", async () => {
    const a = staff.guideA.token;
    expect(await listAs(a)).toEqual([members.a1.member_id, members.a2.member_id].sort());
    expect(await listAs(a, `?guide_id=${staff.guideB.id}`)).toEqual([]);
    expect(await listAs(a, `?q=Bella`)).toEqual([]);
    expect(await listAs(a, `?q=${members.b1.phone.slice(-8)}`)).toEqual([]);
    expect(await listAs(a, `?q=${members.b1.card_no}`)).toEqual([]);
    for (const query of [`phone=${members.b1.phone}`, `card_no=${members.b1.card_no}`]) {
      const res = await h().api("GET", `/v1/members/lookup?${query}`, { token: a });
      expect(res.status, query).toBe(404);
    }
    const own = await h().api("GET", `/v1/members/lookup?card_no=${members.a1.card_no}`, { token: a });
    expect(own.status).toBe(200);
  });

  it("exports and lists a segment with only the guide's own members", async () => {
    const db = h().enclave.platform.database.db;
    await recomputeAudience(db, brand.tenantId, h().enclave.platform.clock.now());
    const segment = await h().api<{ segment_id: string }>("POST", "/v1/audience/segments", {
      token: brand.ownerToken,
      body: { name: "Everyone", condition: { field: "member.status", op: "in", value: ["active"] } },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    const everyone = await h().api("GET", `/v1/audience/segments/${segment.body.segment_id}/export`, {
      token: brand.ownerToken,
    });
    expect(everyone.text).toContain(members.b1.member_id);

    const csv = await h().api("GET", `/v1/audience/segments/${segment.body.segment_id}/export`, {
      token: staff.guideA.token,
    });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(members.a1.member_id);
    expect(csv.text).toContain(members.a2.member_id);
    for (const other of [members.b1, members.c1, members.s3]) expect(csv.text).not.toContain(other.member_id);
    const listed = await h().api<Page>("GET", `/v1/audience/segments/${segment.body.segment_id}/members`, {
      token: staff.guideA.token,
    });
    expect(ids(listed.body)).toEqual([members.a1.member_id, members.a2.member_id].sort());
  });

  it("shows a store manager his store only, and a region manager her region only", async () => {
    const s1 = [members.a1, members.a2, members.b1].map((m) => m.member_id).sort();
    expect(await listAs(staff.managerS1.token)).toEqual(s1);
    expect(
      (await h().api("GET", `/v1/members/${members.c1.member_id}`, { token: staff.managerS1.token })).status,
    ).toBe(404);
    expect((await h().api("GET", `/v1/org-units/${org.s2}`, { token: staff.managerS1.token })).status).toBe(
      404,
    );
    expect((await h().api("GET", `/v1/org-units/${org.s1}`, { token: staff.managerS1.token })).status).toBe(
      200,
    );
    expect(await listAs(staff.regionNorth.token)).toEqual([...s1, members.c1.member_id].sort());
  });

  it("lets a manager move a member only to a guide of his own subtree, recording the move", async () => {
    const m = staff.managerS1.token;
    const outside = await h().api("POST", `/v1/members/${members.b1.member_id}/assignment`, {
      token: m,
      body: { guide_id: staff.guideC.id },
    });
    expect(outside.body).toMatchObject({ status: 400, field: "/guide_id" });
    const byGuide = await h().api("POST", `/v1/members/${members.b1.member_id}/assignment`, {
      token: staff.guideA.token,
      body: { guide_id: staff.guideA.id },
    });
    expect(byGuide.status).toBe(403);
    const region = await h().api("POST", `/v1/members/${members.c1.member_id}/assignment`, {
      token: staff.regionNorth.token,
      body: { guide_id: staff.guideB.id },
    });
    expect(region.status, JSON.stringify(region.body)).toBe(200);
    expect(region.body).toMatchObject({ moved: true, guide_id: staff.guideB.id, home_store_id: org.s1 });
    const history = await h().api<{ items: Record<string, unknown>[] }>(
      "GET",
      `/v1/members/${members.c1.member_id}/assignments`,
      { token: staff.guideB.token },
    );
    expect(history.body.items).toEqual([
      expect.objectContaining({
        from_guide_id: staff.guideC.id,
        to_guide_id: staff.guideB.id,
        from_store_id: org.s2,
        to_store_id: org.s1,
        actor: staff.regionNorth.id,
      }),
    ]);
    expect(
      (await h().api("GET", `/v1/members/${members.c1.member_id}`, { token: staff.guideC.token })).status,
    ).toBe(404);
  });

  it("hands a leaving guide's members to another guide, then to the store pool", async () => {
    const m = staff.managerS1.token;
    const refused = await h().api("POST", `/v1/guides/${staff.guideA.id}/handover`, {
      token: staff.guideA.token,
      body: { to_guide_id: staff.guideB.id },
    });
    expect(refused.status).toBe(403);
    const otherStore = await h().api("POST", `/v1/guides/${staff.guideC.id}/handover`, {
      token: m,
      body: {},
    });
    expect(otherStore.status).toBe(404);

    const handover = await h().api<{ handover_id: string }>(
      "POST",
      `/v1/guides/${staff.guideA.id}/handover`,
      {
        token: m,
        body: { to_guide_id: staff.guideB.id },
      },
    );
    expect(handover.status, JSON.stringify(handover.body)).toBe(201);
    expect(handover.body).toMatchObject({
      from_guide_id: staff.guideA.id,
      to_guide_id: staff.guideB.id,
      members_moved: 2,
    });
    expect(await listAs(staff.guideA.token)).toEqual([]);
    expect(
      (await h().api("GET", `/v1/members/${members.a1.member_id}`, { token: staff.guideA.token })).status,
    ).toBe(404);
    expect(await listAs(staff.guideB.token)).toEqual(
      [members.a1, members.a2, members.b1, members.c1].map((x) => x.member_id).sort(),
    );
    const history = await h().api<{ items: { handover_id: string | null }[] }>(
      "GET",
      `/v1/members/${members.a1.member_id}/assignments`,
      { token: m },
    );
    expect(history.body.items[0]?.handover_id).toBe(handover.body.handover_id);

    const pool = await h().api("POST", `/v1/guides/${staff.guideB.id}/handover`, { token: m, body: {} });
    expect(pool.body).toMatchObject({ to_guide_id: null, to_store_id: org.s1, members_moved: 4 });
    expect(await listAs(staff.guideB.token)).toEqual([]);
    const inStore = (await h().api<Page>("GET", "/v1/members", { token: m })).body.items;
    expect(inStore.every((x) => x.guide_id === null && x.home_store_id === org.s1)).toBe(true);
    expect(inStore).toHaveLength(4);
    const listed = await h().api<{ items: unknown[] }>("GET", `/v1/guides/${staff.guideB.id}/handovers`, {
      token: m,
    });
    expect(listed.body.items).toHaveLength(2);
  });
});
