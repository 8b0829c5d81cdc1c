import { describe, expect, it } from "vitest";
import { createLocation } from "../../src/db/locations";
import { storedUser } from "../helpers";
import { Browser, csrfIn, db, signedIn, unique } from "./helpers";

async function uploadFile(browser: Browser, csv: string): Promise<string> {
  const page = await browser.fetch("/imports/new");
  const form = new FormData();
  form.set("_csrf", csrfIn(await page.text()));
  form.set("file", new File([csv], "users.csv", { type: "text/csv" }));
  const res = await browser.fetch("/imports", { method: "POST", body: form });
  expect(res.status).toBe(303);
  return res.headers.get("Location") ?? "";
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

async function fileOfTwo() {
  const location = unique("Office ");
  await createLocation(db, { name: location });
  const n = unique("W");
  const csv = `employee_number,first_name,last_name,location,email,role\n${n}1,Ada,Lovelace,${location},${n}1@example.com,\n${n}2,No,Email,${location},,\n`;
  return { csv, created: `${n}1` };
}

describe("Check every line, from the preview", () => {
  it("shows a dry run's report that changed nothing, then imports the same file with one button", async () => {
    const { browser } = await signedIn("Admin");
    const { csv, created } = await fileOfTwo();
    const path = await uploadFile(browser, csv);
    const preview = await (await browser.fetch(path)).text();
    expect(preview).toContain("Check every line first");
    const token = csrfIn(preview);

    // Without the form's token, nothing starts.
    expect((await browser.post(`${path}/check`, {})).status).toBe(403);
    expect(await (await browser.fetch(path)).text()).toContain("Check every line first");

    const checked = await browser.post(`${path}/check`, { _csrf: token });
    expect(checked.status).toBe(303);
    expect(checked.headers.get("Location")).toBe(path);
    const report = await waitForReport(browser, path);
    expect(report).toContain("Dry run report");
    expect(report).toContain("Dry run: nothing was changed.");
    expect(report).toContain("Importing this file now would create 1.");
    expect(report).toContain("1 line would fail");
    expect(report).toContain("The email is empty.");
    expect(report).toContain("Import this file");
    expect(await storedUser(created)).toBeUndefined();

    expect((await browser.post(`${path}/apply`, {})).status).toBe(403);
    const applied = await browser.post(`${path}/apply`, { _csrf: csrfIn(report) });
    expect(applied.status).toBe(303);
    const realPath = applied.headers.get("Location") ?? "";
    expect(realPath).not.toBe(path);
    const real = await waitForReport(browser, realPath);
    expect(real).toContain("Import report");
    expect(real).toContain("1 out of 2 users imported.");
    expect((await storedUser(created))?.firstName).toBe("Ada");

    // The dry run now points to its import, and a second click imports nothing more.
    const after = await (await browser.fetch(path)).text();
    expect(after).toContain(`href="${realPath}"`);
    expect(after).not.toContain("Import this file</button>");
    const again = await browser.post(`${path}/apply`, { _csrf: csrfIn(await (await browser.fetch("/tokens")).text()) });
    expect(again.headers.get("Location")).toBe(path);
  });

  it("offers a Manager the dry run's report without the button, and refuses the import", async () => {
    const { browser: admin } = await signedIn("Admin");
    const { csv } = await fileOfTwo();
    const path = await uploadFile(admin, csv);
    await admin.post(`${path}/check`, { _csrf: csrfIn(await (await admin.fetch(path)).text()) });
    await waitForReport(admin, path);
    const { browser: manager } = await signedIn("Manager");
    const report = await (await manager.fetch(path)).text();
    expect(report).toContain("Dry run: nothing was changed.");
    expect(report).not.toContain("Import this file</button>");
    expect(
      (await manager.post(`${path}/apply`, { _csrf: csrfIn(await (await manager.fetch("/tokens")).text()) })).status,
    ).toBe(403);
  });
});
