import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createLocation } from "../../src/db/locations";
import { imports } from "../../src/db/schema";
import { mapColumns } from "../../src/imports/read/map-columns";
import { templateFields, type TemplateField } from "../../src/imports/template";
import { formatDateTime } from "../../src/web/format";
import { headerExamples } from "../../src/web/import-upload-view";
import { storedUser } from "../helpers";
import { Browser, csrfIn, db, signedIn, unique } from "./helpers";

type Person = [first: string, last: string, email: string];

/** The help article's example: six users, the one on line 5 without an email. */
function helpArticleCsv(location: string, prefix: string) {
  const people: Person[] = [
    ["Ada", "Lovelace", "ada"],
    ["Grace", "Hopper", "grace"],
    ["Alan", "Turing", "alan"],
    ["Edsger", "Dijkstra", ""],
    ["Barbara", "Liskov", "barbara"],
    ["Donald", "Knuth", "donald"],
  ];
  const rows = people.map(([first, last, email], i) => [
    `${prefix}${i + 1}`,
    first,
    last,
    location,
    email ? `${email}.${prefix}@example.com` : "",
    "Standard",
  ]);
  return (
    [["employee_number", "first_name", "last_name", "location", "email", "role"], ...rows]
      .map((r) => r.join(","))
      .join("\r\n") + "\r\n"
  );
}

async function adminWithLocation() {
  const location = unique("Office ");
  await createLocation(db, { name: location });
  const { browser, user } = await signedIn("Admin");
  return { browser, user, location };
}

async function upload(browser: Browser, csv: string, fileName = "users.csv") {
  const page = await browser.fetch("/imports/new");
  const form = new FormData();
  form.set("_csrf", csrfIn(await page.text()));
  form.set("file", new File([csv], fileName, { type: "text/csv" }));
  return browser.fetch("/imports", { method: "POST", body: form });
}

async function uploadAndStart(browser: Browser, csv: string) {
  const res = await upload(browser, csv);
  expect(res.status).toBe(303);
  const path = res.headers.get("Location") ?? "";
  const preview = await browser.fetch(path);
  const started = await browser.post(`${path}/start`, { _csrf: csrfIn(await preview.text()) });
  expect(started.status).toBe(303);
  return path;
}

/** The text of the All Users import filter's option for this import. */
function importChoice(usersPage: string, id: string): string | undefined {
  return new RegExp(`<option value="${id}"[^>]*>([^<]*)</option>`).exec(usersPage)?.[1];
}

