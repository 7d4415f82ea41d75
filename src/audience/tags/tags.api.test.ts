import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/databases.ts";
import { type Brand, OWNER_PASSWORD, useEnclave } from "../../../test/support/harness.ts";
import { createStaff } from "../../access/service.ts";
import { createOrgUnit } from "../../org/service.ts";
import { fixedClock } from "../../platform/clock.ts";
import { joinedMember, purchase } from "../audience.test-support.ts";
import { reevaluateDirtyMembers, reevaluateMembers } from "../incremental.ts";
import { recomputeAudience } from "../recompute.ts";
import { purgeExpiredTags } from "./tagging.ts";

const DAY = 86_400_000;
const START = new Date("2026-06-01T04:00:00.000Z");

interface Tag {
  tag_id: string;
  members: number;
}
interface MemberTag {
  tag_id: string;
  source: string;
  source_ref: string | null;
  tagged_at: string;
  expires_at: string | null;
}

describeEachDatabase("Tags", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  let brand: Brand;
  let other: Brand;
  let groupId: string;
  let storeA: string;
  let storeB: string;
  let managerA: string;

  const db = () => h().enclave.platform.database.db;
  const relay = async () => {
    while ((await h().enclave.platform.events.relayOnce()) > 0);
  };
  const settle = async () => {
    await relay();
    await reevaluateDirtyMembers(db(), () => clock.now());
  };
  const tagsOf = async (memberId: string) =>
    (await h().api<{ items: MemberTag[] }>("GET", `/v1/members/${memberId}/tags`, { token: brand.readKey }))
      .body.items;
  const newTag = async (body: Record<string, unknown>, token = brand.writeKey) =>
    h().api<Tag & { code: string; field: string; detail: string }>("POST", "/v1/audience/tags", {
      token,
      body: { group_id: groupId, ...body },
    });

  beforeAll(async () => {
    brand = await h().newBrand();
    other = await h().newBrand();
    const group = await h().api<{ group_id: string }>("POST", "/v1/audience/tag-groups", {
      token: brand.writeKey,
      body: { name: "Custom", dimension: "custom" },
    });
    expect(group.status).toBe(201);
    groupId = group.body.group_id;
    storeA = (
      await createOrgUnit(db(), brand.tenantId, {
        parent_id: brand.hqId,
        kind: "store",
        code: "A",
        name: "Store A",
      })
    ).org_unit_id;
    storeB = (
      await createOrgUnit(db(), brand.tenantId, {
        parent_id: brand.hqId,
        kind: "store",
        code: "B",
        name: "Store B",
      })
    ).org_unit_id;
    await createStaff(db(), brand.tenantId, {
      email: `a@${brand.slug}.test`,
      name: "A",
      role: "store_manager",
      org_unit_id: storeA,
      password: OWNER_PASSWORD,
    });
    const login = await h().api<{ token: string }>("POST", "/v1/auth/login", {
      body: { tenant: brand.slug, email: `a@${brand.slug}.test`, password: OWNER_PASSWORD },
    });
    managerA = login.body.token;
  });

  it("checks each kind's definition and names the field at fault", async () => {
    expect((await newTag({ name: "Rule without condition", kind: "rule" })).body.field).toBe("/condition");
    expect((await newTag({ name: "Manual with keywords", kind: "manual", keywords: ["x"] })).body.field).toBe(
      "/keywords",
    );
    expect(
      (
        await newTag({
          name: "Used up",
          kind: "product_lifecycle",
          stage: "used_up",
          products: [{ sku: "CUP" }],
        })
      ).body.field,
    ).toBe("/products/0/cycle_days");
    const unknownField = await newTag({
      name: "Bad rule",
      kind: "rule",
      condition: { field: "orders.total", op: "gt", value: 1 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.field).toBe("/condition/field");
    const longKeyword = await newTag({ name: "Long", kind: "keyword", keywords: ["x".repeat(51)] });
    expect(longKeyword.status).toBe(400);
    expect(longKeyword.body.field).toBe("/keywords/0");
    expect((await newTag({ name: "VIP", kind: "manual" })).status).toBe(201);
    const twice = await newTag({ name: "VIP", kind: "manual" });
    expect(twice.status).toBe(409);
    expect(twice.body.field).toBe("/name");
    expect((await newTag({ name: "Guide tag", kind: "manual" }, managerA)).status).toBe(403);
  });

  it("tags members in bulk, within the staff member's scope, recording source, actor and expiry", async () => {
    const tag = (await newTag({ name: "Tasting event", kind: "manual", expires_after_days: 30 })).body;
    const inA = await joinedMember(h(), brand, START, 10, { store_id: storeA });
    const inB = await joinedMember(h(), brand, START, 10, { store_id: storeB });
    const res = await h().api<{ tagged: number; not_found: string[] }>(
      "POST",
      `/v1/audience/tags/${tag.tag_id}/members`,
      {
        token: managerA,
        body: { member_ids: [inA, inB, "mem_nobody"] },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tagged: 1, not_found: [inB, "mem_nobody"] });
    const [held] = await tagsOf(inA);
    expect(held).toMatchObject({
      tag_id: tag.tag_id,
      source: "manual",
      expires_at: new Date(START.getTime() + 30 * DAY).toISOString(),
    });
    expect(held?.source_ref).toMatch(/^stf_/);
    expect(await tagsOf(inB)).toEqual([]);
  });

  it("tags by CSV, refusing a malformed file by line and listing members it cannot find", async () => {
    const tag = (await newTag({ name: "Imported", kind: "manual" })).body;
    const member = await joinedMember(h(), brand, START, 5);
    const phone =
      (
        await db()
          .selectFrom("members")
          .select("phone")
          .where("member_id", "=", member)
          .executeTakeFirstOrThrow()
      ).phone ?? "";
    const bad = await h().api<{ field: string; detail: string }>(
      "POST",
      `/v1/audience/tags/${tag.tag_id}/members/csv`,
      {
        token: brand.writeKey,
        body: { csv: `phone,expires_at\n${phone},\n13900000000,tomorrow\n` },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("/csv/3");
    const unknownColumn = await h().api<{ field: string }>(
      "POST",
      `/v1/audience/tags/${tag.tag_id}/members/csv`,
      { token: brand.writeKey, body: { csv: "email\nx@y.z\n" } },
    );
    expect(unknownColumn.body.field).toBe("/csv/1");
    const good = await h().api<{ tagged: number; not_found: string[] }>(
      "POST",
      `/v1/audience/tags/${tag.tag_id}/members/csv`,
      {
        token: brand.writeKey,
        body: { csv: `phone,expires_at\n${phone.replace("+86", "")},2026-12-31T16:00:00Z\n13900000000,\n` },
      },
    );
    expect(good.body).toEqual({ tagged: 1, not_found: ["13900000000"] });
    expect((await tagsOf(member))[0]).toMatchObject({
      source: "csv",
      expires_at: "2026-12-31T16:00:00.000Z",
    });
  });

  it("keeps rule tags equal to their condition, in the batch and after a member's order", async () => {
    const tag = (
      await newTag({
        name: "Repeat buyer",
        kind: "rule",
        condition: { field: "orders.count", op: "gte", value: 2 },
      })
    ).body;
    const repeat = await joinedMember(h(), brand, START, 100);
    const once = await joinedMember(h(), brand, START, 100);
    await purchase(h(), brand, repeat, START, 50);
    await purchase(h(), brand, repeat, START, 20);
    await purchase(h(), brand, once, START, 20);
    await relay();
    await recomputeAudience(db(), brand.tenantId, START);
    expect((await tagsOf(repeat)).map((t) => [t.tag_id, t.source])).toContainEqual([tag.tag_id, "rule"]);
    expect((await tagsOf(once)).map((t) => t.tag_id)).not.toContain(tag.tag_id);
    const manual = await h().api<{ code: string }>("POST", `/v1/audience/tags/${tag.tag_id}/members`, {
      token: brand.writeKey,
      body: { member_ids: [once] },
    });
    expect(manual.status).toBe(422);
    await purchase(h(), brand, once, START, 1);
    await settle();
    expect((await tagsOf(once)).map((t) => t.tag_id)).toContain(tag.tag_id);
    const selfReference = await newTag({
      name: "Loops",
      kind: "rule",
      condition: { field: "tags", op: "has", value: tag.tag_id },
    });
    expect(selfReference.status).toBe(400);
    expect(selfReference.body.field).toBe("/condition/value");
  });

  it("gives scene tags to members who join from the scene's QR code", async () => {
    const tag = (await newTag({ name: "Mall opening", kind: "scene", scene_keys: ["qr_mall_opening"] })).body;
    const member = await joinedMember(h(), brand, START, 0, { scene_key: "qr_mall_opening" });
    await relay();
    expect(await tagsOf(member)).toMatchObject([
      { tag_id: tag.tag_id, source: "scene", source_ref: "qr_mall_opening" },
    ]);
  });

  it("tags members whose chat messages mention a keyword, once per message", async () => {
    const returns = (
      await newTag({
        name: "Asked about returns",
        kind: "keyword",
        keywords: ["退货", "Refund"],
        expires_after_days: 14,
      })
    ).body;
    const member = await joinedMember(h(), brand, START, 3);
    const body = (
      externalId: string,
      text: string,
      ref: Record<string, unknown> = { member_id: member },
    ) => ({
      source: "wecom",
      messages: [{ external_id: externalId, member: ref, text, sent_at: START.toISOString() }],
    });
    const first = await h().api<{ results: { status: string; tag_ids: string[] }[] }>(
      "POST",
      "/v1/audience/chat-messages",
      { token: brand.writeKey, body: body("m1", "我想退货，可以 REFUND 吗？") },
    );
    expect(first.body.results).toEqual([
      { external_id: "m1", status: "tagged", member_id: member, tag_ids: [returns.tag_id] },
    ]);
    const again = await h().api<{ results: { status: string }[] }>("POST", "/v1/audience/chat-messages", {
      token: brand.writeKey,
      body: body("m1", "我想退货"),
    });
    expect(again.body.results[0]?.status).toBe("duplicate");
    const nothing = await h().api<{ results: { status: string }[] }>("POST", "/v1/audience/chat-messages", {
      token: brand.writeKey,
      body: body("m2", "你好"),
    });
    expect(nothing.body.results[0]?.status).toBe("no_match");
    const stranger = await h().api<{ results: { status: string }[] }>("POST", "/v1/audience/chat-messages", {
      token: brand.writeKey,
      body: body("m3", "退货", { phone: "13999999999" }),
    });
    expect(stranger.body.results[0]?.status).toBe("unknown_member");
    expect(await tagsOf(member)).toMatchObject([
      {
        tag_id: returns.tag_id,
        source: "keyword",
        source_ref: "wecom:m1",
        expires_at: new Date(START.getTime() + 14 * DAY).toISOString(),
      },
    ]);
    const huge = await h().api("POST", "/v1/audience/chat-messages", {
      token: brand.writeKey,
      body: body("m4", "a".repeat(4_001)),
    });
    expect(huge.status).toBe(400);
  });

  it("tags first purchase, repurchase and used-up products from order lines", async () => {
    const first = (
      await newTag({
        name: "Cup: first",
        kind: "product_lifecycle",
        stage: "first_purchase",
        products: [{ sku: "CUP" }],
      })
    ).body;
    const again = (
      await newTag({
        name: "Cup: again",
        kind: "product_lifecycle",
        stage: "repurchase",
        products: [{ sku: "CUP" }],
      })
    ).body;
    const usedUp = (
      await newTag({
        name: "Cup: used up",
        kind: "product_lifecycle",
        stage: "used_up",
        products: [{ sku: "CUP", cycle_days: 15 }],
      })
    ).body;
    const [a, b, c] = [
      await joinedMember(h(), brand, START, 90),
      await joinedMember(h(), brand, START, 90),
      await joinedMember(h(), brand, START, 90),
    ];
    if (!a || !b || !c) throw new Error("members");
    await purchase(h(), brand, a, START, 40, 2_000, { sku: "CUP", quantity: 2 }); // lasts 30 days: used up
    await purchase(h(), brand, b, START, 40, 3_000, { sku: "CUP", quantity: 3 }); // lasts 45 days: not yet
    await purchase(h(), brand, c, START, 60, 1_000, { sku: "CUP", quantity: 1 });
    await purchase(h(), brand, c, START, 5, 1_000, { sku: "CUP", quantity: 1 }); // bought again: not used up
    await relay();
    await recomputeAudience(db(), brand.tenantId, START);
    const mine = new Set([first.tag_id, again.tag_id, usedUp.tag_id]);
    const held = async (member: string) =>
      (await tagsOf(member))
        .map((t) => t.tag_id)
        .filter((id) => mine.has(id))
        .sort();
    expect(await held(a)).toEqual([first.tag_id, usedUp.tag_id].sort());
    expect(await held(b)).toEqual([first.tag_id]);
    expect(await held(c)).toEqual([again.tag_id]);
    // The incremental path (all product tags of a few members in one statement) gives the same holds back.
    await db()
      .deleteFrom("audience_member_tags")
      .where("tenant_id", "=", brand.tenantId)
      .where("tag_id", "in", [...mine])
      .execute();
    await db()
      .transaction()
      .execute((tx) =>
        reevaluateMembers(
          tx,
          brand.tenantId,
          [a, b, c].map((member_id) => ({ member_id, topics: ["orders"] })),
          START,
        ),
      );
    expect(await held(a)).toEqual([first.tag_id, usedUp.tag_id].sort());
    expect(await held(b)).toEqual([first.tag_id]);
    expect(await held(c)).toEqual([again.tag_id]);
  });

  it("treats a tag of another brand as unknown, and refuses to delete a tag a segment names", async () => {
    const foreign = await h().api("POST", "/v1/audience/tags", {
      token: other.writeKey,
      body: { group_id: groupId, name: "x", kind: "manual" },
    });
    expect(foreign.status).toBe(400);
    const tag = (await newTag({ name: "Named by a segment", kind: "manual" })).body;
    expect((await h().api("GET", `/v1/audience/tags/${tag.tag_id}`, { token: other.readKey })).status).toBe(
      404,
    );
    const stranger = await h().api<{ field: string }>("POST", "/v1/audience/segments", {
      token: other.writeKey,
      body: { name: "s", condition: { field: "tags", op: "has", value: tag.tag_id } },
    });
    expect(stranger.status).toBe(400);
    expect(stranger.body.field).toBe("/condition/value");
    expect(
      (
        await h().api("POST", "/v1/audience/segments", {
          token: brand.writeKey,
          body: { name: "Uses it", condition: { field: "tags", op: "has", value: tag.tag_id } },
        })
      ).status,
    ).toBe(201);
    expect(
      (await h().api("DELETE", `/v1/audience/tags/${tag.tag_id}`, { token: brand.writeKey })).status,
    ).toBe(409);
  });

  it("lets held tags expire and marks their members for re-evaluation", async () => {
    const tag = (await newTag({ name: "Short", kind: "manual", expires_after_days: 1 })).body;
    const member = await joinedMember(h(), brand, START, 1);
    await h().api("POST", `/v1/audience/tags/${tag.tag_id}/members`, {
      token: brand.writeKey,
      body: { member_ids: [member] },
    });
    await reevaluateDirtyMembers(db(), () => clock.now());
    clock.set(new Date(START.getTime() + 2 * DAY));
    expect(await tagsOf(member)).toEqual([]);
    expect(
      await db()
        .transaction()
        .execute((tx) => purgeExpiredTags(tx, clock.now())),
    ).toBeGreaterThanOrEqual(1);
    const marked = await db()
      .selectFrom("audience_dirty_members")
      .select("topics")
      .where("member_id", "=", member)
      .executeTakeFirst();
    expect(marked?.topics).toContain("tags");
    clock.set(START);
  });
});
