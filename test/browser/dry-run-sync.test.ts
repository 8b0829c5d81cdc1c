import Papa from "papaparse";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";
import { startRoster } from "./serve";

// A Roster of its own, as for sync.test.ts: a sync deactivates every imported user its file lacks.
let roster: Awaited<ReturnType<typeof startRoster>>;
let baseUrl = "";

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;

beforeAll(async () => {
  roster = await startRoster("wrangler-dev-dry-run-sync.log");
  baseUrl = roster.baseUrl;
  ({ browser, page, errors, shoot } = await openBrowser(140, 149));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await roster?.stop();
});

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

describe("an admin checks a sync before running it", () => {
  it("runs a dry run of the sync from the preview, sees who would be deactivated, then imports the file", async () => {
    const before = await exportUsers();
    const status = before[0]?.indexOf("status") ?? -1;
    const active = before.slice(1).filter((r) => r[status] === "active").length;
    // Enough leavers to be more than a tenth of the active users once they are imported.
    const count = Math.floor(active / 9) + 2;
    const letters = (i: number) => String.fromCharCode(65 + Math.floor(i / 26), 97 + (i % 26));
    const leavers = Array.from({ length: count }, (_, i) => `dl${letters(i)}`);
    await uploadFile(
      "leavers.csv",
      [
        "employee_number,first_name,last_name,location,email,role",
        ...leavers.map((n, i) => `${n},Leaver,${letters(i)},London,${n}@example.com,Standard`),
      ].join("\n"),
    );
    await page.getByRole("button", { name: "Import Users" }).click();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });

    const everyone = await exportUsers();
    const staying = everyone.filter((r, i) => i === 0 || !leavers.includes(r[0] ?? ""));
    await uploadFile("organisation.csv", Papa.unparse(staying));
    await page.getByRole("link", { name: "Import as a sync…" }).click();
    const n = String(count);
    await page.getByText(`A sync started now would deactivate ${n} users`).waitFor();
    await page.getByLabel("Sync: this file is the whole organisation").check();
    await shoot(page, "dry-run-sync-preview");

    // Ticked, the check is a dry run of the sync: no number to confirm, as it changes no one.
    await page.getByRole("button", { name: "Check every line first" }).click();
    await page.getByRole("heading", { name: "Dry run report" }).waitFor();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });
    await page.getByText(`As a sync, it would also deactivate ${n} users not in the file`).waitFor();
    await page.getByRole("heading", { name: "Would be deactivated, not in the file" }).waitFor();
    for (const leaver of leavers.slice(0, 3))
      await page.getByRole("rowheader", { name: leaver, exact: true }).waitFor();
    await shoot(page, "dry-run-sync-report");
    await page.getByRole("heading", { name: "Would be deactivated, not in the file" }).scrollIntoViewIfNeeded();
    await shoot(page, "dry-run-sync-would-deactivate");
    const checked = await exportUsers();
    for (const leaver of leavers) expect(checked.find((r) => r[0] === leaver)?.[status]).toBe("active");

    // Importing it is a real sync, under the guardrail: first without the number.
    await page.getByRole("button", { name: "Import this file" }).click();
    await page.getByText(`This sync would deactivate ${n} users`).waitFor();
    await shoot(page, "dry-run-sync-needs-confirmation");
    await page.getByLabel(/To import it as a sync, type the number of users it will deactivate/).fill(n);
    await page.getByRole("button", { name: "Import this file" }).click();
    await page.getByRole("heading", { name: "Import report" }).waitFor();
    await page.locator("p.summary").waitFor({ timeout: 60_000 });
    await page.getByRole("heading", { name: "Deactivated, not in the file" }).waitFor();
    await page.getByText(`${n} users were deactivated because the file did not have them.`).waitFor();
    await page.getByRole("heading", { name: "Deactivated, not in the file" }).scrollIntoViewIfNeeded();
    await shoot(page, "dry-run-sync-imported");

    const after = await exportUsers();
    for (const leaver of leavers) expect(after.find((r) => r[0] === leaver)?.[status]).toBe("deactivated");
    for (const r of staying.slice(1).filter((r) => r[status] === "active"))
      expect(after.find((u) => u[0] === r[0])?.[status]).toBe("active");
    expect(errors).toEqual([]);
  });
});
