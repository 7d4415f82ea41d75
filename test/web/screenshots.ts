// `npm run screenshots`: starts the server on a fresh demo brand, walks every page of the three faces in Chromium
// and writes docs/screenshots/*.png (shown in the README and docs/web.md).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { ensureWebBuilt } from "../../src/web/build.ts";
import { startServer } from "../support/process.ts";
import { DEMO, DESKTOP, launchBrowser, openContext, PHONE, signInToConsole } from "./browser.ts";

const OUT = resolve(import.meta.dirname, "../../docs/screenshots");

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  // Fonts and charts' entry animations settle before the picture.
  await page.evaluate("document.fonts.ready.then(() => true)");
  await page.waitForTimeout(1_200);
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
  console.log(`  docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await ensureWebBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), "enclave-shots-"));
  const server = await startServer({ ENCLAVE_DATA_DIR: dataDir }, 480_000);
  const browser = await launchBrowser();
  try {
    const call = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const { token } = await call<{ token: string }>("POST", "/v1/auth/login", DEMO);
    console.log("scoring the demo brand (RFM, stages) for the dashboard…");
    await call("POST", "/v1/audience/recompute", undefined, token);
    const welcome = await call<{ template_id: string }>(
      "POST",
      "/v1/coupon-templates",
      {
        code: "WELCOME-10",
        name: "新人礼 Welcome ¥10 off",
        benefit: { kind: "amount_off", amount_minor: 1000 },
        conditions: { min_spend_minor: 3000 },
        validity: { kind: "relative", days: 30 },
        staff_issuable: true,
      },
      token,
    );
    await call(
      "POST",
      "/v1/coupon-packs",
      { code: "NEWCOMER", name: "Newcomer", items: [{ template_id: welcome.template_id, quantity: 1 }] },
      token,
    );
    await call("PATCH", "/v1/coupon-settings", { newcomer_pack: "NEWCOMER" }, token);
    const poster = await call<{ join_url: string }>(
      "POST",
      "/v1/channel-codes",
      {
        name: "秋季海报 Autumn posters",
        kind: "campaign",
        campaign: "autumn-2026",
        scene_key: "autumn-2026",
      },
      token,
    );
    const joinLink = new URL(poster.join_url);
    const units = await call<{ items: { org_unit_id: string; parent_id: string | null }[] }>(
      "GET",
      "/v1/org-units",
      undefined,
      token,
    );
    await call(
      "POST",
      "/v1/staff-tasks",
      {
        title: "本周发放新人券 Give out welcome coupons",
        kind: "issue_coupons",
        template_code: "WELCOME-10",
        scope_org_unit_id: units.items.find((u) => u.parent_id === null)?.org_unit_id,
        target_per_assignee: 5,
        due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        reward_points: 50,
      },
      token,
    );
    await call(
      "POST",
      "/v1/mall/rewards",
      { code: "CUP", name: "Enclave 随行杯 Tumbler", kind: "physical", price_points: 800, stock: 120 },
      token,
    );
    await call(
      "POST",
      "/v1/mall/rewards",
      {
        code: "W10",
        name: "¥10 coupon",
        kind: "coupon",
        coupon_template_code: "WELCOME-10",
        price_points: 100,
      },
      token,
    );
    // A campaign that has run once over a segment (silent members get points), so its results have two arms.
    const silent = await call<{ segment_id: string }>(
      "POST",
      "/v1/audience/segments",
      {
        name: "沉睡会员 Silent members",
        condition: { field: "lifecycle.stage", op: "in", value: ["silent", "lost"] },
      },
      token,
    );
    const winBack = await call<{ campaign_id: string }>(
      "POST",
      "/v1/campaigns",
      {
        name: "唤醒沉睡会员 Win back silent members",
        trigger: { kind: "schedule", cron: "0 10 * * 2", segment_id: silent.segment_id },
        actions: [{ kind: "grant_points", points: 100, reason: "We miss you" }],
        holdout_percent: 20,
      },
      token,
    );
    await call("POST", `/v1/campaigns/${winBack.campaign_id}/launch`, undefined, token);
    await call("POST", `/v1/campaigns/${winBack.campaign_id}/runs`, undefined, token);
    await call(
      "POST",
      "/v1/message-templates",
      {
        code: "points_expiring",
        name: "积分到期提醒 Points expiring",
        category: "marketing",
        default_locale: "zh-CN",
        contents: {
          sms: {
            "zh-CN": { body: "{{member.name}}，您有 {{points}} 积分即将过期" },
            en: { body: "{{member.name}}, {{points}} points expire soon" },
          },
        },
      },
      token,
    );
    const group = await call<{ group_id: string }>(
      "POST",
      "/v1/audience/tag-groups",
      { name: "活动名单 Event lists", dimension: "custom" },
      token,
    );
    await call(
      "POST",
      "/v1/audience/tags",
      { group_id: group.group_id, name: "秋季市集 Autumn fair visitors", kind: "manual" },
      token,
    );
    const somePhones = (
      await call<{ items: { phone: string | null }[] }>("GET", "/v1/members?limit=40", undefined, token)
    ).items.flatMap((m) => (m.phone ? [m.phone] : []));

    console.log("admin console");
    for (const lang of ["en", "zh-CN"] as const) {
      const { context } = await openContext(browser, server.url, DESKTOP, lang);
      const page = await context.newPage();
      if (lang === "en") {
        await page.goto("/admin");
        await shoot(page, "admin-sign-in", false);
        await signInToConsole(page);
      } else {
        await page.goto("/admin");
        await page.getByLabel("品牌标识").fill(DEMO.tenant);
        await page.getByLabel("邮箱").fill(DEMO.email);
        await page.getByLabel("密码").fill(DEMO.password);
        // Ant Design spaces out a two-character Chinese label: "登 录".
        await page.getByRole("button", { name: /登\s*录/ }).click();
      }
      await page.locator("[data-testid=chart-growth] canvas").waitFor();
      await shoot(page, `admin-dashboard${lang === "en" ? "" : "-zh"}`);
      if (lang === "zh-CN") {
        await context.close();
        continue;
      }
      await page.goto("/admin/members");
      await page.locator(".ant-table-row").first().waitFor();
      await shoot(page, "admin-members");
      await page.getByRole("tab", { name: "Filter by condition" }).click();
      await page.getByRole("button", { name: "Find members" }).click();
      await page.getByTestId("filter-count").waitFor();
      await shoot(page, "admin-members-filter");
      await page.getByTestId("filter-results").locator(".ant-table-row a").first().click();
      await page.getByTestId("member-name").waitFor();
      await shoot(page, "admin-member-360");
      await page.getByRole("button", { name: "Adjust points" }).click();
      await page.getByRole("dialog").getByLabel("Points").fill("50");
      await page.getByRole("dialog").getByLabel("Reason").fill("Birthday goodwill");
      await shoot(page, "admin-member-adjust-points", false);
      await page.getByRole("dialog").getByRole("button", { name: "OK" }).click();
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      await page.goto("/admin/coupons");
      await page.getByRole("cell", { name: "WELCOME-10" }).waitFor();
      await page.getByRole("button", { name: "New coupon template" }).click();
      await page.locator(".ant-drawer").getByLabel("Code").fill("AUTUMN-20");
      await page.locator(".ant-drawer").getByLabel("Name").fill("Autumn");
      await page.locator(".ant-drawer").getByLabel("Amount off (yuan)").fill("0");
      await page.locator(".ant-drawer").getByRole("button", { name: "Create" }).click();
      await page.locator(".ant-drawer").getByText("must be >= 1", { exact: true }).waitFor();
      await shoot(page, "admin-coupon-template-problem", false);
      await page.locator(".ant-drawer").getByLabel("Amount off (yuan)").fill("20");
      await page.locator(".ant-drawer").getByRole("button", { name: "Create" }).click();
      await page.getByRole("cell", { name: "AUTUMN-20" }).waitFor();
      await shoot(page, "admin-coupon-templates");
      // A tier form with the API's objection under the field it names (the ladder must climb).
      await page.goto("/admin/tiers");
      await page.getByRole("button", { name: "New tier" }).click();
      const drawer = page.locator(".ant-drawer-open");
      await drawer.getByLabel("Code").fill("DIAMOND");
      await drawer.getByLabel("Name").fill("Diamond");
      await drawer.getByLabel("Rank").fill("30");
      await drawer.getByLabel("Growth to reach").fill("3000");
      await drawer.getByLabel("Points multiplier").fill("2");
      await drawer.getByRole("button", { name: "Create" }).click();
      await drawer.getByText(/must be above/).waitFor();
      await shoot(page, "admin-tier-problem", false);
      await drawer.getByLabel("Growth to reach").fill("20000");
      await drawer.getByRole("button", { name: "Create" }).click();
      await page.getByRole("cell", { name: "DIAMOND", exact: true }).waitFor();
      await page.goto("/admin/campaigns");
      await page.getByRole("button", { name: "New campaign" }).click();
      await drawer.getByLabel("Name").fill("Birthday coupon");
      await drawer.getByLabel("Trigger").click();
      await page.getByTitle("Date", { exact: true }).click();
      await drawer.getByLabel("Date", { exact: true }).click();
      await page.getByTitle("Birthday").click();
      await drawer.getByLabel("Action").click();
      await page.getByTitle("Issue a coupon").click();
      await shoot(page, "admin-campaign-form", false);
      await page.keyboard.press("Escape");
      await drawer.waitFor({ state: "hidden" });
      await page
        .getByRole("row", { name: /Win back silent members/ })
        .getByRole("button", { name: "Results" })
        .click();
      await page.getByRole("dialog").getByRole("cell", { name: "Treated" }).waitFor();
      await shoot(page, "admin-campaign-results", false);
      await page.goto("/admin/tags");
      await page
        .getByRole("row", { name: /Autumn fair visitors/ })
        .getByRole("button", { name: "Import CSV" })
        .click();
      await page
        .getByRole("dialog")
        .locator("input[type=file]")
        .setInputFiles({
          name: "visitors.csv",
          mimeType: "text/csv",
          buffer: Buffer.from(`phone\n${somePhones.join("\n")}\n+8610000000000\n`),
        });
      await page
        .getByRole("dialog")
        .getByRole("button", { name: /^Import \d+ rows$/ })
        .click();
      await page
        .getByRole("dialog")
        .getByText(/^Tagged \d+; 1 not found$/)
        .waitFor();
      await shoot(page, "admin-tag-import", false);
      await page.getByRole("dialog").getByRole("button", { name: "Close", exact: true }).last().click();
      for (const [path, name] of [
        ["/admin/campaigns", "admin-campaigns"],
        ["/admin/coupon-packs", "admin-coupon-packs"],
        ["/admin/messages", "admin-messages"],
        ["/admin/tiers", "admin-tiers"],
        ["/admin/earn-rules", "admin-earn-rules"],
        ["/admin/mall", "admin-mall"],
        ["/admin/segments", "admin-segments"],
        ["/admin/tags", "admin-tags"],
        ["/admin/staff", "admin-staff"],
        ["/admin/channel-codes", "admin-channel-codes"],
      ] as const) {
        await page.goto(path);
        await page.locator(".ant-table-tbody").first().waitFor();
        await shoot(page, name);
      }
      await page.goto("/admin/org");
      await page.locator(".ant-tree").getByText("华东大区 East China", { exact: true }).click();
      await page.getByTestId("org-unit-place").waitFor();
      await shoot(page, "admin-org");
      await page.goto("/admin/settings");
      await page.getByTestId("settings-points").waitFor();
      await shoot(page, "admin-settings");
      await page.goto("/admin/tasks");
      await page.getByRole("link", { name: "本周发放新人券 Give out welcome coupons" }).click();
      await page.locator("[data-testid=chart-task-rollup] canvas").waitFor();
      await shoot(page, "admin-task-rollup");
      await context.close();
    }

    console.log("member center");
    {
      const { context } = await openContext(browser, server.url, PHONE, "zh-CN");
      const page = await context.newPage();
      await page.goto(`${joinLink.pathname}${joinLink.search}`);
      await page.getByTestId("channel").waitFor();
      await page.getByLabel("手机号").fill("13912345678");
      await shoot(page, "member-join", false);
      await page.getByRole("button", { name: "获取验证码" }).click();
      await page.getByRole("button", { name: "立即加入" }).click();
      await page.getByTestId("card-number").waitFor();
      await page.getByRole("img", { name: "会员码" }).waitFor();
      await shoot(page, "member-card");
      await page.getByRole("link", { name: "优惠券" }).click();
      await page.getByText("新人礼 Welcome ¥10 off").waitFor({ timeout: 60_000 });
      await shoot(page, "member-coupons");
      await page.getByRole("link", { name: "商城" }).click();
      await page.getByText("Enclave 随行杯 Tumbler").waitFor();
      await shoot(page, "member-mall");
      await page.getByRole("link", { name: "我的" }).click();
      await page.getByLabel("姓名").waitFor();
      await shoot(page, "member-profile");
      await page.goto("/m/checkin");
      await page.getByRole("button", { name: "立即签到" }).click();
      await page.getByText("签到成功").waitFor();
      await shoot(page, "member-checkin");
      await page.goto("/m/invite");
      await page.getByTestId("invite-code").waitFor();
      await shoot(page, "member-invite");
      await context.close();
    }

    console.log("staff pages");
    {
      const { context } = await openContext(browser, server.url, PHONE, "zh-CN");
      const page = await context.newPage();
      await page.goto("/staff");
      await page.getByLabel("品牌标识").fill("demo");
      await page.getByLabel("邮箱").fill("sh-xtd.guide1@demo.enclave.dev");
      await page.getByLabel("密码").fill(DEMO.password);
      await page.getByRole("button", { name: "登录" }).click();
      await page.getByTestId("my-members").getByRole("listitem").first().waitFor();
      await shoot(page, "staff-my-members");
      await page.getByTestId("my-members").getByRole("link").first().click();
      await page.getByTestId("member-name").waitFor();
      await page.getByLabel("优惠券").selectOption({ index: 1 });
      await page.getByRole("button", { name: "发放" }).click();
      await page.getByText("优惠券已发放").waitFor();
      await shoot(page, "staff-member-card");
      await page.goto("/staff/tasks");
      await page.getByTestId("my-tasks").waitFor({ state: "attached" });
      await shoot(page, "staff-tasks");
      await page.goto("/staff/results");
      await page.getByTestId("my-results").waitFor();
      await shoot(page, "staff-results");
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
