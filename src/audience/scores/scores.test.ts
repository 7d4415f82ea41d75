import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../../test/support/harness.ts";
import { fixedClock } from "../../platform/clock.ts";
import { joinedMember, outboxEvents, purchase } from "../audience.test-support.ts";
import { reevaluateDirtyMembers } from "../incremental.ts";
import { recomputeAudience } from "../recompute.ts";
import { DEFAULT_AUDIENCE_SETTINGS } from "../settings.ts";
import { stageOf } from "./lifecycle.ts";
import { rescoreMembers } from "./rescore.ts";
import {
  breakpointsOf,
  isImportant,
  rfmGroup,
  scoreHigherBetter,
  scoreLowerBetter,
  scoreRfm,
} from "./rfm.ts";

const DAY = 86_400_000;
const START = new Date("2026-06-01T04:00:00.000Z");
const ago = (days: number, from = START) => new Date(from.getTime() - days * DAY);

describe("RFM and lifecycle rules", () => {
  it("takes quintile breakpoints as PostgreSQL's percentile_disc does", () => {
    expect(breakpointsOf([250, 10, 95, 20])).toEqual([10, 20, 95, 250]);
    expect(breakpointsOf([1, 1, 2, 3])).toEqual([1, 1, 2, 3]);
    expect(breakpointsOf([])).toEqual([]);
  });

  it("scores equal values equally, recency with lower better", () => {
    expect([1, 2, 3].map((v) => scoreHigherBetter(v, [1, 1, 2, 3]))).toEqual([1, 3, 4]);
    expect([10, 20, 95, 250].map((v) => scoreLowerBetter(v, [10, 20, 95, 250]))).toEqual([5, 4, 3, 2]);
  });

  it("names the grid's cells and leaves members without a purchase in the window unscored", () => {
    expect(rfmGroup(5, 5)).toBe("champions");
    expect(rfmGroup(5, 1)).toBe("new_customers");
    expect(rfmGroup(1, 5)).toBe("cant_lose");
    expect(rfmGroup(1, 1)).toBe("hibernating");
    expect(
      scoreRfm(
        { recency_days: 400, frequency: 0, monetary_minor: 0 },
        { recency_days: [], frequency: [], monetary: [] },
      ),
    ).toBeUndefined();
  });

  it("calls a member important when all three scores meet the brand's thresholds", () => {
    const scores = { r_score: 2, f_score: 3, m_score: 4, rfm_group: "at_risk" as const };
    expect(isImportant(scores, { min_r_score: 1, min_f_score: 1, min_m_score: 4 })).toBe(true);
    expect(isImportant(scores, { min_r_score: 3, min_f_score: 1, min_m_score: 4 })).toBe(false);
    expect(isImportant(undefined, { min_r_score: 1, min_f_score: 1, min_m_score: 1 })).toBe(false);
  });

  it("stages: prospect without purchase, new within new_days of the first, silent and lost at their cutoffs", () => {
    const stages = DEFAULT_AUDIENCE_SETTINGS.stages;
    const history = (first: number, last: number) => ({
      orders_count: 1,
      first_order_at: ago(first),
      last_order_at: ago(last),
    });
    expect(stageOf({ orders_count: 0, first_order_at: null, last_order_at: null }, START, stages)).toBe(
      "prospect",
    );
    expect(stageOf(history(30, 30), START, stages)).toBe("new");
    expect(stageOf(history(31, 5), START, stages)).toBe("active");
    expect(stageOf(history(200, 89), START, stages)).toBe("active");
    expect(stageOf(history(200, 90), START, stages)).toBe("silent");
    expect(stageOf(history(200, 180), START, stages)).toBe("lost");
  });
});

