import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

async function openMenuItem(name: string) {
  await page.getByText("User menu", { exact: true }).click();
  await page.getByRole("link", { name, exact: true }).click();
}

beforeAll(async () => {
  let context: BrowserContext;
  ({ browser, context, page, errors, shoot } = await openBrowser(20, 39));
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe("an admin looks after locations, locks and tokens", () => {
  it("adds a location with a code and aliases", async () => {
    await openMenuItem("Locations");
    await page.getByLabel("Name").fill("Bristol");
    await page.getByLabel("Code").fill("BRS");
    await page.getByLabel("Aliases").fill("Temple Meads, Bristol HQ");
    await page.getByRole("button", { name: "Add location" }).click();
    await page.getByText("The location was added.").waitFor();
    expect(await page.getByRole("rowheader", { name: "Bristol" }).count()).toBe(1);
  });

  it("is told which location already uses a name it gives as an alias", async () => {
    await page.getByLabel("Name").fill("Bristol North");
    await page.getByLabel("Aliases").fill("ldn");
    await page.getByRole("button", { name: "Add location" }).click();
    await page.getByText('"LDN" is already the code of London.', { exact: false }).waitFor();
    await shoot(page, "location-clash");
  });

  it("locks a user's role from their page", async () => {
    await page.goto(`${baseUrl}/users/${inject("adminUsername")}`);
    await page.getByLabel("Lock the role: imports don't change it").check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("The role, location and locks were saved.").waitFor();
    expect(await page.getByLabel("Lock the role: imports don't change it").isChecked()).toBe(true);
    await shoot(page, "user-locks");
  });

  it("keeps the role and the location chosen when it also locks them", async () => {
    await page.goto(`${baseUrl}/users/${inject("adminUsername")}`);
    await page.getByLabel("Location", { exact: true }).selectOption({ label: "Manchester" });
    await page.getByLabel("Lock the location: imports don't change it").check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("The role, location and locks were saved.").waitFor();
    expect(await page.getByRole("definition").filter({ hasText: "Manchester (locked)" }).count()).toBe(1);
    expect(await page.getByLabel("Location", { exact: true }).inputValue()).not.toBe("");
    await shoot(page, "user-location-and-lock");
  });

  it("creates an API token, copies it, and revokes it", async () => {
    await openMenuItem("API tokens");
    await page.getByLabel("Name").fill("HR sync");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = await page.getByLabel("Token", { exact: true }).inputValue();
    expect(token).toMatch(/^rst_/);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(token);
    await shoot(page, "token-created");
    await page.getByRole("button", { name: "Revoke HR sync" }).click();
    await page.getByText("The token was revoked.").waitFor();
    await shoot(page, "token-revoked");
  });

  it("reads what each role allows", async () => {
    await openMenuItem("Roles");
    await page.getByRole("heading", { name: "Roles" }).waitFor();
    expect(await page.getByRole("rowheader", { name: "Manager" }).count()).toBe(1);
    await shoot(page, "roles");
  });

  it("signs out", async () => {
    await page.getByText("User menu", { exact: true }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    await page.goto(`${baseUrl}/users`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/sign-in");
  });

  it("runs without script errors or Content-Security-Policy violations", () => {
    expect(errors).toEqual([]);
  });
});
