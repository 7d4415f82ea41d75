import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import { recordEvent } from "../platform/events.ts";
import { runScheduler } from "./runs.ts";

const DAY_MS = 86_400_000;
const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);

interface Campaign {
  campaign_id: string;
  status: string;
  ended_reason: string | null;
  spent: { coupons: number; points: number; messages: number };
  actions: { kind: string; template_id?: string }[];
  playbook: string | null;
}
interface Assignment {
  member_id: string;
  arm: "treatment" | "holdout";
  outcome: string;
  coupons: number;
  points: number;
}
interface Results {
  reached: number;
  acted: number;
  capped: number;
  treatment: { members: number; converters: number; orders: number; revenue_minor: number };
  holdout: { members: number; converters: number; orders: number; revenue_minor: number };
  uplift: { difference: number; ci95_low: number; ci95_high: number } | null;
  actions: { coupons_issued: number; coupons_redeemed: number; points_granted: number };
}

describeEachDatabase("campaigns", (db) => {
  const clock = fixedClock(START);
  const h = useEnclave(db, { clock });
  let brand: Brand;
  let phones = 0;
  let orders = 0;
  beforeAll(async () => {
    brand = await h().newBrand();
  });

  const api = <T = Record<string, unknown>>(
    method: "GET" | "POST" | "PATCH",
    url: string,
    body?: unknown,
    token = brand.writeKey,
  ) => h().api<T>(method, url, { token, ...(body !== undefined ? { body } : {}) });

  async function drain(): Promise<void> {
    for (let i = 0; i < 50 && (await h().enclave.platform.events.relayOnce()) > 0; i++);
  }

  async function join(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await api<{ member_id: string }>(
        "POST",
        "/v1/members",
        {
          phone: `1391${String(process.pid % 1000).padStart(3, "0")}${String(++phones).padStart(4, "0")}`,
          channel: "api",
        },
        brand.writeKey,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.member_id);
    }
    return ids;
  }

  async function buy(memberId: string, paidMinor: number): Promise<void> {
    const res = await api(
      "POST",
      "/v1/orders",
      {
        channel: "pos",
        external_id: `cmp-${process.pid}-${++orders}`,
        member: { member_id: memberId },
        currency: "CNY",
        ordered_at: clock.now().toISOString(),
        lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: paidMinor }],
        paid_minor: paidMinor,
      },
      brand.writeKey,
    );
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  }

  async function template(code: string, amountMinor: number): Promise<string> {
    const res = await api<{ template_id: string }>("POST", "/v1/coupon-templates", {
      code,
      name: code,
      benefit: { kind: "amount_off", amount_minor: amountMinor },
      validity: { kind: "relative", days: 30 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.template_id;
  }

  async function segmentOfEveryone(): Promise<string> {
    const recompute = await api("POST", "/v1/audience/recompute?facts=full");
    expect(recompute.status, JSON.stringify(recompute.body)).toBe(200);
    const res = await api<{ segment_id: string }>("POST", "/v1/audience/segments", {
      name: `everyone ${Math.random()}`,
      condition: { field: "member.status", op: "eq", value: "active" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.segment_id;
  }

  async function create(body: Record<string, unknown>): Promise<Campaign> {
    const res = await api<Campaign>("POST", "/v1/campaigns", { name: "Test", ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function launch(id: string): Promise<Campaign> {
    const res = await api<Campaign>("POST", `/v1/campaigns/${id}/launch`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  async function assignments(id: string): Promise<Assignment[]> {
    const res = await api<{ items: Assignment[] }>("GET", `/v1/campaigns/${id}/assignments?limit=500`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items;
  }

  async function couponsOf(memberId: string): Promise<{ coupon_id: string; template_id: string }[]> {
    const res = await api<{ items: { coupon_id: string; template_id: string }[] }>(
      "GET",
      `/v1/members/${memberId}/coupons?status=all`,
      undefined,
      brand.readKey,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.items;
  }

  it("gives a welcome coupon on joining to the treated arm only, once however often the event comes", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const welcome = await template("WELCOME", 1000);
    const campaign = await create({
      trigger: { kind: "event", event: "member.joined" },
      actions: [{ kind: "issue_coupon", template_id: welcome }],
      holdout_percent: 50,
    });
    expect(campaign.status).toBe("draft");
    await launch(campaign.campaign_id);

    const members = await join(16);
    await drain();
    const reached = await assignments(campaign.campaign_id);
    expect(reached.map((a) => a.member_id).sort()).toEqual([...members].sort());
    const treated = reached.filter((a) => a.arm === "treatment");
    const holdout = reached.filter((a) => a.arm === "holdout");
    expect(treated.length).toBeGreaterThan(0);
    expect(holdout.length).toBeGreaterThan(0);
    for (const a of treated) expect(await couponsOf(a.member_id)).toHaveLength(1);
    for (const a of holdout) expect(await couponsOf(a.member_id)).toHaveLength(0);

    // The relay delivers at least once: the same events again change nothing.
    await h()
      .enclave.platform.database.db.updateTable("outbox")
      .set({ relayed_at: null })
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "member.joined")
      .execute();
    await drain();
    expect(await assignments(campaign.campaign_id)).toHaveLength(members.length);
    for (const a of treated) expect(await couponsOf(a.member_id)).toHaveLength(1);
    const after = await api<Campaign>("GET", `/v1/campaigns/${campaign.campaign_id}`);
    expect(after.body.spent.coupons).toBe(treated.length);
  });

  it("lists every problem of a campaign that names what does not exist, with its pointer", async () => {
    const res = await api("POST", "/v1/campaigns", {
      name: "Broken",
      trigger: { kind: "schedule", cron: "0 25 * * *", segment_id: "seg_nope" },
      actions: [
        { kind: "issue_coupon", template_id: "ctpl_nope" },
        { kind: "add_tag", tag_id: "tag_nope" },
      ],
      starts_at: "2030-01-02T00:00:00Z",
      ends_at: "2030-01-01T00:00:00Z",
    });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual([
      "/trigger/cron",
      "/trigger/segment_id",
      "/actions/0/template_id",
      "/actions/1/tag_id",
      "/ends_at",
    ]);
    const badCondition = await api("POST", "/v1/campaigns", {
      name: "Bad condition",
      trigger: { kind: "event", event: "member.joined" },
      condition: { field: "orders.nope", op: "eq", value: 1 },
      actions: [{ kind: "grant_points", points: 10 }],
    });
    expect(badCondition.status).toBe(400);
    expect(badCondition.body.field).toBe("/condition/field");
  });

  it("clears a draft's condition with null", async () => {
    const campaign = await create({
      trigger: { kind: "event", event: "member.joined" },
      condition: { field: "orders.count", op: "gte", value: 3 },
      actions: [{ kind: "grant_points", points: 10 }],
    });
    expect(campaign).toMatchObject({ condition: { field: "orders.count" } });
    const cleared = await api<Campaign & { condition: unknown }>(
      "PATCH",
      `/v1/campaigns/${campaign.campaign_id}`,
      {
        condition: null,
      },
    );
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.condition).toBeNull();
  });

  it("moves through its lifecycle and refuses changes while live", async () => {
    const campaign = await create({
      trigger: { kind: "event", event: "order.first" },
      actions: [{ kind: "grant_points", points: 10 }],
      starts_at: new Date(START.getTime() + DAY_MS).toISOString(),
    });
    const id = campaign.campaign_id;
    expect((await launch(id)).status).toBe("scheduled");
    const edit = await api("PATCH", `/v1/campaigns/${id}`, { name: "Renamed" });
    expect(edit.status).toBe(422);
    expect((await api<Campaign>("POST", `/v1/campaigns/${id}/pause`)).body.status).toBe("paused");
    const renamed = await api<Campaign & { name: string }>("PATCH", `/v1/campaigns/${id}`, {
      name: "Renamed",
    });
    expect(renamed.body.name).toBe("Renamed");
    expect((await api<Campaign>("POST", `/v1/campaigns/${id}/resume`)).body.status).toBe("scheduled");
    expect((await api("POST", `/v1/campaigns/${id}/launch`)).status).toBe(422);
    const ended = await api<Campaign>("POST", `/v1/campaigns/${id}/end`);
    expect(ended.body).toMatchObject({ status: "ended", ended_reason: "ended_by_operator" });
    const other = await h().newBrand();
    expect((await api("GET", `/v1/campaigns/${id}`, undefined, other.ownerToken)).status).toBe(404);
  });

  it("tags, gives a pack and points on every first order only, and ends when its window closes", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const group = await api<{ group_id: string }>("POST", "/v1/audience/tag-groups", {
      name: "Lifecycle",
      dimension: "custom",
    });
    const tag = await api<{ tag_id: string }>("POST", "/v1/audience/tags", {
      group_id: group.body.group_id,
      name: "First buyers",
      kind: "manual",
    });
    expect(tag.status, JSON.stringify(tag.body)).toBe(201);
    const a = await template("PACK_A", 500);
    const b = await template("PACK_B", 800);
    const pack = await api<{ pack_id: string }>("POST", "/v1/coupon-packs", {
      code: "FIRST",
      name: "First order pack",
      items: [
        { template_id: a, quantity: 2 },
        { template_id: b, quantity: 1 },
      ],
    });
    expect(pack.status, JSON.stringify(pack.body)).toBe(201);
    const campaign = await create({
      trigger: { kind: "event", event: "order.first" },
      actions: [
        { kind: "add_tag", tag_id: tag.body.tag_id },
        { kind: "issue_pack", pack_id: pack.body.pack_id },
        { kind: "grant_points", points: 50, reason: "Thanks for your first order" },
      ],
      once_per_member: false,
      holdout_percent: 0,
      ends_at: new Date(START.getTime() + DAY_MS).toISOString(),
    });
    await launch(campaign.campaign_id);

    const [buyer] = await join(1);
    await buy(buyer ?? "", 2000);
    clock.advance(60_000);
    await buy(buyer ?? "", 2000);
    await drain();
    const reached = await assignments(campaign.campaign_id);
    expect(reached).toMatchObject([{ member_id: buyer, outcome: "acted", coupons: 3, points: 50 }]);
    expect(await couponsOf(buyer ?? "")).toHaveLength(3);
    const tags = await api<{ items: { tag_id: string }[] }>("GET", `/v1/members/${buyer}/tags`);
    expect(tags.body.items.map((t) => t.tag_id)).toEqual([tag.body.tag_id]);

    clock.advance(DAY_MS + 60_000);
    await runScheduler(h().enclave.platform.database.db, () => clock.now(), undefined);
    const ended = await api<Campaign>("GET", `/v1/campaigns/${campaign.campaign_id}`);
    expect(ended.body).toMatchObject({
      status: "ended",
      ended_reason: "ends_at_passed",
      spent: { coupons: 3, points: 50 },
    });
  });

  it("dry-runs a scheduled campaign without side effects, then runs it once per member", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const members = await join(30);
    const segment = await segmentOfEveryone();
    const coupon = await template("RECALL", 1500);
    const campaign = await create({
      trigger: { kind: "schedule", cron: "0 10 * * 2,5", segment_id: segment },
      actions: [
        { kind: "issue_coupon", template_id: coupon },
        { kind: "grant_points", points: 100 },
      ],
      holdout_percent: 30,
      budget: { max_points: 100_000 },
    });
    const id = campaign.campaign_id;
    const dry = await api<{
      audience: number;
      would_reach: number;
      holdout: number;
      treated: number;
      sample_member_ids: string[];
      estimated: { coupons: number; points: number; coupon_value_minor: number };
      budget_covers: number;
    }>("GET", `/v1/campaigns/${id}/dry-run`);
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.audience).toBe(members.length);
    expect(dry.body.holdout + dry.body.treated).toBe(members.length);
    expect(dry.body.holdout).toBeGreaterThan(0);
    expect(dry.body.estimated).toMatchObject({
      coupons: dry.body.treated,
      points: dry.body.treated * 100,
      coupon_value_minor: dry.body.treated * 1500,
    });
    expect(dry.body.budget_covers).toBe(1000);
    expect(dry.body.sample_member_ids.length).toBeGreaterThan(0);
    expect(await assignments(id)).toEqual([]);

    // A draft does not run.
    expect((await api("POST", `/v1/campaigns/${id}/runs`)).status).toBe(422);
    await launch(id);
    const run = await api<{ status: string; assigned: number }>("POST", `/v1/campaigns/${id}/runs`);
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body).toMatchObject({ status: "done", assigned: members.length });
    const reached = await assignments(id);
    expect(reached.filter((a) => a.arm === "holdout")).toHaveLength(dry.body.holdout);
    const treated = reached.filter((a) => a.arm === "treatment");
    expect(treated.every((a) => a.coupons === 1 && a.points === 100)).toBe(true);
    const balance = await api<{ available: number }>("GET", `/v1/members/${treated[0]?.member_id}/points`);
    expect(balance.body.available).toBe(100);

    // Once per member: a second pass reaches no one again.
    clock.advance(60_000);
    const again = await api<{ assigned: number }>("POST", `/v1/campaigns/${id}/runs`);
    expect(again.body.assigned).toBe(0);
    const redry = await api<{ already_reached: number; would_reach: number }>(
      "GET",
      `/v1/campaigns/${id}/dry-run`,
    );
    expect(redry.body).toMatchObject({ already_reached: members.length, would_reach: 0 });
  });

  it("runs a schedule at its brand-local minute from the scheduler job", async () => {
    clock.set(START);
    brand = await h().newBrand();
    await join(5);
    const segment = await segmentOfEveryone();
    // The next 10:00 in Shanghai after START.
    const next10 = new Date(Math.ceil((START.getTime() - 2 * 3_600_000) / DAY_MS) * DAY_MS + 2 * 3_600_000);
    const due = next10 <= START ? new Date(next10.getTime() + DAY_MS) : next10;
    const campaign = await create({
      trigger: { kind: "schedule", cron: "0 10 * * *", segment_id: segment },
      actions: [{ kind: "grant_points", points: 5 }],
      once_per_member: false,
      holdout_percent: 0,
    });
    await launch(campaign.campaign_id);
    // Launched ahead of a start that falls just after the due minute: it must not catch up on that minute.
    const later = await create({
      trigger: { kind: "schedule", cron: "0 10 * * *", segment_id: segment },
      actions: [{ kind: "grant_points", points: 5 }],
      holdout_percent: 0,
      starts_at: new Date(due.getTime() + 60_000).toISOString(),
    });
    expect((await launch(later.campaign_id)).status).toBe("scheduled");
    const database = h().enclave.platform.database.db;
    clock.set(new Date(due.getTime() - 60_000));
    await runScheduler(database, () => clock.now(), undefined);
    expect(await assignments(campaign.campaign_id)).toEqual([]);
    clock.set(new Date(due.getTime() + 30_000));
    const report = await runScheduler(database, () => clock.now(), undefined);
    expect(report.started).toBeGreaterThanOrEqual(1);
    const reached = await assignments(campaign.campaign_id);
    expect(reached).toHaveLength(5);
    // The same minute seen again starts nothing new.
    await runScheduler(database, () => clock.now(), undefined);
    expect(await assignments(campaign.campaign_id)).toHaveLength(reached.length);
    clock.set(new Date(due.getTime() + 3 * 60_000));
    await runScheduler(database, () => clock.now(), undefined);
    expect((await api<Campaign>("GET", `/v1/campaigns/${later.campaign_id}`)).body.status).toBe("active");
    expect(await assignments(later.campaign_id)).toEqual([]);
  });

  it("stops when the budget is spent and skips members over the brand's frequency cap", async () => {
    clock.set(START);
    brand = await h().newBrand();
    await join(12);
    const segment = await segmentOfEveryone();
    const capped = await create({
      trigger: { kind: "schedule", cron: "0 10 * * *", segment_id: segment },
      actions: [{ kind: "grant_points", points: 100 }],
      holdout_percent: 0,
      budget: { max_points: 250 },
    });
    await launch(capped.campaign_id);
    const run = await api<{ status: string }>("POST", `/v1/campaigns/${capped.campaign_id}/runs`);
    expect(run.body.status).toBe("stopped");
    const after = await api<Campaign>("GET", `/v1/campaigns/${capped.campaign_id}`);
    expect(after.body).toMatchObject({
      status: "ended",
      ended_reason: "budget_spent",
      spent: { points: 200 },
    });
    expect((await assignments(capped.campaign_id)).filter((a) => a.outcome === "acted")).toHaveLength(2);
    const announced = await h()
      .enclave.platform.database.db.selectFrom("outbox")
      .select("payload")
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "campaign.ended")
      .execute();
    expect(announced.map((e) => e.payload)).toMatchObject([
      { campaign_id: capped.campaign_id, reason: "budget_spent" },
    ]);

    // Two campaigns with a cap of one action a week: those acted on above are capped in the second.
    const second = await create({
      trigger: { kind: "schedule", cron: "0 10 * * *", segment_id: segment },
      actions: [{ kind: "grant_points", points: 1 }],
      holdout_percent: 0,
      frequency_cap: { max_actions: 1, period_days: 7 },
    });
    await launch(second.campaign_id);
    await api("POST", `/v1/campaigns/${second.campaign_id}/runs`);
    const outcomes = await assignments(second.campaign_id);
    expect(outcomes.filter((a) => a.outcome === "capped")).toHaveLength(2);
    expect(outcomes.filter((a) => a.outcome === "acted")).toHaveLength(10);
  });

  it("reaches members on their birthday and before their points or coupons expire, once per date", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const [birthday, points, coupon, nobody] = await join(4);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(clock.now());
    const patch = await api("PATCH", `/v1/members/${birthday}`, { birthday: `1990-${today.slice(5)}` });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    await api("PATCH", `/v1/members/${nobody}`, {
      birthday: today.slice(5) === "06-15" ? "1990-06-16" : "1990-06-15",
    });
    const program = await api("PATCH", "/v1/points/program", { expiry: { kind: "rolling_days", days: 5 } });
    expect(program.status, JSON.stringify(program.body)).toBe(200);
    const grant = await api("POST", `/v1/members/${points}/points/adjustments`, {
      amount: 300,
      reason: "test grant",
    });
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    const soon = await template("SOON", 500);
    expect(soon).toMatch(/^ctpl_/);
    const issued = await api("POST", `/v1/members/${coupon}/coupons`, { template_code: "SOON" });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect((await api("POST", "/v1/audience/recompute?facts=full")).status).toBe(200);

    const reachedBy = async (date: string, days_before: number) => {
      const campaign = await create({
        trigger: { kind: "date", date, days_before },
        actions: [{ kind: "grant_points", points: 1 }],
        once_per_member: false,
        holdout_percent: 0,
      });
      await launch(campaign.campaign_id);
      const first = await api<{ status: string }>("POST", `/v1/campaigns/${campaign.campaign_id}/runs`);
      expect(first.body.status).toBe("done");
      clock.advance(60_000);
      await api("POST", `/v1/campaigns/${campaign.campaign_id}/runs`);
      return (await assignments(campaign.campaign_id)).map((a) => a.member_id);
    };
    expect(await reachedBy("birthday", 0)).toEqual([birthday]);
    expect(await reachedBy("points_expiring", 7)).toEqual([points]);
    expect(await reachedBy("points_expiring", 2)).toEqual([]);
    // The coupon template's validity is 30 days: due within 31, not within 7.
    expect(await reachedBy("coupon_expiring", 31)).toEqual([coupon]);
    expect(await reachedBy("coupon_expiring", 7)).toEqual([]);
  });

  it("attributes orders and redemptions within the window and reports uplift against the holdout", async () => {
    clock.set(START);
    brand = await h().newBrand();
    await join(40);
    const segment = await segmentOfEveryone();
    const coupon = await template("BACK", 2000);
    const campaign = await create({
      trigger: { kind: "schedule", cron: "0 10 * * *", segment_id: segment },
      actions: [{ kind: "issue_coupon", template_id: coupon }],
      holdout_percent: 50,
      attribution_days: 7,
    });
    await launch(campaign.campaign_id);
    await api("POST", `/v1/campaigns/${campaign.campaign_id}/runs`);
    const reached = await assignments(campaign.campaign_id);
    const treated = reached.filter((a) => a.arm === "treatment").map((a) => a.member_id);
    const holdout = reached.filter((a) => a.arm === "holdout").map((a) => a.member_id);

    clock.advance(DAY_MS);
    // Every treated member buys, one of them with the coupon; one holdout member buys.
    for (const m of treated.slice(1)) await buy(m, 5000);
    await buy(holdout[0] ?? "", 3000);
    const redeemer = treated[0] ?? "";
    const [held] = await couponsOf(redeemer);
    const cart = {
      currency: "CNY",
      channel: "pos",
      lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 5000 }],
    };
    const commit = await api(
      "POST",
      "/v1/checkout/commit",
      {
        order_id: `cmp-redeem-${process.pid}-${Math.random()}`,
        member_id: redeemer,
        cart,
        coupons: [held?.coupon_id],
        expected_payable_minor: 3000,
      },
      brand.writeKey,
    );
    expect(commit.status, JSON.stringify(commit.body)).toBe(201);
    await buy(redeemer, 3000);
    // Outside the window: not attributed.
    clock.advance(10 * DAY_MS);
    await buy(holdout[1] ?? "", 9999);

    const res = await api<Results>("GET", `/v1/campaigns/${campaign.campaign_id}/results`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.reached).toBe(40);
    expect(res.body.treatment).toMatchObject({
      members: treated.length,
      converters: treated.length,
      orders: treated.length,
      revenue_minor: (treated.length - 1) * 5000 + 3000,
    });
    expect(res.body.holdout).toMatchObject({ members: holdout.length, converters: 1, revenue_minor: 3000 });
    expect(res.body.actions).toMatchObject({ coupons_issued: treated.length, coupons_redeemed: 1 });
    const expected = 1 - 1 / holdout.length;
    expect(res.body.uplift?.difference).toBeCloseTo(expected, 5);
    expect(res.body.uplift?.ci95_low).toBeLessThan(expected);
    expect(res.body.uplift?.ci95_high).toBeGreaterThan(expected);

    const wider = await api<Results>(
      "GET",
      `/v1/campaigns/${campaign.campaign_id}/results?attribution_days=30`,
    );
    expect(wider.body.holdout).toMatchObject({ converters: 2, revenue_minor: 3000 + 9999 });
  });

  it("follows a merge: the absorbed member's assignments and orders count for the survivor, in one arm", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const [survivor] = await join(1);
    clock.advance(60_000);
    const coupon = await template("MERGE", 500);
    const welcome = await create({
      trigger: { kind: "event", event: "member.joined" },
      actions: [{ kind: "issue_coupon", template_id: coupon }],
      holdout_percent: 50,
    });
    await launch(welcome.campaign_id);
    const [absorbed] = await join(1);
    await drain();
    const [before] = await assignments(welcome.campaign_id);
    expect(before?.member_id).toBe(absorbed);

    const merged = await api("POST", `/v1/members/${survivor}/merge`, { member_id: absorbed });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    await drain();
    const [after] = await assignments(welcome.campaign_id);
    expect(after).toMatchObject({ member_id: survivor, arm: before?.arm });
    clock.advance(DAY_MS);
    await buy(survivor ?? "", 2500);
    const results = await api<Results>("GET", `/v1/campaigns/${welcome.campaign_id}/results`);
    expect(results.body.reached).toBe(1);
    expect(results.body[before?.arm ?? "treatment"]).toMatchObject({
      members: 1,
      converters: 1,
      revenue_minor: 2500,
    });
  });

  it("reacts to a stage change with the silent-member playbook, installed in one click", async () => {
    clock.set(START);
    brand = await h().newBrand();
    const list = await api<{ items: { key: string }[] }>("GET", "/v1/campaigns/playbooks");
    expect(list.body.items.map((p) => p.key)).toEqual([
      "newcomer_journey",
      "important_member_care",
      "silent_member_recall",
      "lost_member_winback",
      "birthday_gift",
      "points_expiry_reminder",
    ]);
    const journey = await api<{ items: Campaign[] }>(
      "POST",
      "/v1/campaigns/playbooks/newcomer_journey/install",
    );
    expect(journey.status, JSON.stringify(journey.body)).toBe(201);
    expect(journey.body.items.map((c) => c.status)).toEqual(["draft", "draft"]);
    for (const key of [
      "important_member_care",
      "lost_member_winback",
      "birthday_gift",
      "points_expiry_reminder",
    ])
      expect((await api("POST", `/v1/campaigns/playbooks/${key}/install`)).status).toBe(201);
    expect((await api("POST", "/v1/campaigns/playbooks/nope/install")).status).toBe(404);

    const installed = await api<{ items: Campaign[] }>(
      "POST",
      "/v1/campaigns/playbooks/silent_member_recall/install",
    );
    const recall = installed.body.items[0];
    expect(recall).toMatchObject({ playbook: "silent_member_recall", status: "draft" });
    expect(recall?.actions.map((a) => a.kind)).toEqual(["issue_coupon", "send_message"]);
    await api("PATCH", `/v1/campaigns/${recall?.campaign_id}`, { holdout_percent: 0 });
    const early = await api("POST", `/v1/campaigns/${recall?.campaign_id}/launch`);
    expect(early.body).toMatchObject({ status: 422, field: "/actions/1/template_code" });
    const sms = await api("POST", "/v1/message-templates", {
      code: "silent_recall",
      name: "Silent recall",
      category: "marketing",
      contents: { sms: { "zh-CN": { body: "{{member.name}}，好久不见，送您一张 7 天内有效的券" } } },
    });
    expect(sms.status, JSON.stringify(sms.body)).toBe(201);
    await launch(recall?.campaign_id ?? "");

    const [silent, lost] = await join(2);
    const database = h().enclave.platform.database.db;
    await database.transaction().execute(async (tx) => {
      for (const [member, to] of [
        [silent, "silent"],
        [lost, "lost"],
      ] as const) {
        await recordEvent(tx, {
          tenantId: brand.tenantId,
          type: "member.stage_changed",
          subjectId: member ?? null,
          payload: { member_id: member, from: "active", to, important: false },
        });
      }
    });
    await drain();
    const reached = await assignments(recall?.campaign_id ?? "");
    expect(reached.map((a) => a.member_id)).toEqual([silent]);
    const coupons = await couponsOf(silent ?? "");
    expect(coupons.map((c) => c.template_id)).toEqual([recall?.actions[0]?.template_id]);
    // The SMS was asked of messaging, which recorded it with the campaign (consent and channel decide its fate).
    const results = await api<Results & { messages: Record<string, number> }>(
      "GET",
      `/v1/campaigns/${recall?.campaign_id}/results`,
    );
    expect(results.body.actions).toMatchObject({ coupons_issued: 1 });
    expect(Object.values(results.body.messages).reduce((a, b) => a + b, 0)).toBe(1);
    const messages = await api<{ items: { member_id: string; campaign_id: string }[] }>(
      "GET",
      `/v1/messages?campaign_id=${recall?.campaign_id}`,
    );
    expect(messages.body.items).toMatchObject([{ member_id: silent, campaign_id: recall?.campaign_id }]);
  });
});
