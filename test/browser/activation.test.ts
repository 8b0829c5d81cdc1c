import { readFile } from "node:fs/promises";
import Papa from "papaparse";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, watchErrors, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

const csv =
  [
    "employee_number,first_name,last_name,location,email,role",
    "7701,Mina,Okafor,London,mina.okafor@example.com,Manager",
    "7702,Theo,Brandt,Manchester,theo.brandt@example.com,Standard",
  ].join("\r\n") + "\r\n";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  ({ browser, context, page, errors, shoot } = await openBrowser(120, 129, { acceptDownloads: true }));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

/** A browser context of its own, as the person the link is for has: no cookies, nobody signed in. */
async function freshPage() {
  const own = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-GB", timezoneId: "UTC" });
  const fresh = await own.newPage();
  return { own, fresh, freshErrors: watchErrors(fresh) };
}

describe("an imported Manager activates their account", () => {
  let minaLink = "";

  it("takes the links of the users an import created from its report", async () => {
    await page.goto(`${baseUrl}/imports/new`);
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "new-staff.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });
    const button = page.getByRole("button", { name: "Download activation links (CSV)" });
    await button.waitFor();
    await shoot(page, "report-activation-links");

    const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
    expect(download.suggestedFilename()).toBe("new-staff-activation-links.csv");
    const text = await readFile(await download.path(), "utf8");
    const rows = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(rows.map((r) => [r.employee_number, r.first_name, r.last_name, r.email])).toEqual([
      ["7701", "Mina", "Okafor", "mina.okafor@example.com"],
      ["7702", "Theo", "Brandt", "theo.brandt@example.com"],
    ]);
    minaLink = rows[0]?.activation_link ?? "";
    expect(minaLink).toMatch(new RegExp(`^${baseUrl}/set-password/[\\w-]{43}$`));
  });

  it("opens the link in a fresh browser, sets a password, is signed in and sees All Users", async () => {
    const { own, fresh, freshErrors } = await freshPage();
    try {
      await fresh.goto(minaLink);
      await fresh.getByRole("heading", { name: "Set your password" }).waitFor();
      expect(await fresh.getByLabel("Username").inputValue()).toBe("7701");
      await fresh.getByLabel("New password", { exact: true }).fill("password123");
      await fresh.getByLabel("New password again").fill("password123");
      await fresh.getByRole("button", { name: "Set password and sign in" }).click();
      await fresh.getByText("This password is one of the most common ones").waitFor();
      await shoot(fresh, "set-password-refused");

      await fresh.getByLabel("New password", { exact: true }).fill("tulip harbour engine");
      await fresh.getByLabel("New password again").fill("tulip harbour engine");
      await shoot(fresh, "set-password");
      await fresh.getByRole("button", { name: "Set password and sign in" }).click();
      await fresh.getByRole("heading", { name: "All Users" }).waitFor();
      await fresh.getByText("User menu").click();
      await fresh.locator(".user-menu-who").getByText("Mina Okafor").waitFor();
      await shoot(fresh, "signed-in-all-users");
      expect(freshErrors).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it("refuses the same link a second time, and signs in with the new password", async () => {
    const { own, fresh } = await freshPage();
    try {
      await fresh.goto(minaLink);
      await fresh.getByRole("heading", { name: "This link cannot be used" }).waitFor();
      await shoot(fresh, "link-used");
      await fresh.goto(`${baseUrl}/sign-in`);
      await fresh.getByText("Your username is your employee number.").waitFor();
      await fresh.getByLabel("Username").fill("7701");
      await fresh.getByLabel("Password").fill("tulip harbour engine");
      await fresh.getByRole("button", { name: "Sign in" }).click();
      await fresh.getByRole("heading", { name: "All Users" }).waitFor();
    } finally {
      await own.close();
    }
  });

  it("makes a password reset link on the user's page once they have a password", async () => {
    await page.goto(`${baseUrl}/users/7701`);
    await page.getByText("They have a password and can sign in.").waitFor();
    await page.getByRole("button", { name: "Create a password reset link" }).click();
    await page.getByText("The password reset link is made").waitFor();
    expect(await page.getByLabel("Link").inputValue()).toMatch(/\/set-password\//);
    await shoot(page, "user-page-reset-link");
    expect(errors).toEqual([]);
  });
});
