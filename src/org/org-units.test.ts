import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { staffMember, unit } from "./org.test-support.ts";

interface Unit {
  org_unit_id: string;
  parent_id: string | null;
  kind: string;
  code: string;
  name: string;
  path: string;
}

describeEachDatabase("Org units: rename and recode", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let region: string;
  let store: string;

  const patch = (id: string, body: Record<string, unknown>, token = brand.ownerToken) =>
    h().api<Unit>("PATCH", `/v1/org-units/${id}`, { token, body });

  beforeAll(async () => {
    brand = await h().newBrand();
    region = await unit(h(), brand, brand.hqId, "region", "West");
    store = await unit(h(), brand, region, "store", "Chengdu");
  });

  it("renames a store and changes its code, keeping its kind and place in the tree", async () => {
    const before = await h().api<Unit>("GET", `/v1/org-units/${store}`, { token: brand.ownerToken });
    const res = await patch(store, { name: "成都太古里店", code: "CD-TGL" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      org_unit_id: store,
      name: "成都太古里店",
      code: "CD-TGL",
      kind: "store",
      parent_id: region,
      path: before.body.path,
    });
    const listed = await h().api<{ items: Unit[] }>("GET", "/v1/org-units", { token: brand.readKey });
    expect(listed.body.items.find((u) => u.org_unit_id === store)).toMatchObject({ code: "CD-TGL" });
    // Its own code again is no conflict.
    expect((await patch(store, { code: "CD-TGL" })).status).toBe(200);
  });

  it("refuses a code another unit holds, an empty name and an unknown unit, naming the field", async () => {
    const other = await h().api<Unit>("GET", `/v1/org-units/${region}`, { token: brand.ownerToken });
    const taken = await patch(store, { code: other.body.code });
    expect(taken.body).toMatchObject({
      status: 409,
      code: "conflict",
      errors: [{ in: "body", field: "/code", message: "already used" }],
    });
    expect((await patch(store, { name: "" })).body).toMatchObject({ status: 400, field: "/name" });
    expect((await patch(store, { kind: "region" })).body).toMatchObject({ status: 400, field: "/kind" });
    expect((await patch("ou_unknown", { name: "x" })).status).toBe(404);
  });

  it("lets only HQ roles change a unit", async () => {
    const manager = await staffMember(h(), brand, "store_manager", store, "Manager");
    expect((await patch(store, { name: "Mine now" }, manager.token)).status).toBe(403);
    expect((await patch(store, { name: "Via key" }, brand.readKey)).status).toBe(403);
    expect((await patch(store, { name: "Via write key" }, brand.writeKey)).status).toBe(200);
  });
});
