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
  ({ browser, context, page, errors, shoot } = await openBrowser(100, 109));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const header = "employee_number,first_name,last_name,location,email,role";

async function upload(name: string, csv: string) {
  await page.goto(`${baseUrl}/imports/new`);
  await page.getByLabel("CSV file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload" }).click();
}

/** The five counts as the report shows them, label by label. */
async function counts(): Promise<string[]> {
  return page.locator(".stats li").allInnerTexts();
}

describe("an admin checks every line of a file before importing it", () => {
  it("sees what the file would do, changing nothing, then imports the same file from the dry run", async () => {
    // The users the second file will update.
    await upload(
      "staff.csv",
      [
        header,
        "D100,Dora,Dry,London,dora.dry@example.com,Standard",
        "D101,Rhys,Run,London,rhys.run@example.com,Standard",
      ].join("\n") + "\n",
    );
    await page.getByRole("button", { name: "Import Users" }).click();
    await page
      .locator(".summary", { hasText: "2 users imported with no reported errors" })
      .waitFor({ timeout: 60_000 });

    await upload(
      "staff-update.csv",
      [
        header,
        "D100,Dora,Dry,Leeds,dora.dry@example.com,Standard",
        "D101,Rhys,Run,London,rhys.run@example.com,Standard",
        "D102,Nia,New,Manchester,nia.new@example.com,Standard",
        "D103,Owen,Elsewhere,Atlantis,owen.elsewhere@example.com,Standard",
      ].join("\n") + "\n",
    );
    const check = page.getByRole("button", { name: "Check every line first" });
    await check.waitFor();
    await shoot(page, "preview-with-check-every-line");
    await check.click();

    await page.getByText("Dry run: nothing was changed.").waitFor();
    await page.getByText("Importing this file now would create 1, update 1 and leave 1 unchanged.").waitFor({
      timeout: 60_000,
    });
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Dry run report");
    await expect.poll(() => page.getByText("Location: London → Leeds").count()).toBe(1);
    await page.getByText('No location is named, coded or aliased "Atlantis"').waitFor();
    const dryRunUrl = page.url();
    const projected = await counts();
    await shoot(page, "dry-run-report");

    // Nothing changed: Dora is still in London.
    await page.getByRole("link", { name: "D100" }).click();
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect((await page.locator("dt:text-is('Location') + dd").textContent())?.trim()).toBe("London");
    await page.goto(dryRunUrl);

    await page.getByRole("button", { name: "Import this file" }).click();
    await page.locator(".summary", { hasText: "3 out of 4 users imported." }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Import report");
    const importUrl = page.url();
    expect(importUrl).not.toBe(dryRunUrl);
    expect(await counts()).toEqual(projected);
    await expect.poll(() => page.getByText("Location: London → Leeds").count()).toBe(1);
    await shoot(page, "import-of-the-dry-run");

    await page.goto(`${baseUrl}/imports`);
    // Other files' dry runs share this Roster: the row of this one says so, and its import's does not.
    const rowOf = (url: string) => page.locator("tr", { has: page.locator(`a[href="${new URL(url).pathname}"]`) });
    await expect.poll(() => rowOf(dryRunUrl).getByText("Dry run", { exact: true }).count()).toBe(1);
    expect(await rowOf(importUrl).getByText("Dry run", { exact: true }).count()).toBe(0);
    await shoot(page, "imports-list-with-dry-run");

    await page.goto(dryRunUrl);
    await page.getByText("This file has been imported").waitFor();
    expect(await page.getByRole("button", { name: "Import this file" }).count()).toBe(0);
    await shoot(page, "dry-run-after-import");
    expect(errors).toEqual([]);
  }, 120_000);
});
