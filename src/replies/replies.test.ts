import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { buildOrg, openCard, type Org, staffMember } from "../org/org.test-support.ts";

interface Reply {
  reply_id: string;
  shared: boolean;
  title: string;
  variables: string[];
  use_count: number;
}

describeEachDatabase("Quick replies", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let org: Org;
  let guide: { id: string; token: string };
  let colleague: { id: string; token: string };
  let shared: Reply;
  let own: Reply;

  const search = async (token: string, query = "") =>
    (await h().api<{ items: Reply[] }>("GET", `/v1/quick-replies${query}`, { token })).body.items;

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    guide = await staffMember(h(), brand, "guide", org.s1, "小李");
    colleague = await staffMember(h(), brand, "guide", org.s1, "小王");
  });

  it("keeps HQ's shared scripts for everyone and a guide's own for the guide", async () => {
    const hq = await h().api<Reply>("POST", "/v1/quick-replies", {
      token: brand.ownerToken,
      body: {
        category: "售后",
        title: "Return policy",
        body: "{{member_name}}您好，{{store_name}}支持7天无理由退换，我是您的导购{{guide_name}}。",
      },
    });
    expect(hq.status, JSON.stringify(hq.body)).toBe(201);
    expect(hq.body).toMatchObject({ shared: true, variables: ["member_name", "store_name", "guide_name"] });
    shared = hq.body;
    const refused = await h().api("POST", "/v1/quick-replies", {
      token: guide.token,
      body: { category: "活动", title: "x", body: "x", shared: true },
    });
    expect(refused.status).toBe(403);
    const mine = await h().api<Reply>("POST", "/v1/quick-replies", {
      token: guide.token,
      body: { category: "活动", title: "New season", body: "New season teas are in, {{member_name}}!" },
    });
    expect(mine.body).toMatchObject({ shared: false });
    own = mine.body;

    expect((await search(guide.token)).map((r) => r.reply_id).sort()).toEqual(
      [shared.reply_id, own.reply_id].sort(),
    );
    expect((await search(colleague.token)).map((r) => r.reply_id)).toEqual([shared.reply_id]);
    expect(
      (await h().api("GET", `/v1/quick-replies?mine_only=true`, { token: colleague.token })).body,
    ).toMatchObject({ items: [] });
    const edit = await h().api("PATCH", `/v1/quick-replies/${shared.reply_id}`, {
      token: guide.token,
      body: { title: "Mine now" },
    });
    expect(edit.status).toBe(403);
    const steal = await h().api("PATCH", `/v1/quick-replies/${own.reply_id}`, {
      token: colleague.token,
      body: { title: "Mine now" },
    });
    expect(steal.status).toBe(404);
  });

  it("searches by words in title or body, and by category", async () => {
    expect((await search(guide.token, "?q=SEASON")).map((r) => r.reply_id)).toEqual([own.reply_id]);
    expect((await search(guide.token, `?q=${encodeURIComponent("无理由")}`)).map((r) => r.reply_id)).toEqual([
      shared.reply_id,
    ]);
    expect(
      (await search(guide.token, `?category=${encodeURIComponent("售后")}`)).map((r) => r.reply_id),
    ).toEqual([shared.reply_id]);
    expect((await search(guide.token, "?q=100%25")).length).toBe(0);
    const categories = await h().api("GET", "/v1/quick-replies/categories", { token: guide.token });
    expect(categories.body).toEqual({
      items: [
        { category: "售后", replies: 1 },
        { category: "活动", replies: 1 },
      ],
    });
  });

  it("fills a script for a chat with one's own member, counts the use, and ranks by use", async () => {
    const member = await openCard(h(), guide.token, { store_id: org.s1, name: "王女士" });
    const used = await h().api<{ text: string; missing: string[]; use_count: number }>(
      "POST",
      `/v1/quick-replies/${shared.reply_id}/use`,
      { token: guide.token, body: { member_id: member.member_id } },
    );
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect(used.body).toEqual({
      reply_id: shared.reply_id,
      text: "王女士您好，S1支持7天无理由退换，我是您的导购小李。",
      missing: [],
      use_count: 1,
    });
    const otherGuide = await h().api("POST", `/v1/quick-replies/${shared.reply_id}/use`, {
      token: colleague.token,
      body: { member_id: member.member_id },
    });
    expect(otherGuide.status).toBe(404);
    const blank = await h().api<{ missing: string[] }>("POST", `/v1/quick-replies/${own.reply_id}/use`, {
      token: guide.token,
      body: {},
    });
    expect(blank.body.missing).toEqual(["member_name"]);
    await h().api("POST", `/v1/quick-replies/${own.reply_id}/use`, { token: guide.token, body: {} });
    const ranked = await search(guide.token);
    expect(ranked.map((r) => [r.reply_id, r.use_count])).toEqual([
      [own.reply_id, 2],
      [shared.reply_id, 1],
    ]);
    const page = await h().api<{ items: Reply[]; next_cursor: string }>("GET", "/v1/quick-replies?limit=1", {
      token: guide.token,
    });
    const next = await h().api<{ items: Reply[] }>(
      "GET",
      `/v1/quick-replies?limit=1&cursor=${page.body.next_cursor}`,
      { token: guide.token },
    );
    expect(next.body.items.map((r) => r.reply_id)).toEqual([shared.reply_id]);
  });

  it("removes a reply", async () => {
    expect(
      (await h().api("DELETE", `/v1/quick-replies/${own.reply_id}`, { token: guide.token })).status,
    ).toBe(204);
    expect((await search(guide.token)).map((r) => r.reply_id)).toEqual([shared.reply_id]);
  });
});
