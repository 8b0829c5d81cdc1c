import Papa from "papaparse";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";
import { startRoster } from "./serve";

// A Roster of its own: a sync deactivates every imported user its file lacks, and the shared
// one holds the other tests' users, hundreds of thousands of them once the importer's tests ran.
let roster: Awaited<ReturnType<typeof startRoster>>;
let baseUrl = "";

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  roster = await startRoster("wrangler-dev-sync.log");
  baseUrl = roster.baseUrl;
  ({ browser, page, errors, shoot } = await openBrowser(130, 139));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await roster?.stop();
});

/** All Users as exported: the whole organisation, in the template's columns and then some. */
async function exportUsers(): Promise<string[][]> {
  const res = await page.request.get(`${baseUrl}/users.csv`);
  expect(res.status()).toBe(200);
  return Papa.parse<string[]>((await res.text()).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
}

async function uploadFile(name: string, csv: string) {
  await page.goto(`${baseUrl}/imports/new`);
  await page.getByLabel("CSV file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("heading", { name: "Check the file" }).waitFor();
}

describe("an admin syncs the organisation from the preview", () => {
  it("is told how many leavers the sync deactivates, confirms that number, and finds them in the report", async () => {
    const before = await exportUsers();
    const status = before[0]?.indexOf("status") ?? -1;
    const active = before.slice(1).filter((r) => r[status] === "active").length;
    // Enough leavers to be more than a tenth of the active users once they are imported.
    const count = Math.floor(active / 9) + 2;
    // Numbers, names and emails with no digit another test's search could find: "lv…", "Leaver Ab".
    const letters = (i: number) => String.fromCharCode(65 + Math.floor(i / 26), 97 + (i % 26));
    const leavers = Array.from({ length: count }, (_, i) => `lv${letters(i)}`);
    await uploadFile(
      "leavers.csv",
      [
        "employee_number,first_name,last_name,location,email,role",
        ...leavers.map((n, i) => `${n},Leaver,${letters(i)},London,${n}@example.com,Standard`),
      ].join("\n"),
    );
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });

    // The organisation as HR sends it tonight: everyone but the leavers.
    const everyone = await exportUsers();
    const staying = everyone.filter((r, i) => i === 0 || !leavers.includes(r[0] ?? ""));
    await uploadFile("organisation.csv", Papa.unparse(staying));
    await page.getByRole("link", { name: "Import as a sync…" }).click();
    const n = String(count);
    await page.getByText(`A sync started now would deactivate ${n} users`).waitFor();
    await page.getByLabel("Sync: this file is the whole organisation").check();
    await shoot(page, "sync-preview");

    await page.getByRole("button", { name: "Import Users" }).click();
    await page.getByText(`This sync would deactivate ${n} users`).waitFor();
    await shoot(page, "sync-needs-confirmation");

    await page.getByLabel(/To sync, type the number of users it will deactivate/).fill(n);
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });
    await page.getByRole("heading", { name: "Deactivated, not in the file" }).waitFor();
    await page.getByText(`${n} users were deactivated because the file did not have them.`).waitFor();
    for (const leaver of leavers.slice(0, 3))
      await page.getByRole("rowheader", { name: leaver, exact: true }).waitFor();
    await page.getByRole("heading", { name: "Deactivated, not in the file" }).scrollIntoViewIfNeeded();
    await shoot(page, "sync-report");

    const after = await exportUsers();
    const statusOf = (number: string) => after.find((r) => r[0] === number)?.[status];
    for (const leaver of leavers) expect(statusOf(leaver)).toBe("deactivated");
    const stayed = staying.slice(1).filter((r) => r[status] === "active");
    for (const r of stayed) expect(statusOf(r[0] ?? "")).toBe("active");

    // Back in tomorrow's file, they are active again.
    await uploadFile("organisation-again.csv", Papa.unparse(everyone));
    await page.getByRole("link", { name: "Import as a sync…" }).click();
    await page.getByText("A sync started now would deactivate 0 users").waitFor();
    await page.getByLabel("Sync: this file is the whole organisation").check();
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });
    const back = await exportUsers();
    for (const leaver of leavers) expect(back.find((r) => r[0] === leaver)?.[status]).toBe("active");
    expect(errors).toEqual([]);
  });
});
