import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

/** The help article's example: six users on lines 2-7; the one on line 5 has no email. */
const helpArticleCsv =
  [
    "employee_number,first_name,last_name,location,email,role",
    "1001,Ada,Lovelace,London,ada.lovelace@example.com,Admin",
    "1002,Grace,Hopper,LDN,grace.hopper@example.com,Manager",
    "1003,Alan,Turing,Manchester,alan.turing@example.com,Standard",
    "1004,Edsger,Dijkstra,Leeds,,Standard",
    "1005,Barbara,Liskov,London HQ,barbara.liskov@example.com,Standard",
    "1006,Donald,Knuth,Leeds Office,donald.knuth@example.com,Standard",
  ].join("\r\n") + "\r\n";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

const screenshot = (name: string, target: Page = page) => shoot(target, name);

/** How far a page reaches past the right edge of the screen, and how many of its tables scroll sideways. */
async function sidewaysOverflow(target: Page): Promise<{ page: number; scrollingTables: number }> {
  return target.evaluate(`({
    page: document.documentElement.scrollWidth - window.innerWidth,
    scrollingTables: [...document.querySelectorAll(".table-wrap")].filter((w) => w.scrollWidth > w.clientWidth).length,
  })`);
}

async function downloadText(click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
}

beforeAll(async () => {
  ({ browser, context, page, errors, shoot } = await openBrowser(1, 19, { acceptDownloads: true }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe("an admin imports the help article's example file", () => {
  it("signs in with the employee number and lands on Import Users", async () => {
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/sign-in");
    await page.getByLabel("Username").fill(inject("adminUsername"));
    await page.getByLabel("Password").fill(inject("adminPassword"));
    await screenshot("sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Import Users" }).waitFor();
  });

  it("finds Import Users in the User menu", async () => {
    await page.getByText("User menu", { exact: true }).click();
    const importLink = page.getByRole("link", { name: "Import Users", exact: true });
    await importLink.waitFor();
    expect(await page.getByRole("link", { name: "All Users" }).isVisible()).toBe(true);
    await screenshot("user-menu");
    await importLink.click();
    await page.getByRole("heading", { name: "Import Users" }).waitFor();
    await screenshot("import-users");
  });

  it("downloads the template", async () => {
    const template = await downloadText(() => page.getByRole("link", { name: "Download the template" }).click());
    expect(template.name).toBe("users-template.csv");
    expect(template.text).toContain("employee_number,first_name,last_name,location,email,role");
  });

  it("is told what to fix in a refused file, and a refresh does not send it again", async () => {
    let posts = 0;
    page.on("request", (request) => {
      if (request.method() === "POST") posts += 1;
    });
    await page.getByLabel("CSV file").setInputFiles({
      name: "short.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("employee_number,first_name\r\n1,Ada\r\n"),
    });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByText("This file can't be imported").waitFor();
    expect(new URL(page.url()).pathname).toBe("/imports/new");
    await screenshot("upload-refused");
    expect(posts).toBe(1);
    await page.reload();
    await page.getByRole("heading", { name: "Import Users" }).waitFor();
    expect(posts).toBe(1);
    expect(await page.getByText("This file can't be imported").count()).toBe(0);
  });

  it("uploads the file and sees 6 users in the preview", async () => {
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(helpArticleCsv) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByText("We found 6 users in this file.").waitFor();
    expect(await page.getByRole("definition").filter({ hasText: "Comma" }).count()).toBe(1);
    expect(await page.getByRole("cell", { name: "Lovelace", exact: true }).count()).toBe(1);
    await screenshot("preview");
  });

  it("imports and watches the report reach 5 out of 6", async () => {
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.getByRole("heading", { name: "Import report" }).waitFor();
    await screenshot("report-started");
    // In <main>: once a running report finishes, the script's status region says it too.
    await page.getByRole("main").getByText("5 out of 6 users imported.").waitFor({ timeout: 60_000 });
    await screenshot("report");
  });

  it("shows line 5 reported for its missing email", async () => {
    await page.getByRole("link", { name: /^Errors/ }).click();
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "5", exact: true }) });
    await row.waitFor();
    expect(await row.textContent()).toContain("The email is empty.");
    expect(await page.getByRole("rowheader").count()).toBe(1);
    await screenshot("report-errors");
  });

  it("downloads the failed lines, with that user in them", async () => {
    const failed = await downloadText(() =>
      page.getByRole("link", { name: "Download the failed lines (CSV)" }).click(),
    );
    expect(failed.text).toContain("1004,Edsger,Dijkstra,Leeds,,Standard");
    expect(failed.text).not.toContain("Lovelace");
  });

  it("finds the imported users in All Users by the import date", async () => {
    await page.getByText("User menu", { exact: true }).click();
    await page.getByRole("link", { name: "All Users" }).click();
    await page.getByRole("heading", { name: "All Users" }).waitFor();
    await page.getByLabel("Last imported on").fill(new Date().toISOString().slice(0, 10));
    await page.getByRole("button", { name: "Show users" }).click();
    await page.getByRole("cell", { name: "Ada Lovelace" }).waitFor();
    for (const name of ["Grace Hopper", "Alan Turing", "Barbara Liskov", "Donald Knuth"]) {
      expect(await page.getByRole("cell", { name }).count(), name).toBe(1);
    }
    expect(await page.getByRole("cell", { name: "Edsger Dijkstra" }).count()).toBe(0);
    expect(await page.getByRole("cell", { name: "Avery Admin" }).count()).toBe(0);
    await screenshot("all-users-by-import-date");
  });

  it("finds the import in the Last imported by list, dated as the Imports table dates it", async () => {
    await page.goto(`${baseUrl}/imports`);
    const row = page
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "users.csv" }) })
      .first();
    const when = (await row.getByRole("cell").first().textContent()) ?? "";
    expect(when).not.toBe("");
    await page.goto(`${baseUrl}/users`);
    const choices = await page.getByLabel("Last imported by").locator("option").allTextContents();
    expect(choices).toContain(`${when} · users.csv · 6 users: 5 created, 1 failed`);
  });

  it("reads well on a phone", async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${baseUrl}/imports`);
    await phone.getByRole("link", { name: "users.csv" }).first().click();
    await phone.getByText("5 out of 6 users imported.").waitFor();
    await screenshot("phone-report", phone);
    expect(await sidewaysOverflow(phone)).toEqual({ page: 0, scrollingTables: 0 });
    // The messages wrap within the screen instead of hiding past its edge.
    const message = await phone.getByText("The email is empty.", { exact: false }).boundingBox();
    expect(message).not.toBeNull();
    expect((message?.x ?? 0) + (message?.width ?? 0)).toBeLessThanOrEqual(390);
    expect(message?.width ?? 0).toBeGreaterThan(200);

    for (const path of ["/users", "/imports", "/users/1001", "/imports/new", "/roles", "/locations", "/tokens"]) {
      await phone.goto(`${baseUrl}${path}`);
      expect(await sidewaysOverflow(phone), path).toEqual({ page: 0, scrollingTables: 0 });
    }
    await phone.goto(`${baseUrl}/users`);
    await screenshot("phone-all-users", phone);
    await phone.close();
  });

  it("runs without script errors or Content-Security-Policy violations", () => {
    expect(errors).toEqual([]);
  });
});
