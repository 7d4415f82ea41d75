/**
 * The admin console's dashboard as an operator opens it: `npm start`'s server on a fresh embedded database with
 * the demo brand, Chromium (playwright-core, /usr/bin/chromium) at 1440 × 900 with the owner's session, loading
 * /admin/ until the growth and stages charts are drawn. The target (issue 6): interactive within 2 s.
 * Cold loads each open a fresh browser context (empty cache: every asset downloaded and compiled); warm loads
 * reload one tab. Usage: npm run bench -- console [loads=11] [cold loads=5]
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { loadAverage, machine, MAIN, quantile, startProcess } from "./support.ts";

const LOADS = Number(process.argv[3] ?? 11);
const COLD_LOADS = Number(process.argv[4] ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const DEMO = { tenant: "demo", email: "owner@demo.enclave.dev", password: "enclave-demo" };
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);

console.log(`machine: ${machine()}; load average ${loadAverage()}`);
const dataDir = mkdtempSync(join(tmpdir(), "enclave-bench-console-"));
const started = performance.now();
const server = await startProcess(
  [MAIN, "start"],
  { ENCLAVE_DATA_DIR: dataDir, ENCLAVE_DEMO: "true", ENCLAVE_WEBHOOKS_ALLOW_PRIVATE: "false" },
  3914,
);
console.log(`server with the demo brand ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const login = await fetch(`${server.url}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(DEMO),
  });
  if (!login.ok) throw new Error(`sign-in: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const session = JSON.stringify({ token, tenant: DEMO.tenant, role: "owner" });
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: server.url });
    await context.addInitScript((value) => {
      try {
        localStorage.setItem("enclave.admin.session", value);
        localStorage.setItem("enclave.lang", "en");
      } catch {
        // about:blank has no storage
      }
    }, session);
    return context.newPage();
  };
  // Usable: the page's controls are on screen and answer (its date range, interval and recompute button), before
  // the charts are drawn.
  const usable: number[] = [];
  const load = async (page: Awaited<ReturnType<typeof newPage>>) => {
    const began = performance.now();
    await page.goto("/admin/", { waitUntil: "commit" });
    await page.getByRole("button", { name: "Recompute scores" }).waitFor({ timeout: 60_000 });
    usable.push(performance.now() - began);
    await page.locator("[data-testid=chart-growth] canvas").waitFor({ timeout: 60_000 });
    await page.locator("[data-testid=chart-stages] canvas").waitFor({ timeout: 60_000 });
    return performance.now() - began;
  };
  const cold: number[] = [];
  for (let i = 0; i < COLD_LOADS; i++) {
    const page = await newPage();
    cold.push(await load(page));
    await page.context().close();
  }
  const coldUsable = usable.splice(0).sort((a, b) => a - b);
  const page = await newPage();
  await load(page);
  const warm: number[] = [];
  for (let i = 0; i < LOADS; i++) warm.push(await load(page));
  const [first] = cold;
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  console.log(
    `dashboard drawn (growth and stages charts): very first load ${(first ?? 0).toFixed(0)} ms; ` +
      `${cold.length} cold loads (fresh context, nothing cached) p50 ${quantile(cold, 0.5).toFixed(0)} ms, ` +
      `max ${(cold.at(-1) ?? 0).toFixed(0)} ms; ${warm.length} warm loads p50 ${quantile(warm, 0.5).toFixed(0)} ms, ` +
      `max ${(warm.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(
    `usable (controls on screen) before the charts: cold p50 ${quantile(coldUsable, 0.5).toFixed(0)} ms, ` +
      `max ${(coldUsable.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(`server peak RSS ${server.peakRssMiB()} MiB; load average ${loadAverage()}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
