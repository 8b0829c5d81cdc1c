import { beforeAll, describe, expect, it } from "vitest";
import { createLocation, listLocations } from "../../src/db/locations";
import { storedKeys, workbook } from "../imports/workbooks";
import { Browser, csrfIn, db, signedIn } from "./helpers";

let browser: Browser;

beforeAll(async () => {
  ({ browser } = await signedIn("Admin"));
  const existing = new Set((await listLocations(db)).map((l) => l.name));
  for (const name of ["London", "Manchester", "Bristol", "Edinburgh"])
    if (!existing.has(name)) await createLocation(db, { name, aliases: [] });
});

async function uploadFile(bytes: Uint8Array<ArrayBuffer>, fileName: string, type: string): Promise<Response> {
  const page = await browser.fetch("/imports/new");
  const form = new FormData();
  form.set("_csrf", csrfIn(await page.text()));
  form.set("file", new File([bytes], fileName, { type }));
  return browser.fetch("/imports", { method: "POST", body: form });
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The preview of features.xlsx, uploaded on the Import Users page. */
async function previewFeatures(): Promise<{ path: string; html: string }> {
  const res = await uploadFile(workbook("features.xlsx"), "features.xlsx", xlsxType);
  expect(res.status).toBe(303);
  const path = res.headers.get("Location") ?? "";
  return { path, html: await (await browser.fetch(path)).text() };
}

describe("Import Users with a workbook", () => {
  it("previews the sheet it read, names the others, and numbers rows as the spreadsheet does", async () => {
    const { html } = await previewFeatures();
    expect(html).toContain("We found 5 users in this file.");
    expect(html).toContain("<dd>Excel workbook (.xlsx)</dd>");
    expect(html).toContain("<dt>Sheet</dt><dd>Users</dd>");
    expect(html).toContain("This workbook also has Archive (hidden), Contractors.");
    expect(html).toMatch(/<th scope="col" class="num">Row<\/th>/);
    expect(html).toMatch(/<th scope="row" class="num">3<\/th><td>123456789012<\/td><td>Ann<\/td><td>LEE<\/td>/);
    expect(html).not.toContain("Delimiter");
  });

  it("reads another sheet of the same workbook in place of the first, keeping the import", async () => {
    const { path, html } = await previewFeatures();
    const id = path.split("/").pop() ?? "";
    const before = (await storedKeys()).filter((k) => k.startsWith(`imports/${id}/`));
    expect(before).toHaveLength(2);
    const res = await browser.post(`${path}/sheet`, { _csrf: csrfIn(html), sheet: "Contractors" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(path);
    const again = await (await browser.fetch(path)).text();
    expect(again).toContain("We found 1 user in this file.");
    expect(again).toContain("<dt>Sheet</dt><dd>Contractors</dd>");
    expect(again).toMatch(/<th scope="row" class="num">2<\/th><td>00201<\/td><td>Eve<\/td>/);
    // The workbook stays; the first sheet's file is replaced by the new one's.
    const after = (await storedKeys()).filter((k) => k.startsWith(`imports/${id}/`));
    expect(after).toHaveLength(2);
    expect(after.filter((k) => before.includes(k))).toEqual([`imports/${id}/upload.gz`]);
  });

  it("says which sheets there are when the one asked for is not in the workbook", async () => {
    const { path, html } = await previewFeatures();
    const res = await browser.post(`${path}/sheet`, { _csrf: csrfIn(html), sheet: "Staff" });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain("This workbook has no sheet called &quot;Staff&quot;");
    expect(page).toContain("<dt>Sheet</dt><dd>Users</dd>");
  });

  it("lets only those who manage users pick another sheet", async () => {
    const { path } = await previewFeatures();
    const manager = (await signedIn("Manager")).browser;
    const preview = await (await manager.fetch(path)).text();
    expect(preview).not.toContain("Read this sheet");
    const res = await manager.post(`${path}/sheet`, { _csrf: await manager.csrf(), sheet: "Contractors" });
    expect(res.status).toBe(403);
  });

  it("reports a workbook's users by row: Row column, and messages that say row", async () => {
    const { path, html } = await previewFeatures();
    expect((await browser.post(`${path}/start`, { _csrf: csrfIn(html) })).status).toBe(303);
    const deadline = Date.now() + 30_000;
    let report = "";
    for (;;) {
      report = await (await browser.fetch(path)).text();
      if (!report.includes("data-live")) break;
      if (Date.now() > deadline) throw new Error("the import did not finish");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(report).toContain('data-label="Row"');
    expect(report).toContain("also on row 8");
    expect(report).toContain("All rows");
    const csv = await (await browser.fetch(`${path}/report.csv`)).text();
    expect(csv.split("\r\n")[0]).toBe(
      "row,outcome,messages,changes,employee_number,first_name,last_name,location,email,role",
    );
  });

  it("offers the template as an Excel workbook, which reads back as the template's header", async () => {
    const res = await browser.fetch("/imports/template.xlsx");
    expect(res.headers.get("Content-Type")).toBe(xlsxType);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const refused = await uploadFile(bytes, "users-template.xlsx", xlsxType);
    expect(refused.status).toBe(303);
    const page = await (await browser.fetch(refused.headers.get("Location") ?? "")).text();
    expect(page).toContain("The file has a header row but no users below it. Add one row per user under row 1");
    expect(page).toContain('href="/imports/template.xlsx"');
  });
});
