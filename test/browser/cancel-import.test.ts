import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

/**
 * A number written in letters (0 is "a", 26 is "ba"), for the users' names: the browser tests
 * share one Roster, and All Users' test searches its names for digits.
 */
function letters(i: number): string {
  let text = "";
  let rest = i;
  do {
    text = String.fromCharCode(97 + (rest % 26)) + text;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return text;
}

/** Enough users for several chunks, so the import is still running when Cancel is pressed. */
const rows = 60_000;
const bigCsv = (() => {
  const lines = ["employee_number,first_name,last_name,location,email"];
  for (let i = 0; i < rows; i++)
    lines.push(`C${700000 + i},Cancel,User ${letters(i)},London,cancel.user${i}@example.com`);
  return lines.join("\n") + "\n";
})();

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  ({ browser, context, page, errors, shoot } = await openBrowser(90, 99, { acceptDownloads: true }));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe("an admin cancels an import they started by mistake", () => {
  it("cancels it from the report while it runs, and downloads the lines it did not reach", async () => {
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "everyone.csv", mimeType: "text/csv", buffer: Buffer.from(bigCsv) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("button", { name: "Import Users" }).click();
    const cancel = page.getByRole("button", { name: "Cancel import" });
    await cancel.waitFor();
    await shoot(page, "running-import-with-cancel");
    await cancel.click();

    // The notice, not the screen readers' announcement of the same words.
    await page.locator(".notice", { hasText: "The import was cancelled." }).waitFor({ timeout: 60_000 });
    await shoot(page, "cancelled-import");
    const summary = await page.locator(".notice").first().textContent();
    const processed = Number(/([\d,]+) of 60,000 lines were processed/.exec(summary ?? "")?.[1]?.replace(/,/g, ""));
    expect(processed).toBeGreaterThan(0);
    expect(processed).toBeLessThan(rows);
    expect(summary).toContain(`${(rows - processed).toLocaleString("en")} lines were not reached.`);
    await expect.poll(() => page.locator(".badge").first().textContent()).toBe("Cancelled");
    expect(await page.getByRole("button", { name: "Cancel import" }).count()).toBe(0);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the lines not reached (CSV)" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("everyone-not-reached.csv");
    const text = await readFile(await download.path(), "utf8");
    const lines = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe("employee_number,first_name,last_name,location,email,role");
    expect(lines).toHaveLength(rows - processed + 1);
    expect(lines[1]?.startsWith(`C${700000 + processed},`)).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);
});
