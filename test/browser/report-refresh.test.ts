import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eq } from "drizzle-orm";
import { withDatabase } from "../../scripts/lib/database.ts";
import { imports } from "../../src/db/schema.ts";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");
const database = { remote: false, persistTo: inject("persistTo") };

/** Six users on lines 2-7; Dorothy Vaughan on line 4 has no email. Names no other browser test uses. */
const refreshCsv =
  [
    "employee_number,first_name,last_name,location,email",
    "2001,Mary,Jackson,London,mary.jackson@example.com",
    "2002,Katherine,Johnson,LDN,katherine.johnson@example.com",
    "2003,Dorothy,Vaughan,Leeds,",
    "2004,Annie,Easley,Manchester,annie.easley@example.com",
    "2005,Christine,Darden,London HQ,christine.darden@example.com",
    "2006,Melba,Mouton,Leeds Office,melba.mouton@example.com",
  ].join("\r\n") + "\r\n";

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;
let reportPath = "";

/**
 * Sets where the import stands, as the queue consumer does. A file this small is imported within
 * a moment of its report loading, too soon to follow; the test puts its import back in a running
 * state, and then ends it, to watch the page follow.
 */
async function setImportProgress(status: "processing" | "completed", processedRows: number) {
  const id = reportPath.split("/").pop() ?? "";
  await withDatabase(database, (db) => db.update(imports).set({ status, processedRows }).where(eq(imports.id, id)));
}

/** Waits until the page script has swapped in the report's content again. */
async function nextRefresh() {
  await page.evaluate('document.querySelector("main > *").setAttribute("data-before-refresh", "")');
  await page.locator("main [data-before-refresh]").waitFor({ state: "detached", timeout: 10_000 });
}

/** The focused element's text; losing focus sends it to <body>. */
const focusedText = () =>
  page.evaluate<string>(
    'document.activeElement === document.body ? "(the page itself)" : document.activeElement.textContent',
  );
/** What the script's status region, outside the refreshed content, last said to screen readers. */
const announced = () => page.locator("body > [aria-live]").textContent();

beforeAll(async () => {
  ({ browser, page, errors, shoot } = await openBrowser(40, 49));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("an admin follows a running import from the keyboard", () => {
  it("imports a file with one failing line", async () => {
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "refresh.csv", mimeType: "text/csv", buffer: Buffer.from(refreshCsv) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("button", { name: "Import Users" }).click();
    // The report may load while the import still runs; its live region then says the same once it ends.
    await page
      .locator("#content")
      .getByText("5 out of 6 users imported.", { exact: true })
      .waitFor({ timeout: 60_000 });
    reportPath = new URL(page.url()).pathname;
  });

  it("keeps focus on the Errors tab while the report refreshes itself", async () => {
    await setImportProgress("processing", 2);
    await page.goto(`${baseUrl}${reportPath}`);
    await page.getByText("2 of 6 lines done").waitFor();
    await page.getByRole("link", { name: "Errors (1)" }).focus();
    await nextRefresh();
    expect(await focusedText()).toBe("Errors (1)");
    // Nothing changed worth saying: the status region stays quiet.
    expect(await announced()).toBe("");
    await shoot(page, "running-report-keeps-focus");
  });

  it("hears the outcome when the import finishes, still on the Errors tab", async () => {
    await setImportProgress("completed", 6);
    await page.getByText("2 of 6 lines done").waitFor({ state: "detached", timeout: 10_000 });
    expect(await page.locator("p.summary").textContent()).toBe("5 out of 6 users imported.");
    expect(await announced()).toBe("5 out of 6 users imported.");
    expect(await focusedText()).toBe("Errors (1)");
    await page.keyboard.press("Tab");
    expect(await focusedText()).toBe("Warnings (0)");
    await shoot(page, "finished-report-keeps-focus");
  });

  it("runs without script errors or Content-Security-Policy violations", () => {
    expect(errors).toEqual([]);
  });
});
