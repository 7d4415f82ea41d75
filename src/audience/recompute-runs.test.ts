import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { createApiKey } from "../access/service.ts";
import { loadDemo } from "../demo/load.ts";
import { phaseWeights, runPercent } from "./recompute-runs.ts";

interface Run {
  run_id: string;
  status: string;
  phase: string | null;
  phases_done: number;
  percent: number;
  report: { members?: number; phases_ms?: Record<string, number> } | null;
  finished_at: string | null;
}

async function untilEnded(
  api: <T>(method: "GET", url: string) => Promise<{ body: T }>,
  runId: string,
): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const run = await api<Run>("GET", `/v1/audience/recompute-runs/${runId}`);
    if (run.body.status !== "running") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeEachDatabase("The recompute in the background", (db) => {
  const h = useEnclave(db);

  it("answers at once, moves through the phases and ends with the report; one run at a time per brand", async () => {
    const database = h().enclave.platform.database;
    const demo = await loadDemo(database, { slug: `demo-runs-${process.pid}`, members: 120, seed: 3 });
    const key = (await createApiKey(database.db, demo.tenant_id, { name: "runs", scope: "write" })).key;
    const api = <T>(method: "GET" | "POST", url: string, body?: unknown) =>
      h().api<T>(method, url, { token: key, ...(body !== undefined ? { body } : {}) });

    const started = await api<Run>("POST", "/v1/audience/recompute-runs", { facts: "full" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: "running", phases_done: 0, percent: 0, report: null });
    // Asking again while it runs answers with the same run. (The embedded database answers only once the first
    // run has ended, and a new run then starts.)
    const again = await api<Run>("POST", "/v1/audience/recompute-runs", {});
    if (again.body.run_id !== started.body.run_id) {
      const first = await api<Run>("GET", `/v1/audience/recompute-runs/${started.body.run_id}`);
      expect(first.body.status).toBe("succeeded");
    }

    const seen: Run[] = [];
    let run = started.body;
    for (let i = 0; i < 600 && run.status === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await api<Run>("GET", `/v1/audience/recompute-runs/${started.body.run_id}`)).body;
      seen.push(run);
    }
    expect(run).toMatchObject({ status: "succeeded", phases_done: 5, percent: 100, phase: null });
    expect(run.report?.members).toBe(120);
    expect(run.finished_at).not.toBeNull();
    // Progress never goes back.
    const percents = seen.map((r) => r.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    // The brand's scores are there, as after the synchronous recompute.
    const stages = await api<{ stages: { members: number }[] }>("GET", "/v1/audience/stages");
    expect(stages.body.stages.reduce((sum, s) => sum + s.members, 0)).toBe(120);

    await untilEnded(api, again.body.run_id);
    const listed = await api<{ items: Run[] }>("GET", "/v1/audience/recompute-runs");
    expect(listed.body.items[0]?.run_id).toBe(again.body.run_id);
    expect(listed.body.items.map((r) => r.run_id)).toContain(started.body.run_id);
  });

  it("shows a run to its own brand only, and to those who may configure it", async () => {
    const brand = await h().newBrand();
    const other = await h().newBrand();
    const started = await h().api<Run>("POST", "/v1/audience/recompute-runs", {
      token: brand.writeKey,
      body: {},
    });
    expect(started.status).toBe(202);
    const url = `/v1/audience/recompute-runs/${started.body.run_id}`;
    expect((await h().api("GET", url, { token: other.writeKey })).status).toBe(404);
    expect((await h().api("GET", url, { token: brand.readKey })).status).toBe(403);
    expect(
      (await h().api("POST", "/v1/audience/recompute-runs", { token: brand.readKey, body: {} })).status,
    ).toBe(403);
    expect(
      (await h().api("GET", "/v1/audience/recompute-runs/arun_nope", { token: brand.writeKey })).body,
    ).toMatchObject({ status: 404 });
    // Let it finish before the harness closes the database.
    await untilEnded((method, path) => h().api(method, path, { token: brand.writeKey }), started.body.run_id);
  });
});

it("weighs each phase by the time the last run gave it, and reaches 100 only on success", () => {
  const alike = phaseWeights(undefined);
  expect(Object.values(alike)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
  const weights = phaseWeights({ facts: 600, scores: 200, tags: 100, segments: 50, events: 50 });
  expect(weights.facts).toBeCloseTo(0.6);
  expect(runPercent({ status: "running", phases_done: 0 }, weights)).toBe(0);
  expect(runPercent({ status: "running", phases_done: 1 }, weights)).toBe(60);
  expect(runPercent({ status: "running", phases_done: 5 }, weights)).toBe(99);
  expect(runPercent({ status: "succeeded", phases_done: 5 }, weights)).toBe(100);
  expect(runPercent({ status: "failed", phases_done: 2 }, weights)).toBe(80);
});
