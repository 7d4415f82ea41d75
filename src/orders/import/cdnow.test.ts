import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { createTenant } from "../../tenants/service.ts";
import { problemOf } from "../adapters/fixtures/index.ts";
import { importCdnow, parseCdnow, parseCdnowLine, planCdnow } from "./cdnow.ts";

// The shared data folder beside the repository (see its README); the database specs skip where it is absent.
const SAMPLE = join(import.meta.dirname, "../../../../shared/data/CDNOW_sample.txt");
const SUBSET_LINES = 300;

describe("CDNOW lines", () => {
  it("reads the master layout, skipping the header and CRLF endings", () => {
    const text =
      " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n\r\n";
    expect(parseCdnow(text)).toEqual([
      { line_no: 2, customer_id: "00001", date: "19970101", cds: 1, amount_minor: 1177 },
      { line_no: 3, customer_id: "00002", date: "19970112", cds: 1, amount_minor: 1200 },
      { line_no: 4, customer_id: "00002", date: "19970112", cds: 5, amount_minor: 7700 },
    ]);
  });

  it("reads the sample layout by its extra column", () => {
    expect(parseCdnowLine(" 00004 0001 19971212  2   26.48\r", 4)).toEqual({
      line_no: 4,
      customer_id: "00004",
      date: "19971212",
      cds: 2,
      amount_minor: 2648,
    });
    expect(parseCdnowLine("   ", 9)).toBeUndefined();
  });

  it("names the line and column of what it cannot read, and reads nothing then", () => {
    expect(parseCdnowLine("00001 19970231 1 11.77", 7)).toMatchObject({ field: "/7/date" });
    expect(parseCdnowLine("00001 19970101 1 11.777", 7)).toMatchObject({ field: "/7/dollar_value" });
    expect(parseCdnowLine("00001 19970101 -1 11.77", 7)).toMatchObject({ field: "/7/number_of_cds" });
    expect(parseCdnowLine("00001 19970101 11.77", 7)).toMatchObject({ field: "/7/" });
    const problem = problemOf(() =>
      parseCdnow("00001 19970101 1 11.77\nx0002 19970101 1 1.00\n00003 1997 1 1.00\n"),
    );
    expect(problem.errors?.map((e) => e.field)).toEqual(["/2/customer_id", "/3/date"]);
    expect(problem.message).toMatch(/^line 2: /);
  });
});

describe("CDNOW rows as members and orders", () => {
  const rows = parseCdnow(
    "00002 19970112 1 12.00\n00002 19970112 2 11.77\n00002 19970301 1 0.00\n00001 19970105 5 77.00\n",
  );
  const plan = planCdnow(rows, "America/New_York");

  it("keeps several rows of one day apart, at noon in the brand's zone, oldest first", () => {
    expect(plan.orders.map((o) => o.external_id)).toEqual([
      "00001-19970105-1",
      "00002-19970112-1",
      "00002-19970112-2",
      "00002-19970301-1",
    ]);
    expect(plan.orders[1]?.ordered_at.toISOString()).toBe("1997-01-12T17:00:00.000Z");
    expect(plan.orders[1]?.member).toEqual({ identity: { kind: "cdnow", value: "00002" } });
  });

  it("books the dollars exactly: the unit price rounds up and the line discount takes the rest", () => {
    const byId = new Map(plan.orders.map((o) => [o.external_id, o]));
    expect(byId.get("00001-19970105-1")).toMatchObject({
      paid_minor: 7700,
      currency: "USD",
      lines: [{ sku: "CD", quantity: 5, unit_price_minor: 1540, discount_minor: 0 }],
    });
    expect(byId.get("00002-19970112-2")).toMatchObject({
      paid_minor: 1177,
      lines: [{ quantity: 2, unit_price_minor: 589, discount_minor: 1 }],
    });
    expect(byId.get("00002-19970301-1")).toMatchObject({
      paid_minor: 0,
      lines: [{ quantity: 1, unit_price_minor: 0, discount_minor: 0 }],
    });
  });

  it("makes one member per customer, joining at the first purchase", () => {
    expect(plan.members).toEqual([
      { customer_id: "00001", joined_at: new Date("1997-01-05T17:00:00Z") },
      { customer_id: "00002", joined_at: new Date("1997-01-12T17:00:00Z") },
    ]);
  });
});

