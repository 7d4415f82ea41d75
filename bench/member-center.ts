/**
 * The member center's card page, as phones load it: the four requests the card page sends at once (/v1/me,
 * /v1/me/points, /v1/me/tier, /v1/me/coupons/summary) with a member session each, many phones at a time; then,
 * when Chromium is installed, the real page (/m/) loaded in a phone-sized browser until the card number shows.
 * Usage: npm run bench -- member-center [seconds=10] [phones=32]
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { openMemberSession } from "../src/access/service.ts";
import { openDatabase } from "../src/platform/db/database.ts";
import { generatedBrand } from "./generate.ts";
import { closedLoop, loadAverage, machine, MAIN, quantile, row, startProcess } from "./support.ts";

const SECONDS = Number(process.argv[3] ?? 10);
const PHONES = Number(process.argv[4] ?? 32);
const SESSIONS = 2_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CARD_PAGE = ["/v1/me", "/v1/me/points", "/v1/me/tier", "/v1/me/coupons/summary"];

console.log(`machine: ${machine()}; load average ${loadAverage()}`);
const brand = await generatedBrand("bench_member", { members: 20_000, orders: 200_000, seed: 21 });
const t = brand.report.tenant_id;
try {
  const database = await openDatabase({ url: brand.url, poolSize: 4 });
  const tokens: string[] = [];
  try {
    const ids = await database.db
      .selectFrom("members")
      .select("member_id")
      .where("tenant_id", "=", t)
      .orderBy("card_no")
      .limit(SESSIONS)
      .execute();
    const now = new Date();
    for (const { member_id } of ids)
      tokens.push((await openMemberSession(database.db, t, member_id, now)).token);
  } finally {
    await database.close();
  }
  const server = await startProcess([MAIN, "start"], { DATABASE_URL: brand.url }, 3931);
  const byEndpoint = new Map<string, number[]>(CARD_PAGE.map((p) => [p, []]));
  const get = async (path: string, token: string) => {
    const s = performance.now();
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    byEndpoint.get(path)?.push(performance.now() - s);
    return res.ok;
  };
  // Warm-up: one page per phone.
  await Promise.all(tokens.slice(0, PHONES).map((token) => Promise.all(CARD_PAGE.map((p) => get(p, token)))));
  for (const list of byEndpoint.values()) list.length = 0;
  const loadBefore = loadAverage();
  const r = await closedLoop(PHONES, SECONDS, async () => {
    const token = tokens[Math.floor(Math.random() * tokens.length)] ?? "";
    const oks = await Promise.all(CARD_PAGE.map((p) => get(p, token)));
    return oks.every(Boolean) ? "ok" : "error";
  });
  console.log(
    `\n${PHONES} phones for ${SECONDS} s, each loading the card page's data again when the last load finished; ${SESSIONS} members; load average ${loadBefore} before, ${loadAverage()} after\n`,
  );
  console.log(row(["what", "per second", "p50 ms", "p99 ms", "errors"]));
  console.log(row(["---", "---", "---", "---", "---"]));
  console.log(
    row([
      "card page data (4 requests at once)",
      Math.round((r.outcomes.get("ok") ?? 0) / r.seconds),
      quantile(r.latencies, 0.5).toFixed(1),
      quantile(r.latencies, 0.99).toFixed(1),
      r.outcomes.get("error") ?? 0,
    ]),
  );
  for (const [path, list] of byEndpoint) {
    list.sort((a, b) => a - b);
    console.log(
      row([
        `GET ${path}`,
        Math.round(list.length / r.seconds),
        quantile(list, 0.5).toFixed(1),
        quantile(list, 0.99).toFixed(1),
        "",
      ]),
    );
  }
  console.log(`\nserver peak RSS ${server.peakRssMiB()} MiB`);

  if (existsSync(CHROMIUM)) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    try {
      const context = await browser.newContext({
        viewport: { width: 375, height: 812 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        baseURL: server.url,
      });
      const session = JSON.stringify({ token: tokens[0], tenant: t });
      await context.addInitScript((value) => {
        try {
          localStorage.setItem("enclave.member.session", value);
        } catch {
          // about:blank has no storage
        }
      }, session);
      const page = await context.newPage();
      const loads: number[] = [];
      for (let i = 0; i < 11; i++) {
        const s = performance.now();
        await page.goto("/m/", { waitUntil: "commit" });
        await page.getByTestId("card-number").waitFor({ timeout: 60_000 });
        loads.push(performance.now() - s);
      }
      const [cold, ...warm] = loads;
      warm.sort((a, b) => a - b);
      console.log(
        `Chromium (phone-sized, same tab): first load to the card number ${(cold ?? 0).toFixed(0)} ms; next ${warm.length} loads p50 ${quantile(warm, 0.5).toFixed(0)} ms, max ${(warm[warm.length - 1] ?? 0).toFixed(0)} ms (assets cached)`,
      );
    } finally {
      await browser.close();
    }
  } else console.log(`no Chromium at ${CHROMIUM}: browser load skipped`);
  console.log(
    `server peak RSS after the browser loads ${server.peakRssMiB()} MiB; load average ${loadAverage()}`,
  );
  await server.stop();
} finally {
  await brand.drop();
}
