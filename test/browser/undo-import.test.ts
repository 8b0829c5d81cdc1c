import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  ({ browser, context, page, errors, shoot } = await openBrowser(110, 119));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const head = "employee_number,first_name,last_name,location,email";

/** Uploads a file from Import Users, imports it, and waits for its report to say it is done. */
async function importFile(name: string, csv: string, done: string): Promise<string> {
  await page.goto(`${baseUrl}/imports/new`);
  await page.getByLabel("CSV file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("button", { name: "Import Users" }).click();
  await page.getByRole("heading", { name: "Import report" }).waitFor();
  await page.getByRole("main").getByText(done).waitFor({ timeout: 60_000 });
  return page.url();
}

describe("an admin undoes an import made by mistake", () => {
  it("undoes it from the report after a confirmation, and sees what was removed, restored and kept", async () => {
    const stamp = Date.now() % 1_000_000;
    const [ada, bo, cy] = [`UN${stamp}1`, `UN${stamp}2`, `UN${stamp}3`];
    await importFile(
      "staff.csv",
      `${head}\n${ada},Ada,Undo,London,${ada}@example.com\n${bo},Bo,Undo,London,${bo}@example.com\n`,
      "2 users imported",
    );
    // The mistake: everyone moved to Leeds, and a stranger added.
    const mistake = await importFile(
      "wrong.csv",
      `${head}\n${ada},Ada,Undo,Leeds,${ada}@example.com\n${bo},Bob,Undo,Leeds,${bo}@example.com\n${cy},Cy,Undo,London,${cy}@example.com\n`,
      "3 users imported",
    );
    // Since then, Bo has moved to Manchester for real.
    await importFile("bo.csv", `${head}\n${bo},Bob,Undo,Manchester,${bo}@example.com\n`, "1 user imported");

    await page.goto(mistake);
    await shoot(page, "completed-import-with-undo");
    await page.getByRole("link", { name: "Undo this import" }).click();
    await page.getByRole("heading", { name: "Undo this import?" }).waitFor();
    expect(await page.getByText("Remove the 1 user this import created").count()).toBe(1);
    expect(await page.getByText("Restore the earlier values of the 2 users this import updated.").count()).toBe(1);
    await shoot(page, "undo-confirmation");
    await page.getByRole("button", { name: "Undo this import" }).click();

    await page.getByText("This import was undone.").waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator(".page-head .badge").textContent()).toBe("Undone");
    expect(await page.getByText("1 user removed, 2 restored").count()).toBe(1);
    const kept = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "3", exact: true }) });
    expect(await kept.first().textContent()).toContain(
      "The location was kept: it was changed after this import, by a later import or by hand.",
    );
    expect(await page.getByRole("link", { name: "Undo this import" }).count()).toBe(0);
    await shoot(page, "undone-import");

    await page.goto(`${baseUrl}/users/${bo}`);
    await page.getByRole("heading", { name: "History" }).waitFor();
    expect(await page.getByRole("link", { name: "Undo of an import, line 3" }).count()).toBe(1);
    expect(await page.getByText("First name: Bob → Bo").count()).toBe(1);
    await shoot(page, "history-with-undo");
    expect(errors).toEqual([]);
    // The user the mistake created is gone.
    expect((await page.goto(`${baseUrl}/users/${cy}`))?.status()).toBe(404);
  }, 120_000);
});
