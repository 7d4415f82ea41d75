// Chromium driven by playwright-core, for the web journeys and the screenshots script.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

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
  // Sign-in is throttled per account (10 a minute): many journeys signing in as one operator wait as a user
  // told to retry would, for Retry-After seconds.
  for (;;) {
    const answered = page.waitForResponse((r) => r.url().endsWith("/v1/auth/login"));
    await page.getByRole("button", { name: "Sign in" }).click();
    const response = await answered;
    if (response.status() !== 429) break;
    await page.waitForTimeout(Number(response.headers()["retry-after"] ?? 5) * 1000);
  }
  await page.getByText("Member analytics").waitFor();
}

/**
 * Picks `option` in the Ant Design select labelled `label` inside `scope`, and checks the field now shows it: on a
 * loaded machine a click can land while the dropdown is still sliding in and be lost, so it is tried again.
 */
export async function chooseOption(page: Page, scope: Locator, label: string, option: string) {
  const field = scope.locator(".ant-form-item", { has: page.getByLabel(label, { exact: true }) });
  const choice = page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: option });
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await choice.isVisible())) await scope.getByLabel(label, { exact: true }).click();
      await choice.click({ timeout: 10_000 });
      await field.locator(".ant-select-content", { hasText: option }).waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/**
 * Types `text` into the tags-mode select labelled `label` inside `scope` and presses Enter, then checks the field
 * now holds it as a chip: on a loaded machine Enter can arrive before the select has taken the typed text, and the
 * form would then be sent without it, so it is tried again.
 */
export async function typeTag(page: Page, scope: Locator, label: string, text: string) {
  const field = scope.locator(".ant-form-item", { has: page.getByLabel(label, { exact: true }) });
  const input = scope.getByLabel(label, { exact: true });
  for (let attempt = 1; ; attempt++) {
    try {
      await input.fill(text);
      await input.press("Enter");
      await field.locator(".ant-select-content", { hasText: text }).waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
