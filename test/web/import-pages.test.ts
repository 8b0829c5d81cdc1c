import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createLocation } from "../../src/db/locations";
import { imports } from "../../src/db/schema";
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
  return [["employee_number", "first_name", "last_name", "location", "email", "role"], ...rows].map((r) => r.join(",")).join("\r\n") + "\r\n";
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
    expect(html).toContain('<label for="file">CSV file</label>');
    expect(html).toContain('enctype="multipart/form-data"');
    const template = await browser.fetch("/imports/template.csv");
    expect(template.status).toBe(200);
    expect(template.headers.get("Content-Disposition")).toContain("attachment");
    expect(await template.text()).toContain("employee_number,first_name,last_name,location,email,role");
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

  it("re-renders the upload page with what to fix when the file lacks a column", async () => {
    const { browser } = await adminWithLocation();
    const res = await upload(browser, "employee_number,first_name\r\n1,Ada\r\n");
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("This file can&#39;t be imported");
    expect(html).toContain("email");
    expect(html).toContain('<input type="file"');
  });

  it("asks for a file when none was chosen", async () => {
    const { browser } = await adminWithLocation();
    const page = await browser.fetch("/imports/new");
    const form = new FormData();
    form.set("_csrf", csrfIn(await page.text()));
    form.set("file", new File([], ""));
    const res = await browser.fetch("/imports", { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("No file was chosen");
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

    const errors = await (await browser.fetch(`${path}?show=errors`)).text();
    const rows = errors.match(/<tr><th scope="row" class="num">\d+<\/th>/g) ?? [];
    expect(rows).toEqual(['<tr><th scope="row" class="num">5</th>']);
    expect(errors).toContain("The email is empty.");

    const failed = await browser.fetch(`${path}/failed.csv`);
    expect(failed.headers.get("Content-Disposition")).toContain("attachment");
    const failedCsv = await failed.text();
    expect(failedCsv).toContain(`${prefix}4,Edsger,Dijkstra`);
    expect(failedCsv).not.toContain("Lovelace");
    const report = await (await browser.fetch(`${path}/report.csv`)).text();
    expect(report.split("\r\n").filter(Boolean)).toHaveLength(7);

    const id = path.split("/").pop() ?? "";
    const users = await (await browser.fetch(`/users?import=${id}`)).text();
    expect(users).toContain("Lovelace");
    expect(users).not.toContain("Dijkstra");
  });

  it("says a clean import succeeded with no reported errors", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("k");
    const csv = `employee_number,first_name,last_name,location,email\r\n${prefix}1,Ada,Lovelace,${location},${prefix}1@example.com\r\n${prefix}2,Alan,Turing,${location},${prefix}2@example.com\r\n`;
    const html = await waitForReport(browser, await uploadAndStart(browser, csv));
    expect(html).toContain("2 users successfully imported with no reported errors. 👍");
    expect(html).not.toContain("failed.csv");
  });

  it("pages through lines with Next page", async () => {
    const { browser, location } = await adminWithLocation();
    const prefix = unique("n");
    const lines = Array.from({ length: 60 }, (_, i) => `${prefix}${i},F,L,${location},${prefix}${i}@example.com`);
    const path = await uploadAndStart(browser, `employee_number,first_name,last_name,location,email\r\n${lines.join("\r\n")}\r\n`);
    const first = await waitForReport(browser, path);
    expect(first).toContain(`href="${path}?after=51#lines-heading"`);
    const second = await (await browser.fetch(`${path}?after=51`)).text();
    expect(second).toContain('<th scope="row" class="num">52</th>');
    expect(second).toContain('<th scope="row" class="num">61</th>');
    expect(second).not.toContain('<th scope="row" class="num">51</th>');
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
