import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { createApiKey } from "../access/service.ts";
import { loadDemo } from "../demo/load.ts";
import { Random } from "../demo/random.ts";
import { fixedClock } from "../platform/clock.ts";

const DAY_MS = 86_400_000;
const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);
/** Small enough to stay fast on both databases, large enough for two arms of about 150. */
const DEMO_MEMBERS = 300;
const ORDER_MINOR = 4_000;

interface Arm {
  members: number;
  converters: number;
  conversion_rate: number;
  orders: number;
  revenue_minor: number;
  revenue_per_member_minor: number;
}

/**
 * The proof the issue asks for: a scheduled campaign over a segment of the demo brand, with a holdout; afterwards a
 * known share of each arm buys, and the results must report both arms, the attributed revenue, and an uplift whose
 * 95% interval contains the difference constructed.
 */
describeEachDatabase("a campaign over the demo brand", (db) => {
  const clock = fixedClock(START);
  const h = useEnclave(db, { clock });

  it("reports both arms, attributed revenue and an uplift whose interval holds the true difference", async () => {
    const database = h().enclave.platform.database;
    const demo = await loadDemo(database, {
      slug: `demo-cmp-${process.pid}`,
      members: DEMO_MEMBERS,
      seed: 7,
      clock,
    });
    const key = (await createApiKey(database.db, demo.tenant_id, { name: "campaigns", scope: "write" })).key;
    const api = <T = Record<string, unknown>>(method: "GET" | "POST", url: string, body?: unknown) =>
      h().api<T>(method, url, { token: key, ...(body !== undefined ? { body } : {}) });

    // The demo's members and orders came in bulk (no events): describe them, then segment them.
    expect((await api("POST", "/v1/audience/recompute?facts=full")).status).toBe(200);
    const segment = await api<{ segment_id: string; member_count: number }>("POST", "/v1/audience/segments", {
      name: "Card holders",
      condition: { field: "member.status", op: "eq", value: "active" },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expect(segment.body.member_count).toBe(DEMO_MEMBERS);

    const template = await api<{ template_id: string }>("POST", "/v1/coupon-templates", {
      code: "COMEBACK20",
      name: "20 off 60",
      benefit: { kind: "amount_off", amount_minor: 2000 },
      conditions: { min_spend_minor: 6000 },
      validity: { kind: "relative", days: 14 },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const campaign = await api<{ campaign_id: string }>("POST", "/v1/campaigns", {
      name: "Tuesday and Friday push",
      trigger: { kind: "schedule", cron: "0 10 * * 2,5", segment_id: segment.body.segment_id },
      actions: [{ kind: "issue_coupon", template_id: template.body.template_id }],
      holdout_percent: 50,
      attribution_days: 14,
    });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const id = campaign.body.campaign_id;

    const dry = await api<{ would_reach: number; holdout: number; treated: number }>(
      "GET",
      `/v1/campaigns/${id}/dry-run`,
    );
    expect(dry.body.would_reach).toBe(DEMO_MEMBERS);
    expect((await api("POST", `/v1/campaigns/${id}/launch`)).status).toBe(200);
    const run = await api<{ status: string; assigned: number }>("POST", `/v1/campaigns/${id}/runs`);
    expect(run.body).toMatchObject({ status: "done", assigned: DEMO_MEMBERS });

    const arms = { treatment: [] as string[], holdout: [] as string[] };
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: { member_id: string; arm: "treatment" | "holdout" }[]; next_cursor: string | null };
      } = await api("GET", `/v1/campaigns/${id}/assignments?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
      for (const a of page.body.items) arms[a.arm].push(a.member_id);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(arms.treatment.length).toBe(dry.body.treated);
    expect(arms.holdout.length).toBe(dry.body.holdout);
    expect(arms.holdout.length).toBeGreaterThan(100);
    expect(arms.treatment.length).toBeGreaterThan(100);

    // The world after the push: 45% of the treated buy within the window, 25% of the holdout. Exactly those
    // shares, members chosen at random, so the difference constructed is known.
    clock.advance(2 * DAY_MS);
    const random = new Random(11);
    const buyers = (members: string[], share: number) =>
      [...members]
        .map((m) => ({ m, r: random.next() }))
        .sort((a, b) => a.r - b.r)
        .slice(0, Math.round(members.length * share))
        .map((x) => x.m);
    const treatedBuyers = buyers(arms.treatment, 0.45);
    const holdoutBuyers = buyers(arms.holdout, 0.25);
    const trueDifference =
      treatedBuyers.length / arms.treatment.length - holdoutBuyers.length / arms.holdout.length;
    const batch = [...treatedBuyers, ...holdoutBuyers].map((memberId, i) => ({
      channel: "pos",
      external_id: `after-push-${i}`,
      member: { member_id: memberId },
      currency: "CNY",
      ordered_at: clock.now().toISOString(),
      lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: ORDER_MINOR }],
      paid_minor: ORDER_MINOR,
    }));
    const ingested = await api("POST", "/v1/orders/batch", { orders: batch });
    expect([200, 201], JSON.stringify(ingested.body).slice(0, 500)).toContain(ingested.status);

    const results = await api<{
      reached: number;
      treatment: Arm;
      holdout: Arm;
      uplift: { difference: number; ci95_low: number; ci95_high: number; significant: boolean };
      actions: { coupons_issued: number };
    }>("GET", `/v1/campaigns/${id}/results`);
    expect(results.status, JSON.stringify(results.body)).toBe(200);
    const r = results.body;
    expect(r.reached).toBe(DEMO_MEMBERS);
    expect(r.treatment).toMatchObject({
      members: arms.treatment.length,
      converters: treatedBuyers.length,
      orders: treatedBuyers.length,
      revenue_minor: treatedBuyers.length * ORDER_MINOR,
    });
    expect(r.holdout).toMatchObject({
      members: arms.holdout.length,
      converters: holdoutBuyers.length,
      revenue_minor: holdoutBuyers.length * ORDER_MINOR,
    });
    expect(r.actions.coupons_issued).toBe(arms.treatment.length);
    expect(r.uplift.difference).toBeCloseTo(trueDifference, 5);
    expect(r.uplift.ci95_low).toBeLessThan(trueDifference);
    expect(r.uplift.ci95_high).toBeGreaterThan(trueDifference);
    // Twenty points on arms of ~150 is well outside chance.
    expect(r.uplift.significant).toBe(true);
    expect(r.uplift.ci95_low).toBeGreaterThan(0);
  });
});
