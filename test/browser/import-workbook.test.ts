import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

const screenshot = (name: string) => shoot(page, name);

beforeAll(async () => {
  ({ browser, context, page, errors, shoot } = await openBrowser(50, 59));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe("an admin imports an Excel workbook", () => {
  it("signs in and opens Import Users", async () => {
    await page.goto(`${baseUrl}/imports/new`);
    await page.getByLabel("Username").fill(inject("adminUsername"));
    await page.getByLabel("Password").fill(inject("adminPassword"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Import Users" }).waitFor();
  });

  it("uploads the .xlsx LibreOffice saved and sees its sheet and mapping in the preview", async () => {
    const buffer = await readFile("test/fixtures/workbooks/features.xlsx");
    await page.getByLabel("CSV file or workbook").setInputFiles({
      name: "features.xlsx",
      mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      buffer,
    });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByText("We found 5 users in this file.").waitFor();
    expect(await page.getByRole("definition").filter({ hasText: "Excel workbook (.xlsx)" }).count()).toBe(1);
    expect(await page.getByText("We read the sheet Users.").count()).toBe(1);
    const mapping = page.getByRole("table", { name: "How each column of the file is read" });
    expect(await mapping.getByRole("row").filter({ hasText: "start_date" }).textContent()).toContain("Ignored");
    expect(await mapping.getByRole("row").filter({ hasText: "employee_number" }).count()).toBe(1);
    const first = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "3", exact: true }) });
    expect(await first.textContent()).toContain("123456789012");
    await screenshot("workbook-preview");
  });

  it("picks the sheet Contractors and sees its one user, its headers read by their common names", async () => {
    await page.getByLabel("Read another sheet").selectOption("Contractors");
    await page.getByRole("button", { name: "Read this sheet" }).click();
    await page.getByText("We found 1 user in this file.").waitFor();
    expect(await page.getByText("We read the sheet Contractors.").count()).toBe(1);
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "2", exact: true }) });
    expect(await row.textContent()).toContain("00201");
    await screenshot("workbook-other-sheet");
    expect(errors).toEqual([]);
  });
});
