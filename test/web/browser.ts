// Chromium driven by playwright-core, for the web journeys and the screenshots script.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Without these Chromium stalls on refused connections on a machine without internet. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export const DESKTOP = { viewport: { width: 1440, height: 900 } } as const;
/** An iPhone-sized screen: the member center and staff pages must fit 375 px. */
export const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
} as const;

/** A fresh browser context in one language, with page errors collected so a test can assert there were none. */
export async function openContext(
  browser: Browser,
  baseURL: string,
  options: typeof DESKTOP | typeof PHONE,
  lang: "zh-CN" | "en" = "en",
): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({
    ...options,
    baseURL,
    locale: lang === "en" ? "en-US" : "zh-CN",
  });
  await context.addInitScript((l) => {
    // The first visit's language; a choice made on the page later is kept (about:blank has no storage).
    try {
      if (!localStorage.getItem("enclave.lang")) localStorage.setItem("enclave.lang", l);
    } catch {
      // nothing to remember on a blank page
    }
  }, lang);
  context.setDefaultTimeout(90_000);
  context.setDefaultNavigationTimeout(90_000);
  const errors: string[] = [];
  context.on("weberror", (error) => errors.push(error.error().message));
  return { context, errors };
}

export const DEMO = { tenant: "demo", email: "owner@demo.enclave.dev", password: "enclave-demo" } as const;

export async function signInToConsole(
  page: Page,
  who: { tenant: string; email: string; password: string } = DEMO,
) {
  await page.goto("/admin");
  await page.getByLabel("Brand").fill(who.tenant);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Member analytics").waitFor();
}