const describeWithSample = existsSync(SAMPLE)
  ? describeEachDatabase
  : (name: string) => describe.skip(`${name}: ${SAMPLE} not found`);
describeWithSample("CDNOW import", (database) => {
  const dir = mkdtempSync(join(tmpdir(), "enclave-cdnow-"));
  const file = join(dir, "cdnow-subset.txt");
  const lines = readFileSync(SAMPLE, "utf8").split("\n").slice(0, SUBSET_LINES);
  writeFileSync(file, lines.join("\n"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Expectations computed from the text, independently of the parser: whole dollars per row are its points.
  const cols = lines.map((l) => l.trim().split(/\s+/));
  const expectedCustomers = new Set(cols.map((c) => c[0])).size;
  const expectedPoints = cols.reduce((sum, c) => sum + Number((c[4] ?? "").split(".")[0]), 0);
  let counter = 0;
  const brand = (currency: string) =>
    createTenant(database().db, {
      slug: `cdnow-${process.pid}-${++counter}`,
      name: "CDNOW",
      currency,
      country: "US",
      time_zone: "America/New_York",
    });

  it("creates one member per customer and one order per row, earning a point per whole dollar", async () => {
    const tenant = await brand("USD");
    const phases = new Set<string>();
    const result = await importCdnow(database().db, tenant.tenant_id, file, {
      batchSize: 100,
      onProgress: (p) => phases.add(`${p.phase}:${p.done}/${p.total}`),
    });
    expect(result).toMatchObject({ customers: expectedCustomers, orders: SUBSET_LINES, skipped: 0 });
    expect(phases).toContain(`orders:${SUBSET_LINES}/${SUBSET_LINES}`);

    const db = database().db;
    const orders = await db
      .selectFrom("orders")
      .select(["member_id", "points_earned", "paid_minor", "status"])
      .where("tenant_id", "=", tenant.tenant_id)
      .where("channel", "=", "cdnow")
      .execute();
    expect(orders).toHaveLength(SUBSET_LINES);
    expect(orders.every((o) => o.member_id !== null && o.status === "completed")).toBe(true);
    expect(orders.reduce((sum, o) => sum + o.points_earned, 0)).toBe(expectedPoints);
    expect(orders.reduce((sum, o) => sum + o.points_earned, 0)).toBe(
      orders.reduce((sum, o) => sum + Math.floor(o.paid_minor / 100), 0),
    );
    const identities = await db
      .selectFrom("member_identities")
      .select("member_id")
      .where("tenant_id", "=", tenant.tenant_id)
      .where("kind", "=", "cdnow")
      .execute();
    expect(new Set(identities.map((i) => i.member_id)).size).toBe(expectedCustomers);
    expect(new Set(orders.map((o) => o.member_id)).size).toBe(expectedCustomers);

    const again = await importCdnow(db, tenant.tenant_id, file);
    expect(again).toMatchObject({ customers: 0, orders: 0, skipped: SUBSET_LINES });
    const points = await db
      .selectFrom("orders")
      .select((eb) => eb.fn.sum<number>("points_earned").as("total"))
      .where("tenant_id", "=", tenant.tenant_id)
      .executeTakeFirstOrThrow();
    expect(Number(points.total)).toBe(expectedPoints);
  });

  it("refuses a brand that does not keep its books in US dollars, writing nothing", async () => {
    const tenant = await brand("CNY");
    await expect(importCdnow(database().db, tenant.tenant_id, file)).rejects.toThrow(/US dollars.*CNY/);
    const members = await database()
      .db.selectFrom("members")
      .select("member_id")
      .where("tenant_id", "=", tenant.tenant_id)
      .execute();
    expect(members).toHaveLength(0);
  });
});
