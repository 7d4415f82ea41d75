/**
 * The admin console's dashboard as an operator opens it: `npm start`'s server on a fresh embedded database with
 * the demo brand, Chromium (playwright-core, /usr/bin/chromium) at 1440 × 900 with the owner's session, loading
 * /admin/ until the growth and stages charts are drawn. The target (issue 6): interactive within 2 s.
 * Usage: npm run bench -- console [loads=11]
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { loadAverage, machine, MAIN, quantile, startProcess } from "./support.ts";

const LOADS = Number(process.argv[3] ?? 11);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const DEMO = { tenant: "demo", email: "owner@demo.enclave.dev", password: "enclave-demo" };
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);

console.log(`machine: ${machine()}; load average ${loadAverage()}`);
const dataDir = mkdtempSync(join(tmpdir(), "enclave-bench-console-"));
let started = performance.now();
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
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: server.url });
  const session = JSON.stringify({ token, tenant: DEMO.tenant, role: "owner" });
  await context.addInitScript((value) => {
    try {
      localStorage.setItem("enclave.admin.session", value);
      localStorage.setItem("enclave.lang", "en");
    } catch {
      // about:blank has no storage
    }
  }, session);
  const page = await context.newPage();
  const loads: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    started = performance.now();
    await page.goto("/admin/", { waitUntil: "commit" });
    await page.locator("[data-testid=chart-growth] canvas").waitFor({ timeout: 60_000 });
    await page.locator("[data-testid=chart-stages] canvas").waitFor({ timeout: 60_000 });
    loads.push(performance.now() - started);
  }
  const [cold, ...warm] = loads;
  warm.sort((a, b) => a - b);
  console.log(
    `dashboard drawn (growth and stages charts): first load ${(cold ?? 0).toFixed(0)} ms (assets downloaded); ` +
      `next ${warm.length} loads p50 ${quantile(warm, 0.5).toFixed(0)} ms, max ${(warm.at(-1) ?? 0).toFixed(0)} ms (assets cached)`,
  );
  console.log(`server peak RSS ${server.peakRssMiB()} MiB; load average ${loadAverage()}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
