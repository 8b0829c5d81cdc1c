import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

const csv = [
  "employee_number,first_name,last_name,location,email,role",
  "8801,Lea,Vers,London,lea.vers@example.com,Standard",
].join("\n");

beforeAll(async () => {
  ({ browser, page, errors, shoot } = await openBrowser(80, 89));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("an admin deactivates a leaver on their page", () => {
  it("deactivates the user, finds them under Deactivated in All Users, and reactivates them", async () => {
    await page.goto(`${baseUrl}/imports/new`);
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "leaver.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });

    await page.goto(`${baseUrl}/users/8801`);
    await page.getByRole("heading", { name: "Lea Vers" }).waitFor();
    await page.getByRole("button", { name: "Deactivate" }).click();
    await page.getByText("8801 is deactivated: they are signed out, and their API tokens are refused.").waitFor();
    expect(
      await page
        .getByRole("definition")
        .filter({ hasText: /^Deactivated$/ })
        .count(),
    ).toBe(1);
    expect(await page.getByRole("button", { name: "Reactivate" }).count()).toBe(1);
    await shoot(page, "user-deactivated");

    await page.goto(`${baseUrl}/users`);
    await page.getByLabel("Status").selectOption({ label: "Deactivated" });
    await page.getByRole("button", { name: "Show users" }).click();
    await page.getByText("1 user matches the filters.").waitFor();
    await page.getByRole("rowheader", { name: "8801", exact: true }).waitFor();
    await shoot(page, "all-users-deactivated");

    await page.getByRole("link", { name: "8801", exact: true }).click();
    await page.getByRole("button", { name: "Reactivate" }).click();
    await page.getByText("8801 is active again: they can sign in.").waitFor();
    expect(errors).toEqual([]);
  });

  it("offers the admin no Deactivate button on their own page", async () => {
    await page.goto(`${baseUrl}/users/${inject("adminUsername")}`);
    await page.getByText("Your own account can be deactivated only by another admin.").waitFor();
    expect(await page.getByRole("button", { name: "Deactivate" }).count()).toBe(0);
  });
});
