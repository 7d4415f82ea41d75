import { expect } from "vitest";
import type { Brand, Harness } from "../../test/support/harness.ts";

/** A small organisation built through the API: HQ → North (region) → S1, S2; HQ → S3. */
export interface Org {
  north: string;
  s1: string;
  s2: string;
  s3: string;
}

const PASSWORD = "correct horse battery";
let counter = 0;

export async function unit(h: Harness, brand: Brand, parent: string, kind: string, name: string) {
  const res = await h.api<{ org_unit_id: string }>("POST", "/v1/org-units", {
    token: brand.ownerToken,
    body: { parent_id: parent, kind, code: `${name}-${++counter}`, name },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.org_unit_id;
}

export async function buildOrg(h: Harness, brand: Brand): Promise<Org> {
  const north = await unit(h, brand, brand.hqId, "region", "North");
  return {
    north,
    s1: await unit(h, brand, north, "store", "S1"),
    s2: await unit(h, brand, north, "store", "S2"),
    s3: await unit(h, brand, brand.hqId, "store", "S3"),
  };
}

/** A staff account and a signed-in session for it. */
export async function staffMember(
  h: Harness,
  brand: Brand,
  role: string,
  orgUnitId: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const email = `${name.toLowerCase().replace(/\W/g, "")}-${++counter}@${brand.slug}.test`;
  const created = await h.api<{ staff_id: string }>("POST", "/v1/staff", {
    token: brand.ownerToken,
    body: { email, name, role, org_unit_id: orgUnitId, password: PASSWORD },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const login = await h.api<{ token: string }>("POST", "/v1/auth/login", {
    body: { tenant: brand.slug, email, password: PASSWORD },
  });
  expect(login.status).toBe(200);
  return { id: created.body.staff_id, token: login.body.token };
}

let phones = 0;
export function newPhone(): string {
  return `1371${String(process.pid % 1000).padStart(3, "0")}${String(++phones).padStart(4, "0")}`;
}

/** A member opened by `token` (a guide's own, or an integrator naming store and guide). */
export async function openCard(
  h: Harness,
  token: string,
  body: Record<string, unknown>,
): Promise<{ member_id: string; phone: string; card_no: string }> {
  const res = await h.api<{ member_id: string; phone: string; card_no: string }>("POST", "/v1/members", {
    token,
    body: { phone: newPhone(), channel: "store", ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function drain(h: Harness): Promise<void> {
  for (let i = 0; i < 100 && (await h.enclave.platform.events.relayOnce()) > 0; i++);
}
