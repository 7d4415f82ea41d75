import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import { ledgerProblems, memberToken, newMember, pointsOf } from "./engagement.test-support.ts";

const START = new Date("2026-11-04T02:00:00Z");

describeEachDatabase("Engagement under concurrency", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });

  it("pays one check-in however many taps arrive at once", async () => {
    const brand = await h().newBrand();
    const member = await newMember(h(), brand);
    const token = await memberToken(h(), brand, member);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => h().api("POST", "/v1/me/checkins", { token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await pointsOf(h(), brand, member)).toBe(5);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("counts a reported event once when it is sent several times at once, and respects the cap", async () => {
    const brand = await h().newBrand();
    const task = await h().api("POST", "/v1/engagement/tasks", {
      token: brand.writeKey,
      body: {
        code: "FAV",
        name: "Favourite items",
        event_type: "item_favourited",
        period: "daily",
        max_completions_per_period: 3,
        reward_points: 7,
      },
    });
    expect(task.status).toBe(201);
    const member = await newMember(h(), brand);
    const send = (ref: string) =>
      h().api<{ replayed: boolean }>("POST", "/v1/engagement/events", {
        token: brand.writeKey,
        body: { member_id: member, type: "item_favourited", ref, occurred_at: START.toISOString() },
      });
    const same = await Promise.all(Array.from({ length: 5 }, () => send("fav-1")));
    expect(same.every((r) => r.status === 201)).toBe(true);
    expect(same.filter((r) => !r.body.replayed)).toHaveLength(1);
    await Promise.all(Array.from({ length: 6 }, (_, i) => send(`fav-${i + 2}`)));
    expect(await pointsOf(h(), brand, member)).toBe(21);
  });
});