describeEachDatabase("Scores and stages", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  let brand: Brand;
  const m: Record<"prospect" | "fresh" | "regular" | "quiet" | "gone", string> = {
    prospect: "",
    fresh: "",
    regular: "",
    quiet: "",
    gone: "",
  };

  beforeAll(async () => {
    brand = await h().newBrand();
    m.prospect = await joinedMember(h(), brand, START, 300);
    m.fresh = await joinedMember(h(), brand, START, 400);
    m.regular = await joinedMember(h(), brand, START, 400);
    m.quiet = await joinedMember(h(), brand, START, 400);
    m.gone = await joinedMember(h(), brand, START, 400);
    await purchase(h(), brand, m.fresh, START, 10);
    for (const days of [200, 100, 20]) await purchase(h(), brand, m.regular, START, days);
    for (const days of [150, 95]) await purchase(h(), brand, m.quiet, START, days);
    await purchase(h(), brand, m.gone, START, 250);
    // The joins and orders above marked their members; the batch run makes those marks moot.
    while ((await h().enclave.platform.events.relayOnce()) > 0);
    await recomputeAudience(h().enclave.platform.database.db, brand.tenantId, START);
  });

  const scoresOf = async (memberId: string) =>
    (
      await h().api<{
        stage: string;
        important: boolean;
        rfm: { r: number; f: number; m: number; group: string; recency_days: number };
      }>("GET", `/v1/members/${memberId}/scores`, { token: brand.readKey })
    ).body;

  it("classifies every member by their purchases and the brand's thresholds", async () => {
    expect((await scoresOf(m.prospect)).stage).toBe("prospect");
    expect((await scoresOf(m.fresh)).stage).toBe("new");
    expect((await scoresOf(m.regular)).stage).toBe("active");
    expect((await scoresOf(m.quiet)).stage).toBe("silent");
    expect((await scoresOf(m.gone)).stage).toBe("lost");
    const counts = await h().api<{ stages: { stage: string; members: number }[]; important: number }>(
      "GET",
      "/v1/audience/stages",
      { token: brand.ownerToken },
    );
    expect(counts.body.stages).toEqual([
      { stage: "prospect", members: 1 },
      { stage: "new", members: 1 },
      { stage: "active", members: 1 },
      { stage: "silent", members: 1 },
      { stage: "lost", members: 1 },
    ]);
  });

  it("scores RFM against the brand's quintiles and places members on the grid", async () => {
    expect((await scoresOf(m.fresh)).rfm).toMatchObject({
      r: 5,
      f: 1,
      m: 1,
      group: "new_customers",
      recency_days: 10,
    });
    expect((await scoresOf(m.regular)).rfm).toMatchObject({ r: 4, f: 4, m: 4, group: "loyal" });
    expect((await scoresOf(m.quiet)).rfm).toMatchObject({ r: 3, f: 3, m: 3, group: "need_attention" });
    expect((await scoresOf(m.gone)).rfm).toMatchObject({ r: 2, f: 1, m: 1, group: "hibernating" });
    expect((await scoresOf(m.regular)).important).toBe(true);
    expect((await scoresOf(m.quiet)).important).toBe(false);
    const grid = await h().api<{
      cells: { r: number; f: number; members: number }[];
      unscored: number;
      breakpoints: { recency_days: number[] };
    }>("GET", "/v1/audience/rfm-grid", { token: brand.readKey });
    expect(grid.body.cells).toHaveLength(25);
    expect(grid.body.cells.find((c) => c.r === 4 && c.f === 4)?.members).toBe(1);
    expect(grid.body.unscored).toBe(1);
    expect(grid.body.breakpoints.recency_days).toEqual([10, 20, 95, 250]);
  });

  it("re-scores members between runs exactly as the batch did", async () => {
    const db = h().enclave.platform.database.db;
    const before = await db
      .selectFrom("audience_member_scores")
      .selectAll()
      .where("tenant_id", "=", brand.tenantId)
      .orderBy("member_id")
      .execute();
    const result = await db
      .transaction()
      .execute((tx) =>
        rescoreMembers(tx, brand.tenantId, Object.values(m), DEFAULT_AUDIENCE_SETTINGS, START),
      );
    const after = await db
      .selectFrom("audience_member_scores")
      .selectAll()
      .where("tenant_id", "=", brand.tenantId)
      .orderBy("member_id")
      .execute();
    expect(result).toEqual({ events: [], changed: 0 });
    expect(after).toEqual(before);
  });

  it("records a stage change as an event and history, but not a member's first classification", async () => {
    const db = h().enclave.platform.database.db;
    expect(await outboxEvents(db, brand.tenantId, "member.stage_changed")).toEqual([]);
    const later = new Date(START.getTime() + 80 * DAY);
    clock.set(later);
    await recomputeAudience(db, brand.tenantId, later);
    const events = await outboxEvents(db, brand.tenantId, "member.stage_changed");
    expect(
      events.map((e) => e.payload).sort((a, b) => String(a.member_id).localeCompare(String(b.member_id))),
    ).toEqual(
      [
        { member_id: m.fresh, from: "new", to: "silent", important: false },
        { member_id: m.regular, from: "active", to: "silent", important: expect.any(Boolean) },
      ].sort((a, b) => a.member_id.localeCompare(b.member_id)),
    );
    const history = await db
      .selectFrom("audience_stage_history")
      .select(["member_id", "from_stage", "to_stage"])
      .where("tenant_id", "=", brand.tenantId)
      .execute();
    // The quiet member's last purchase is now 175 days old: still silent (lost at 180), so no event for them.
    expect(history).toHaveLength(2);
    expect((await scoresOf(m.quiet)).stage).toBe("silent");
  });

  it("brings a silent member back to active within the incremental re-evaluation after their order", async () => {
    const platform = h().enclave.platform;
    const now = clock.now();
    await purchase(h(), brand, m.fresh, now, 0);
    while ((await platform.events.relayOnce()) > 0);
    const dirty = await platform.database.db
      .selectFrom("audience_dirty_members")
      .select(["member_id", "topics"])
      .where("tenant_id", "=", brand.tenantId)
      .execute();
    expect(dirty).toEqual([{ member_id: m.fresh, topics: ["orders", "points", "tier"] }]);
    expect(await reevaluateDirtyMembers(platform.database.db, () => now)).toBe(1);
    expect((await scoresOf(m.fresh)).stage).toBe("active");
    const events = await outboxEvents(platform.database.db, brand.tenantId, "member.stage_changed");
    expect(events.at(-1)?.payload).toMatchObject({ member_id: m.fresh, from: "silent", to: "active" });
  });

  it("refreshes, in the nightly run, the facts of members marked by events and clears their marks", async () => {
    const platform = h().enclave.platform;
    const now = clock.now();
    const before = await platform.database.db
      .selectFrom("audience_member_facts")
      .select("orders_count")
      .where("member_id", "=", m.gone)
      .executeTakeFirstOrThrow();
    await purchase(h(), brand, m.gone, now, 0);
    while ((await platform.events.relayOnce()) > 0);
    const report = await recomputeAudience(platform.database.db, brand.tenantId, now, { facts: "changed" });
    expect(report.facts).toBe("changed");
    const after = await platform.database.db
      .selectFrom("audience_member_facts")
      .select("orders_count")
      .where("member_id", "=", m.gone)
      .executeTakeFirstOrThrow();
    expect(after.orders_count).toBe(before.orders_count + 1);
    expect((await scoresOf(m.gone)).stage).toBe("active");
    const marks = await platform.database.db
      .selectFrom("audience_dirty_members")
      .select("member_id")
      .where("tenant_id", "=", brand.tenantId)
      .execute();
    expect(marks).toEqual([]);
  });

  it("refuses thresholds that do not order the stages, naming the field", async () => {
    const bad = await h().api<{ code: string; field: string }>("PATCH", "/v1/audience/settings", {
      token: brand.writeKey,
      body: { stages: { new_days: 120 } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe("/stages/new_days");
    const ok = await h().api<{ stages: { silent_days: number; lost_days: number } }>(
      "PATCH",
      "/v1/audience/settings",
      { token: brand.writeKey, body: { stages: { silent_days: 60 } } },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.stages).toEqual({ new_days: 30, silent_days: 60, lost_days: 180 });
    const readOnly = await h().api("PATCH", "/v1/audience/settings", {
      token: brand.readKey,
      body: { rfm_window_days: 90 },
    });
    expect(readOnly.status).toBe(403);
  });
});
