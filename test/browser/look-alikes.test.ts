import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sql } from "drizzle-orm";
import { withDatabase } from "../../scripts/lib/database.ts";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");
const database = { remote: false, persistTo: inject("persistTo") };

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  ({ browser, page, errors, shoot } = await openBrowser(70, 79));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("an admin meets look-alike identifiers", () => {
  it("is told a fullwidth London is the London there is", async () => {
    await page.goto(`${baseUrl}/locations`);
    await page.getByLabel("Name").fill("Ｌondon");
    await page.getByRole("button", { name: "Add location" }).click();
    await page.getByText("This location can't be saved yet.").waitFor();
    await shoot(page, "location-look-alike-refused");
    expect(await page.getByText('"London" is already the name of London.', { exact: false }).count()).toBe(1);
  });

  it("sees the users an upgrade kept apart, with links to both", async () => {
    // As migration 0012's rebuild leaves two users stored apart before keys folded look-alikes:
    // a soft hyphen shows as nothing, so the two employee numbers look the same.
    const twin = "80\u00AD01";
    await withDatabase(database, async (db) => {
      await db.run(sql`INSERT INTO users (employee_number, employee_key, first_name, last_name, name_key, email, email_key, role_id)
        SELECT '8001', '8001', 'Grace', 'Hopper', 'grace hopper', 'grace@example.com', 'grace@example.com', id FROM roles WHERE name_key = 'standard'`);
      await db.run(sql`INSERT INTO users (employee_number, employee_key, first_name, last_name, name_key, email, email_key, role_id)
        SELECT ${twin}, ${twin}, 'Grace', 'Twin', 'grace twin', 'grace.twin@example.com', 'grace.twin@example.com', id FROM roles WHERE name_key = 'standard'`);
      await db.run(sql`INSERT INTO key_collisions (kind, field, row_id, other_id, key, kept_key)
        SELECT 'user', 'employee_number', t.id, r.id, '8001', ${twin} FROM users t, users r WHERE t.employee_key = ${twin} AND r.employee_key = '8001'`);
    });
    await page.goto(`${baseUrl}/users`);
    await page.getByText("Some users' identifiers look the same as another user's.").waitFor();
    await shoot(page, "users-kept-apart");
    // Each link leads to its own user.
    const notice = page.getByRole("status").filter({ hasText: "Some users' identifiers" });
    await notice.locator(`a[href="/users/${encodeURIComponent("80\u00AD01")}"]`).click();
    await page.getByRole("heading", { name: "Grace Twin" }).waitFor();
    await page.goBack();
    await notice.locator('a[href="/users/8001"]').click();
    await page.getByRole("heading", { name: "Grace Hopper" }).waitFor();
    expect(errors).toEqual([]);
  });
});