async function waitForReport(browser: Browser, path: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const html = await (await browser.fetch(path)).text();
    if (!html.includes("data-live")) return html;
    if (Date.now() > deadline) throw new Error(`${path} is still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Import Users", () => {
  it("explains the file format column by column and offers the template", async () => {
    const { browser } = await adminWithLocation();
    const html = await (await browser.fetch("/imports/new")).text();
    for (const column of ["employee_number", "first_name", "last_name", "location", "email", "role"]) {
      expect(html).toContain(`<code>${column}</code>`);
    }
    expect(html).toContain("the username they sign in with");
    expect(html).toContain("the user gets the Standard role");
    expect(html).toContain('<label for="file">CSV file or workbook</label>');
    expect(html).toContain('enctype="multipart/form-data"');
    const template = await browser.fetch("/imports/template.csv");
    expect(template.status).toBe(200);
    expect(template.headers.get("Content-Disposition")).toContain("attachment");
    expect(await template.text()).toContain("employee_number,first_name,last_name,location,email,role");
  });

  it("names the template file the same on the page and from the API", async () => {
    const { browser } = await adminWithLocation();
    const page = await browser.fetch("/imports/template.csv");
    const api = await browser.fetch("/api/template.csv");
    expect(page.headers.get("Content-Disposition")).toContain('filename="users-template.csv"');
    expect(api.headers.get("Content-Disposition")).toBe(page.headers.get("Content-Disposition"));
    expect(await api.text()).toBe(await page.text());
  });

  it("says the header may use common names, and that only new users need an email", async () => {
    const { browser } = await adminWithLocation();
    const html = await (await browser.fetch("/imports/new")).text();
    expect(html).not.toContain("exactly as in the template");
    expect(html).toMatch(/<code>email<\/code> <span class="badge">Required for new users<\/span>/);
    expect(html).toContain("An empty cell keeps an existing user&#39;s email.");
    // Every name the page offers as an example is one the reader maps to a template column.
    const fieldOf: Record<string, TemplateField> = {
      "Employee ID": "employee_number",
      Username: "employee_number",
      "Given Name": "first_name",
      Surname: "last_name",
      "E-mail": "email",
      Site: "location",
    };
    expect(headerExamples).toEqual(Object.keys(fieldOf));
    for (const [name, field] of Object.entries(fieldOf)) {
      expect(html).toContain(`<q>${name}</q>`);
      const { columns } = mapColumns(templateFields.map((f) => (f === field ? name : f)));
      expect(columns.find((c) => c.header === name)?.field, name).toBe(field);
    }
  });

  it("previews the help article's file: six users, comma separated, the first rows", async () => {
    const { browser, location } = await adminWithLocation();
    const res = await upload(browser, helpArticleCsv(location, unique("p")), "team <b>.csv");
    expect(res.status).toBe(303);
    const path = res.headers.get("Location") ?? "";
    expect(path).toMatch(/^\/imports\/[0-9a-f-]{36}$/);
    const html = await (await browser.fetch(path)).text();
    expect(html).toContain("We found 6 users in this file.");
    expect(html).toContain("team &lt;b&gt;.csv");
    expect(html).toContain("<dd>Comma</dd>");
    expect(html).toContain("<dd>UTF-8</dd>");
    expect(html).toContain("Lovelace");
    expect(html).toContain(">Import Users</button>");
    expect(html).toContain(">Cancel</button>");
  });

  it("sends a refused file back to the upload page with what to fix, once, so a refresh sends nothing again", async () => {
    const { browser } = await adminWithLocation();
    const res = await upload(browser, "employee_number,first_name\r\n1,Ada\r\n");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/imports/new");
    const html = await (await browser.fetch("/imports/new")).text();
    expect(html).toContain("This file can&#39;t be imported");
    expect(html).toContain("email");
    expect(html).toContain('<input type="file"');
    const again = await (await browser.fetch("/imports/new")).text();
    expect(again).not.toContain("This file can&#39;t be imported");
  });

  it("asks for a file when none was chosen", async () => {
    const { browser } = await adminWithLocation();
    const page = await browser.fetch("/imports/new");
    const form = new FormData();
    form.set("_csrf", csrfIn(await page.text()));
    form.set("file", new File([], ""));
    const res = await browser.fetch("/imports", { method: "POST", body: form });
    expect(res.status).toBe(303);
    expect(await (await browser.fetch(res.headers.get("Location") ?? "")).text()).toContain("No file was chosen");
  });

  it("cancels a previewed import and discards it", async () => {
    const { browser, location } = await adminWithLocation();
    const path = (await upload(browser, helpArticleCsv(location, unique("c")))).headers.get("Location") ?? "";
    const preview = await browser.fetch(path);
    const res = await browser.post(`${path}/cancel`, { _csrf: csrfIn(await preview.text()) });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/imports/new?cancelled=1");
    expect((await browser.fetch(path)).status).toBe(404);
  });

  it("shows progress that refreshes itself without JavaScript while the import runs", async () => {
    const { browser, location } = await adminWithLocation();
    const path = (await upload(browser, helpArticleCsv(location, unique("r")))).headers.get("Location") ?? "";
    const id = path.split("/").pop() ?? "";
    await db.update(imports).set({ status: "processing", processedRows: 2 }).where(eq(imports.id, id));
    const html = await (await browser.fetch(path)).text();
    expect(html).toContain('<noscript><meta http-equiv="refresh" content="2"/></noscript>');
    expect(html).toMatch(/<progress id="progress" max="6" value="2">/);
    expect(html).toContain("2 of 6 lines done");
    // What the script announces to screen readers: quarters, not every count.
    expect(html).toContain('data-announce="Importing: 25% done."');
  });

  it("reports 5 out of 6 imported, line 5 missing its email, with filters and downloads", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("h");
    const path = await uploadAndStart(browser, helpArticleCsv(location, prefix));
    const html = await waitForReport(browser, path);
    expect(html).toContain("5 out of 6 users imported.");
    expect(html).toMatch(/<span class="stat-value">5<\/span><span class="stat-label">Created<\/span>/);
    expect(html).toMatch(/<span class="stat-value">1<\/span><span class="stat-label">Failed<\/span>/);
    expect(html).not.toContain("http-equiv");
    expect(html).toContain('data-announce="5 out of 6 users imported."');
    // On a narrow screen each line stacks, its messages on a line of their own.
    expect(html).toContain('<table class="stacked">');
    expect(html).toContain('<th scope="row" class="num" data-label="Line">5</th>');

    const errors = await (await browser.fetch(`${path}?show=errors`)).text();
    const rows = errors.match(/<tr><th scope="row" class="num" data-label="Line">\d+<\/th>/g) ?? [];
    expect(rows).toEqual(['<tr><th scope="row" class="num" data-label="Line">5</th>']);
    expect(errors).toContain("The email is empty.");

    const failed = await browser.fetch(`${path}/failed.csv`);
    expect(failed.headers.get("Content-Disposition")).toContain("attachment");
    const failedCsv = await failed.text();
    expect(failedCsv).toContain(`${prefix}4,Edsger,Dijkstra`);
    expect(failedCsv).not.toContain("Lovelace");
    const report = await (await browser.fetch(`${path}/report.csv`)).text();
    expect(report.split("\r\n").filter(Boolean)).toHaveLength(7);

    const id = path.split("/").pop() ?? "";
    expect(html).toContain(`<a href="/users?import=${id}">See the users this import created or updated</a>`);
    const users = await (await browser.fetch(`/users?import=${id}`)).text();
    expect(users).toContain("Lovelace");
    expect(users).not.toContain("Dijkstra");
    expect(users).toContain("Users last imported by users.csv (");
    expect(users).toContain("Users it left unchanged are listed under the import that last changed them.");
  });

  it("offers no users link for a re-import that changed nobody, and tells the two imports of one file apart", async () => {
    const { browser, location } = await adminWithLocation();
    const csv = helpArticleCsv(location, unique("u"));
    const firstPath = await uploadAndStart(browser, csv);
    await waitForReport(browser, firstPath);
    const againPath = await uploadAndStart(browser, csv);
    const again = await waitForReport(browser, againPath);
    const firstId = firstPath.split("/").pop() ?? "";
    const againId = againPath.split("/").pop() ?? "";
    expect(again).toContain("This import created and updated no users.");
    expect(again).not.toContain(`/users?import=${againId}`);

    const users = await (await browser.fetch("/users")).text();
    const [first] = await db.select().from(imports).where(eq(imports.id, firstId));
    const [repeat] = await db.select().from(imports).where(eq(imports.id, againId));
    // Dated as the tables date them, then what each did: same file and minute, different entries.
    expect(importChoice(users, firstId)).toBe(
      `${formatDateTime(first?.createdAt ?? new Date(0))} · users.csv · 6 users: 5 created, 1 failed`,
    );
    expect(importChoice(users, againId)).toBe(
      `${formatDateTime(repeat?.createdAt ?? new Date(0))} · users.csv · 6 users: 5 unchanged, 1 failed`,
    );
    expect(users).toContain(`data-local="${repeat?.createdAt.toISOString()}"`);
    expect(users).toContain('<label for="import">Last imported by</label>');
  });

  it("shows on a user's page which import last imported them, apart from when the user last changed", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("w");
    const path = await uploadAndStart(browser, helpArticleCsv(location, prefix));
    await waitForReport(browser, path);
    const imported = await (await browser.fetch(`/users/${prefix}1`)).text();
    expect(imported).toContain(`<dt>Last imported by</dt><dd><a href="${path}">users.csv</a> on <time`);
    expect(imported).toContain(" (by an import)</dd>");
    expect(imported).not.toContain("Last changed by");

    const roleId = String((await storedUser(`${prefix}1`))?.roleId);
    const saved = await browser.post(`/users/${prefix}1`, {
      _csrf: csrfIn(imported),
      role_id: roleId,
      location_id: "",
      role_locked: "on",
    });
    const html = await (await browser.fetch(saved.headers.get("Location") ?? "")).text();
    expect(html).toContain(" (not by an import: for example, the locks were saved)</dd>");
    expect(html).toContain(`<dt>Last imported by</dt><dd><a href="${path}">users.csv</a> on <time`);
  });

  it("says a clean import succeeded with no reported errors", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("k");
    const csv = `employee_number,first_name,last_name,location,email\r\n${prefix}1,Ada,Lovelace,${location},${prefix}1@example.com\r\n${prefix}2,Alan,Turing,${location},${prefix}2@example.com\r\n`;
    const html = await waitForReport(browser, await uploadAndStart(browser, csv));
    expect(html).toContain("2 users imported with no reported errors: 2 created.");
    expect(html).toContain('<svg class="icon icon-success"');
    expect(html).not.toContain("👍");
    expect(html).not.toContain("failed.csv");
  });

  it("says what a clean re-import did: updated and unchanged, or nothing to change", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("u");
    const row = (n: number, first: string) => `${prefix}${n},${first},Lovelace,${location},${prefix}${n}@example.com`;
    const header = "employee_number,first_name,last_name,location,email";
    await waitForReport(
      browser,
      await uploadAndStart(browser, [header, row(1, "Ada"), row(2, "Alan"), ""].join("\r\n")),
    );
    const again = await waitForReport(
      browser,
      await uploadAndStart(browser, [header, row(1, "Ada"), row(2, "Alan"), ""].join("\r\n")),
    );
    expect(again).toContain("Nothing to change: All 2 users in the file were already up to date.");
    expect(again).not.toContain("successfully imported");
    const mixed = await waitForReport(
      browser,
      await uploadAndStart(browser, [header, row(1, "Ada"), row(2, "Alana"), row(3, "Grace"), ""].join("\r\n")),
    );
    expect(mixed).toContain("3 users imported with no reported errors: 1 created, 1 updated and 1 unchanged.");
  });

  it("says what happened to the lines that imported when some failed", async () => {
    const { browser, location } = await adminWithLocation();
    const html = await waitForReport(browser, await uploadAndStart(browser, helpArticleCsv(location, unique("o"))));
    expect(html).toContain("5 out of 6 users imported.");
    expect(html).toContain("Of those, 5 created.");
    expect(html).not.toContain('<svg class="icon icon-success"');
  });

  it("links the report's employee numbers to the users, and its messages to the pages they name", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("r");
    const csv = [
      "employee_number,first_name,last_name,location,email,role",
      `${prefix}1,Ada,Lovelace,${location},${prefix}1@example.com,Wizard`,
      `${prefix}2,Alan,Turing,Atlantis,${prefix}2@example.com,Standard`,
      "",
    ].join("\r\n");
    const html = await waitForReport(browser, await uploadAndStart(browser, csv));
    expect(html).toContain(`<a href="/users/${prefix}1">${prefix}1</a>`);
    // Line 3 failed and its user was never created: nothing to link to.
    expect(html).not.toContain(`href="/users/${prefix}2"`);
    expect(html).toContain(`>${prefix}2</td>`);
    expect(html).toContain(`Choose another on <a href="/users/${prefix}1">the user&#39;s page</a>, or put one of`);
    expect(html).toContain('or add it under <a href="/locations">Locations</a> first.');
    const [id] = /\/imports\/([^"/?#]+)\/report\.csv/.exec(html)?.slice(1) ?? [];
    const api = await (await browser.fetch(`/imports/${id}/report.csv`)).text();
    expect(api).toContain("or add it under Locations first.");
  });

  it("pages through lines with Next page", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("n");
    const lines = Array.from({ length: 60 }, (_, i) => `${prefix}${i},F,L,${location},${prefix}${i}@example.com`);
    const path = await uploadAndStart(
      browser,
      `employee_number,first_name,last_name,location,email\r\n${lines.join("\r\n")}\r\n`,
    );
    const first = await waitForReport(browser, path);
    expect(first).toContain(`href="${path}?after=51#lines-heading"`);
    const second = await (await browser.fetch(`${path}?after=51`)).text();
    expect(second).toContain('<th scope="row" class="num" data-label="Line">52</th>');
    expect(second).toContain('<th scope="row" class="num" data-label="Line">61</th>');
    expect(second).not.toContain('<th scope="row" class="num" data-label="Line">51</th>');
    expect(second).not.toContain("Next page");
  });

  it("lists imports newest first", async () => {
    const { browser, location } = await adminWithLocation();
    await upload(browser, helpArticleCsv(location, unique("l")), "first.csv");
    await upload(browser, helpArticleCsv(location, unique("l")), "second.csv");
    const html = await (await browser.fetch("/imports")).text();
    expect(html.indexOf("second.csv")).toBeGreaterThan(0);
    expect(html.indexOf("second.csv")).toBeLessThan(html.indexOf("first.csv"));
  });
});
