import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

// A zone whose calendar day is not UTC's right now, whatever the hour: the reader's day and
// UTC's differ, as they do for much of the world for part of every day.
const now = new Date();
const timezoneId = now.getUTCHours() < 11 ? "Pacific/Pago_Pago" : "Pacific/Kiritimati";
const localDay = new Intl.DateTimeFormat("en-CA", {
  timeZone: timezoneId,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
}).format(now);

/** Sixty users, 3000 to 3059, all clean: more than one page of All Users. Numbers no other browser test uses. */
const manyCsv =
  [
    "employee_number,first_name,last_name,location,email",
    ...Array.from({ length: 60 }, (_, i) => `${3000 + i},Person,Number${i},London,person${3000 + i}@example.com`),
  ].join("\r\n") + "\r\n";

/** One line with an unknown role, one with an unknown location. */
const problemCsv =
  [
    "employee_number,first_name,last_name,location,email,role",
    "3100,Hedy,Lamarr,Manchester,hedy.lamarr@example.com,Inventor",
    "3101,Joan,Clarke,Bletchley,joan.clarke@example.com,Standard",
  ].join("\r\n") + "\r\n";

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;
let problemReport = "";

async function importFile(name: string, csv: string) {
  await page.goto(`${baseUrl}/imports/new`);
  await page.getByLabel("CSV file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByText(/We found \d+ users? in this file\./).waitFor();
  await page.getByRole("button", { name: "Import Users" }).click();
  await page.locator("p.summary").waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  ({ browser, page, errors, shoot } = await openBrowser(60, 69, { timezoneId }));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
});

describe(`an admin in ${timezoneId} finds users`, () => {
  it("reads what a clean import did, beside a tick that renders without an emoji font", async () => {
    await importFile("many.csv", manyCsv);
    const summary = page.locator("p.summary");
    expect(await summary.textContent()).toBe("60 users imported with no reported errors: 60 created.");
    const tick = await summary.locator("svg").boundingBox();
    expect(tick?.width ?? 0).toBeGreaterThan(10);
    await shoot(page, "clean-report");
  });

  it("follows the report's links to a user's page and to Locations", async () => {
    await importFile("problems.csv", problemCsv);
    problemReport = page.url();
    await shoot(page, "report-links");
    await page.getByRole("link", { name: "the user's page" }).click();
    await page.getByRole("heading", { name: "Hedy Lamarr" }).waitFor();
    await page.goto(problemReport);
    await page.getByRole("link", { name: "3100", exact: true }).click();
    await page.getByRole("heading", { name: "Hedy Lamarr" }).waitFor();
    await page.goto(problemReport);
    // Line 3 failed and Joan Clarke was never created: her number is not a link.
    expect(await page.getByRole("link", { name: "3101", exact: true }).count()).toBe(0);
    await page.getByRole("link", { name: "Locations", exact: true }).click();
    await page.getByRole("heading", { name: "Locations" }).waitFor();
  });

  it("finds today's imports by the day as it is here, not in UTC", async () => {
    await page.goto(`${baseUrl}/users`);
    // The sixty people's shared name: "30" would also find other files' users, such as the
    // cancelled import's "Cancel User30", when that file runs first on the same server.
    await page.getByLabel("Search").fill("Person Number");
    await page.getByLabel("Last imported on").fill(localDay);
    await page.getByRole("button", { name: "Show users" }).click();
    await page.getByText("60 users match the filters.").waitFor();
    expect(await page.getByText(`Days are in your time zone (${timezoneId})`).count()).toBe(1);
    await shoot(page, "all-users-local-day");
  });

  it("pages forward and back through the users", async () => {
    await page.getByRole("link", { name: "Next page" }).first().click();
    await page.getByRole("rowheader", { name: "3050", exact: true }).waitFor();
    await page.getByText("60 users match the filters.").waitFor();
    await shoot(page, "all-users-second-page");
    await page.getByRole("link", { name: "Previous page" }).click();
    await page.getByRole("rowheader", { name: "3000", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: "Previous page" }).count()).toBe(0);
  });

  it("lines up the filters: one height, and the search's whole placeholder shown", async () => {
    const heights = await Promise.all(
      ["Search", "Last imported on", "Last imported by", "Location", "Role"].map(
        async (label) => (await page.getByLabel(label, { exact: true }).boundingBox())?.height,
      ),
    );
    expect(new Set(heights).size, heights.join(", ")).toBe(1);
    // The placeholder's width in the field's font, against the room inside the field's padding.
    const fits = await page.evaluate<{ text: number; room: number }>(`(() => {
      const input = document.getElementById("q");
      const style = getComputedStyle(input);
      const context = document.createElement("canvas").getContext("2d");
      context.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { text: context.measureText(input.placeholder).width, room };
    })()`);
    expect(fits.text).toBeLessThanOrEqual(fits.room);
  });

  it("runs without script errors or Content-Security-Policy violations", () => {
    expect(errors).toEqual([]);
  });
});
