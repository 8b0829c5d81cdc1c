import { mkdir, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { inject } from "vitest";

export const screenshotDir = resolve(import.meta.dirname, "../../test-results/screenshots");

/** How the browser tests see the pages: a desktop window, British English, in UTC. */
const desktop = { viewport: { width: 1280, height: 860 }, locale: "en-GB", timezoneId: "UTC" } as const;

/** Signs a page in as the admin the tests' server was given, and waits for Import Users. */
export async function signInAsAdmin(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Username").fill(inject("adminUsername"));
  await page.getByLabel("Password").fill(inject("adminPassword"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Import Users" }).waitFor();
}

/** Debian's Chromium, headless, with nothing running in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Numbered screenshots, NN-step.png, from `first` on; each test file has its own range and
 * clears only its own earlier shots.
 */
export async function screenshotter(first: number, last: number) {
  await mkdir(screenshotDir, { recursive: true });
  for (const file of await readdir(screenshotDir)) {
    // Its number, however many digits: 130-… is not 13's.
    const n = Number(/^(\d+)-/.exec(file)?.[1]);
    if (n >= first && n <= last) await rm(join(screenshotDir, file));
  }
  let step = first - 1;
  return async (page: Page, name: string) => {
    step += 1;
    await page.screenshot({
      path: join(screenshotDir, `${String(step).padStart(2, "0")}-${name}.png`),
      fullPage: true,
      animations: "disabled",
    });
  };
}

/**
 * Script errors, CSP violations and failed loads a page reports, which a test expects to be
 * none. Pages answered 401, 403 or 422 on purpose (a refused form) are not failures.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (/status of (401|403|422)\b/.test(msg.text())) return;
    errors.push(`${msg.text()} (${msg.location().url})`);
  });
  return errors;
}

/**
 * What a browser test file works with: Chromium, one desktop page in a context of its own (with
 * `options` added), the errors that page reports, and screenshots numbered `first` to `last`.
 */
export async function openBrowser(first: number, last: number, options: BrowserContextOptions = {}) {
  const shoot = await screenshotter(first, last);
  const browser = await launchChromium();
  const context = await browser.newContext({ ...desktop, ...options });
  const page = await context.newPage();
  return { browser, context, page, errors: watchErrors(page), shoot };
}
