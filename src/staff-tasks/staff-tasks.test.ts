import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { recomputeAudience } from "../audience/recompute.ts";
import { buildOrg, drain, openCard, type Org, staffMember } from "../org/org.test-support.ts";
import { fixedClock } from "../platform/clock.ts";
import { remindAllLaggards } from "./jobs.ts";

const DAY = 86_400_000;

interface Totals {
  assignees: number;
  completed: number;
  done: number;
  target: number;
}
interface Progress {
  totals: Totals;
  units: (Totals & { org_unit_id: string; parent_id: string | null })[];
  assignees: { staff_id: string; done: number; lagging: boolean }[];
}

describeEachDatabase("HQ tasks", (database) => {
  const clock = fixedClock(new Date());
  const h = useEnclave(database, { clock });
  let brand: Brand;
  let org: Org;
  type Who = "gA" | "gB" | "gC" | "gD" | "managerS1" | "north";
  const staff = {} as Record<Who, { id: string; token: string }>;
  let recruitTask: string;

  const progress = async (taskId: string, token: string, unit?: string) =>
    h().api<Progress>("GET", `/v1/staff-tasks/${taskId}/progress${unit ? `?org_unit_id=${unit}` : ""}`, {
      token,
    });
  const issueTask = (token: string, body: Record<string, unknown>) =>
    h().api<{ task_id: string }>("POST", "/v1/staff-tasks", {
      token,
      body: {
        title: "Task",
        starts_at: new Date(clock.now().getTime() - 5 * DAY).toISOString(),
        due_at: new Date(clock.now().getTime() + 5 * DAY).toISOString(),
        ...body,
      },
    });

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    staff.gA = await staffMember(h(), brand, "guide", org.s1, "A");
    staff.gB = await staffMember(h(), brand, "guide", org.s1, "B");
    staff.gC = await staffMember(h(), brand, "guide", org.s2, "C");
    staff.gD = await staffMember(h(), brand, "guide", org.s3, "D");
    staff.managerS1 = await staffMember(h(), brand, "store_manager", org.s1, "M");
    staff.north = await staffMember(h(), brand, "region_manager", org.north, "N");
  });

  it("issues a recruit task to every guide of the brand, with a reward", async () => {
    const res = await issueTask(brand.ownerToken, {
      title: "Recruit two members each",
      kind: "recruit",
      scope_org_unit_id: brand.hqId,
      target_per_assignee: 2,
      reward_points: 10,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    recruitTask = res.body.task_id;
    const mine = await h().api<{ items: { task_id: string; done: number }[] }>("GET", "/v1/my/tasks", {
      token: staff.gC.token,
    });
    expect(mine.body.items).toEqual([expect.objectContaining({ task_id: recruitTask, done: 0 })]);
  });

  it("counts only real joins, once each, and rolls completion up through the tree", async () => {
    for (const [who, store, count] of [
      ["gA", org.s1, 2],
      ["gB", org.s1, 1],
      ["gD", org.s3, 3],
    ] as const)
      for (let i = 0; i < count; i++) await openCard(h(), staff[who].token, { store_id: store });
    await drain(h());

    const hq = await progress(recruitTask, brand.ownerToken, brand.hqId);
    expect(hq.status, JSON.stringify(hq.body)).toBe(200);
    // D's third recruit is over the target and does not hide C's zero.
    expect(hq.body.totals).toMatchObject({ assignees: 4, completed: 2, done: 5, target: 8 });
    const unit = (id: string) => hq.body.units.find((u) => u.org_unit_id === id);
    expect(unit(org.s1)).toMatchObject({ assignees: 2, done: 3, target: 4, completed: 1 });
    expect(unit(org.s2)).toMatchObject({ assignees: 1, done: 0, target: 2, completed: 0 });
    expect(unit(org.s3)).toMatchObject({ assignees: 1, done: 2, target: 2, completed: 1 });
    expect(unit(org.north)).toMatchObject({ assignees: 3, done: 3, target: 6, completed: 1 });
    for (const parent of hq.body.units) {
      const children = hq.body.units.filter((u) => u.parent_id === parent.org_unit_id);
      if (children.length === 0) continue;
      expect(parent.done).toBe(children.reduce((sum, c) => sum + c.done, 0));
      expect(parent.target).toBe(children.reduce((sum, c) => sum + c.target, 0));
    }

    // The relay may deliver a join twice: nothing is counted twice.
    await h()
      .enclave.platform.database.db.updateTable("outbox")
      .set({ relayed_at: null })
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "member.joined")
      .execute();
    await drain(h());
    expect((await progress(recruitTask, brand.ownerToken, brand.hqId)).body.totals.done).toBe(5);

    const rewards = await h().api<{ points: number }>("GET", "/v1/my/rewards", { token: staff.gA.token });
    expect(rewards.body.points).toBe(10);
    expect(
      (await h().api<{ points: number }>("GET", "/v1/my/rewards", { token: staff.gB.token })).body.points,
    ).toBe(0);
  });

  it("shows each level its own subtree only", async () => {
    const region = await progress(recruitTask, staff.north.token);
    expect(region.body.totals).toMatchObject({ assignees: 3, done: 3, target: 6 });
    expect(region.body.assignees.map((a) => a.staff_id).sort()).toEqual(
      [staff.gA.id, staff.gB.id, staff.gC.id].sort(),
    );
    expect((await progress(recruitTask, staff.north.token, org.s3)).status).toBe(404);
    const store = await h().api<{ totals: Totals }>("GET", `/v1/staff-tasks/${recruitTask}`, {
      token: staff.managerS1.token,
    });
    expect(store.body.totals).toMatchObject({ assignees: 2, done: 3, target: 4 });
  });

  it("reminds the laggards below the caller, at most once an hour", async () => {
    const first = await h().api<{ reminded: string[] }>("POST", `/v1/staff-tasks/${recruitTask}/reminders`, {
      token: staff.north.token,
    });
    // Halfway through, one of two is due: B (1) keeps pace, C (0) lags; D lags nowhere in the North.
    expect(first.body.reminded).toEqual([staff.gC.id]);
    const again = await h().api<{ reminded: string[] }>("POST", `/v1/staff-tasks/${recruitTask}/reminders`, {
      token: staff.north.token,
    });
    expect(again.body.reminded).toEqual([]);
  });

  it("does not count joins outside the task's window", async () => {
    const ended = await issueTask(brand.ownerToken, {
      kind: "recruit",
      scope_org_unit_id: org.s2,
      target_per_assignee: 1,
      starts_at: new Date(clock.now().getTime() - 10 * DAY).toISOString(),
      due_at: new Date(clock.now().getTime() - DAY).toISOString(),
    });
    expect(ended.status, JSON.stringify(ended.body)).toBe(201);
    await openCard(h(), staff.gC.token, { store_id: org.s2 });
    await drain(h());
    expect((await progress(ended.body.task_id, brand.ownerToken)).body.totals.done).toBe(0);
    expect((await progress(recruitTask, brand.ownerToken, org.s2)).body.totals.done).toBe(1);
  });

  it("counts coupons store staff issue for an issue_coupons task, not the task's say-so", async () => {
    const template = await h().api("POST", "/v1/coupon-templates", {
      token: brand.writeKey,
      body: {
        code: "BDAY-20",
        name: "Birthday",
        benefit: { kind: "amount_off", amount_minor: 2_000 },
        validity: { kind: "relative", days: 30 },
        staff_issuable: true,
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const outside = await issueTask(staff.managerS1.token, {
      kind: "issue_coupons",
      template_code: "BDAY-20",
      scope_org_unit_id: org.s2,
      target_per_assignee: 1,
    });
    expect(outside.body).toMatchObject({ status: 400, field: "/scope_org_unit_id" });
    const task = await issueTask(staff.managerS1.token, {
      kind: "issue_coupons",
      template_code: "BDAY-20",
      scope_org_unit_id: org.s1,
      target_per_assignee: 1,
    });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    const member = await openCard(h(), staff.gA.token, { store_id: org.s1 });
    const bulk = await h().api("POST", "/v1/coupon-issues", {
      token: brand.ownerToken,
      body: { template_code: "BDAY-20", audience: { member_ids: [member.member_id] }, reference: "hq-bulk" },
    });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    await drain(h());
    let p = await progress(task.body.task_id, staff.managerS1.token);
    expect(p.body.totals.done).toBe(0);
    const issued = await h().api("POST", `/v1/members/${member.member_id}/coupons`, {
      token: staff.gA.token,
      body: { template_code: "BDAY-20" },
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    await drain(h());
    p = await progress(task.body.task_id, staff.managerS1.token);
    expect(p.body.assignees.find((a) => a.staff_id === staff.gA.id)?.done).toBe(1);
    expect(p.body.totals).toMatchObject({ done: 1, completed: 1, target: 2 });
  });

  it("counts logged contacts with the segment's members, only the guide's own", async () => {
    await drain(h());
    await recomputeAudience(h().enclave.platform.database.db, brand.tenantId, clock.now());
    const segment = await h().api<{ segment_id: string }>("POST", "/v1/audience/segments", {
      token: brand.ownerToken,
      body: { name: "All active", condition: { field: "member.status", op: "in", value: ["active"] } },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    const task = await issueTask(staff.north.token, {
      kind: "contact_members",
      segment_id: segment.body.segment_id,
      scope_org_unit_id: org.north,
      target_per_assignee: 2,
    });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    const todo = await h().api<{ items: { member_id: string; card_no: string | null }[] }>(
      "GET",
      `/v1/staff-tasks/${task.body.task_id}/todo`,
      {
        token: staff.gB.token,
      },
    );
    expect(todo.body.items).toHaveLength(1);
    const bMember = todo.body.items[0]?.member_id ?? "";
    // Each one to contact is named with their card number, as the guide's member list does.
    const card = await h().api<{ card_no: string }>("GET", `/v1/members/${bMember}`, {
      token: staff.gB.token,
    });
    expect(todo.body.items[0]?.card_no).toBe(card.body.card_no);
    const notMine = await h().api("POST", "/v1/staff-contacts", {
      token: staff.gA.token,
      body: { member_id: bMember, channel: "call" },
    });
    expect(notMine.status).toBe(404);
    const contact = await h().api<{ credited: number }>("POST", "/v1/staff-contacts", {
      token: staff.gB.token,
      body: { member_id: bMember, channel: "chat", note: "asked about the new season" },
    });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    expect(contact.body.credited).toBe(1);
    const twice = await h().api<{ credited: number }>("POST", "/v1/staff-contacts", {
      token: staff.gB.token,
      body: { member_id: bMember, channel: "call" },
    });
    expect(twice.body.credited).toBe(0);
    const after = await h().api<{ items: unknown[] }>("GET", `/v1/staff-tasks/${task.body.task_id}/todo`, {
      token: staff.gB.token,
    });
    expect(after.body.items).toEqual([]);
    const p = await progress(task.body.task_id, staff.north.token);
    expect(p.body.assignees.find((a) => a.staff_id === staff.gB.id)?.done).toBe(1);
  });

  it("lets guides read but not issue or cancel tasks", async () => {
    const issue = await issueTask(staff.gA.token, {
      kind: "recruit",
      scope_org_unit_id: org.s1,
      target_per_assignee: 1,
    });
    expect(issue.status).toBe(403);
    const cancelByStore = await h().api("POST", `/v1/staff-tasks/${recruitTask}/cancel`, {
      token: staff.managerS1.token,
    });
    expect(cancelByStore.status).toBe(404);
    const cancel = await h().api("POST", `/v1/staff-tasks/${recruitTask}/cancel`, {
      token: brand.ownerToken,
    });
    expect(cancel.body).toMatchObject({ status: "cancelled" });
    const list = await h().api<{ items: { task_id: string }[] }>("GET", "/v1/staff-tasks?status=open", {
      token: staff.gD.token,
    });
    expect(list.body.items.map((t) => t.task_id)).not.toContain(recruitTask);
  });

  it("reminds every running task's laggards each morning, without repeating a fresh reminder", async () => {
    // Running now: the store's coupon task (B has issued nothing) and the North contact task (A and C have
    // contacted no one); the recruit task is cancelled and the ended one is over.
    const before = await h()
      .enclave.platform.database.db.selectFrom("outbox")
      .select("subject_id")
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "staff_task.reminder")
      .orderBy("event_id")
      .execute();
    expect(await remindAllLaggards(h().enclave.platform)).toBe(3);
    const after = await h()
      .enclave.platform.database.db.selectFrom("outbox")
      .select("subject_id")
      .where("tenant_id", "=", brand.tenantId)
      .where("type", "=", "staff_task.reminder")
      .orderBy("event_id")
      .execute();
    expect(
      after
        .slice(before.length)
        .map((e) => e.subject_id)
        .sort(),
    ).toEqual([staff.gA.id, staff.gB.id, staff.gC.id].sort());
    expect(await remindAllLaggards(h().enclave.platform)).toBe(0);
  });
});
