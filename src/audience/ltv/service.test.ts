import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { useEnclave } from "../../../test/support/harness.ts";
import { createApiKey } from "../../access/service.ts";
import { importCdnow } from "../../orders/import/cdnow.ts";
import { fixedClock } from "../../platform/clock.ts";
import { createTenant } from "../../tenants/service.ts";
import { purchaseSummaries } from "../facts.ts";
import { recomputeAudience } from "../recompute.ts";
import { fitLtv, latestModel, predictMember } from "./service.ts";

const SAMPLE = join(import.meta.dirname, "../../../../shared/data/CDNOW_sample.txt");
// The end of 30 September 1997 in New York: the literature's calibration period ends that day.
const CALIBRATION_END = new Date("1997-10-01T03:59:59.000Z");
const twoDigits = (x: number) => Number(x.toPrecision(2));

describeEachDatabase("Predicted LTV of a brand, through the database", (database) => {
  const clock = fixedClock(new Date("1998-07-01T12:00:00Z"));
  const h = useEnclave(database, { clock });
  let tenantId = "";
  let key = "";

  beforeAll(async () => {
    const db = h().enclave.platform.database.db;
    const tenant = await createTenant(db, {
      slug: `cdnow-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
      name: "CDNOW",
      currency: "USD",
      time_zone: "America/New_York",
    });
    tenantId = tenant.tenant_id;
    key = (await createApiKey(db, tenantId, { name: "read", scope: "read" })).key;
    await importCdnow(db, tenantId, SAMPLE, { now: () => clock.now() });
    await recomputeAudience(db, tenantId, CALIBRATION_END);
  }, 180_000);

  it("fits the published CDNOW estimates from the brand's own orders (amounts in cents)", async () => {
    const report = await fitLtv(h().enclave.platform.database.db, tenantId, CALIBRATION_END);
    if (!report.fitted) throw new Error(report.reason);
    const { bgnbd, gamma_gamma } = report.model;
    expect(bgnbd.customers).toBe(2357);
    expect([bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b].map(twoDigits)).toEqual([0.24, 4.4, 0.79, 2.4]);
    expect(twoDigits(bgnbd.log_likelihood)).toBe(-9600);
    expect(gamma_gamma && [gamma_gamma.p, gamma_gamma.q, gamma_gamma.gamma].map(twoDigits)).toEqual([
      6.2, 3.7, 1500,
    ]);
    expect(report.predicted_members).toBe(2357);
  });

  it("stores each purchaser's prediction as the pure model computes it, and serves it", async () => {
    const db = h().enclave.platform.database.db;
    const model = await latestModel(db, tenantId);
    if (!model) throw new Error("no model");
    const stored = await db
      .selectFrom("audience_member_ltv")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("repeat_purchases", ">", 2)
      .limit(1)
      .executeTakeFirstOrThrow();
    const [summary] = await purchaseSummaries(db, tenantId, "America/New_York", CALIBRATION_END, [
      stored.member_id,
    ]);
    if (!summary) throw new Error("no summary");
    const expected = predictMember(model, summary);
    expect(stored.p_alive).toBeCloseTo(expected.p_alive, 12);
    expect(stored.expected_purchases_365d).toBeCloseTo(expected.expected_purchases_365d, 12);
    expect(stored.predicted_value_365d_minor).toBeCloseTo(expected.predicted_value_365d_minor ?? 0, 6);
    const scores = await h().api<{ ltv: { p_alive: number } | null }>(
      "GET",
      `/v1/members/${stored.member_id}/scores`,
      { token: key },
    );
    expect(scores.body.ltv?.p_alive).toBeCloseTo(expected.p_alive, 12);
    const distribution = await h().api<{ members: number; histogram: { members: number }[] }>(
      "GET",
      "/v1/audience/analytics/ltv",
      { token: key },
    );
    expect(distribution.body.members).toBe(2357);
    expect(distribution.body.histogram.reduce((sum, b) => sum + b.members, 0)).toBe(2357);
  });
});
