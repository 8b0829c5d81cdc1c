import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createTestLocation,
  createUserWithToken,
  csvOf,
  header,
  importCsv,
  storedUser,
  waitForImport,
} from "../helpers";
import { Browser, csrfIn, signedIn, unique } from "./helpers";

let site: { name: string };
let api: { token: string };

beforeAll(async () => {
  site = await createTestLocation();
  api = await createUserWithToken("Admin");
});

const row = (n: string) => [n, "First", n, site.name, `${n}@example.com`, "Standard"];

async function upload(browser: Browser, csv: string) {
  const page = await browser.fetch("/imports/new");
  const form = new FormData();
  form.set("_csrf", csrfIn(await page.text()));
  form.set("file", new File([csv], "people.csv", { type: "text/csv" }));
  const res = await browser.fetch("/imports", { method: "POST", body: form });
  expect(res.status).toBe(303);
  return res.headers.get("Location") ?? "";
}

describe("a sync from the preview", () => {
  it("says how many users it would deactivate, asks for that number over the guardrail, and reports them", async () => {
    const prefix = unique("w");
    const leavers = Array.from({ length: 4 }, (_, i) => `${prefix}-gone-${i}`);
    const stayer = `${prefix}-stays`;
    await importCsv(api.token, csvOf([header, row(stayer), ...leavers.map(row)]));
    const { browser } = await signedIn("Admin");
    const path = await upload(browser, csvOf([header, row(stayer)]));

    // The plain preview offers a sync without counting; asked for, it counts.
    const plain = await (await browser.fetch(path)).text();
    expect(plain).toContain(`href="${path}?sync=true#sync"`);
    expect(plain).not.toContain("would deactivate");
    const preview = await (await browser.fetch(`${path}?sync=true`)).text();
    expect(preview).toContain("Sync: this file is the whole organisation");
    expect(preview).toContain("would deactivate <strong>4 users</strong>");
    expect(preview).toContain("To sync, type the number of users it will deactivate: 4");

    // Without the number, or with another, it does not start and says the number again.
    const refused = await browser.post(`${path}/start`, { _csrf: csrfIn(preview), sync: "true" });
    expect(refused.status).toBe(422);
    const again = await refused.text();
    expect(again).toContain("This sync would deactivate 4 users");
    expect(again).toMatch(/name="sync" value="true" checked/);
    expect((await storedUser(leavers[0] ?? ""))?.status).toBe("active");
    const wrong = await browser.post(`${path}/start`, {
      _csrf: csrfIn(again),
      sync: "true",
      confirm_deactivations: "3",
    });
    expect(wrong.status).toBe(422);

    const started = await browser.post(`${path}/start`, {
      _csrf: csrfIn(again),
      sync: "true",
      confirm_deactivations: "4",
    });
    expect(started.status).toBe(303);
    const id = path.split("/").pop() ?? "";
    expect((await waitForImport(api.token, id)).status).toBe("completed");

    const report = await (await browser.fetch(path)).text();
    expect(report).toContain("Deactivated, not in the file");
    for (const n of leavers) expect(report).toContain(`>${n}</a>`);
    expect(report).not.toContain(`>${stayer}</a></th><td>First`);

    const csv = await (await browser.fetch(`${path}/report.csv`)).text();
    const rows = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(rows[0]).toEqual(["line", "outcome", "messages", "changes", ...header]);
    const deactivated = rows.filter((r) => r[1] === "deactivated");
    expect(deactivated.map((r) => r[4]).sort()).toEqual([...leavers].sort());
    expect(deactivated[0]?.[0]).toBe("");
    expect(deactivated[0]?.[3]).toBe("Status: active → deactivated");
    expect(rows.find((r) => r[4] === stayer)?.[1]).toBe("unchanged");

    const history = await (await browser.fetch(`/users/${encodeURIComponent(leavers[0] ?? "")}`)).text();
    expect(history).toContain("Sync, not in the file");
  });

  it("starts a sync under the guardrail without asking for a number", async () => {
    const prefix = unique("q");
    const stayers = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
    const { browser } = await signedIn("Admin");
    await importCsv(api.token, csvOf([header, ...stayers.map(row)]));
    // The file lacks one of them and the earlier test's stayer: 2 of some 35 active users.
    const path = await upload(browser, csvOf([header, ...stayers.slice(1).map(row)]));
    const preview = await (await browser.fetch(`${path}?sync=true`)).text();
    expect(preview).toContain("would deactivate <strong>2 users</strong>");
    expect(preview).not.toContain("To sync, type");
    const started = await browser.post(`${path}/start`, { _csrf: csrfIn(preview), sync: "true" });
    expect(started.status).toBe(303);
    expect((await waitForImport(api.token, path.split("/").pop() ?? "")).status).toBe("completed");
    expect((await storedUser(stayers[0] ?? ""))?.status).toBe("deactivated");
    expect((await storedUser(stayers[1] ?? ""))?.status).toBe("active");
  });
});

describe("a dry run of a sync from the preview", () => {
  it("checks every line as a sync, lists who would be deactivated, and imports as a sync once the number is typed", async () => {
    const prefix = unique("k");
    const leavers = Array.from({ length: 12 }, (_, i) => `${prefix}-gone-${i}`);
    const stayer = `${prefix}-stays`;
    await importCsv(api.token, csvOf([header, row(stayer), ...leavers.map(row)]));
    const { browser } = await signedIn("Admin");
    const path = await upload(browser, csvOf([header, row(stayer)]));
    const id = path.split("/").pop() ?? "";

    // Asked for a sync, the preview's check is part of the sync's form: it follows the box.
    const preview = await (await browser.fetch(`${path}?sync=true`)).text();
    expect(preview).toContain(`formaction="${path}/check"`);
    expect(preview).not.toContain(` action="${path}/check"`);
    expect(preview).toContain("who the sync would deactivate");
    const checked = await browser.post(`${path}/check`, { _csrf: csrfIn(preview), sync: "true" });
    expect(checked.status).toBe(303);
    const dry = (await waitForImport(api.token, id)) as Awaited<ReturnType<typeof waitForImport>> & {
      dry_run: boolean;
      sync: boolean;
      deactivated: number;
    };
    expect(dry).toMatchObject({ status: "completed", dry_run: true, sync: true });
    expect(dry.deactivated).toBeGreaterThanOrEqual(leavers.length);

    const report = await (await browser.fetch(path)).text();
    expect(report).toContain("Dry run: nothing was changed.");
    expect(report).toContain("Would be deactivated, not in the file");
    expect(report).toContain(`As a sync, it would also deactivate ${dry.deactivated} users not in the file`);
    for (const n of leavers) expect(report).toContain(`>${n}</a>`);
    expect(report).toContain(`To import it as a sync, type the number of users it will deactivate: ${dry.deactivated}`);
    for (const n of leavers) expect((await storedUser(n))?.status).toBe("active");

    // Without the number it is not imported, and the report says the number again.
    const refused = await browser.post(`${path}/apply`, { _csrf: csrfIn(report) });
    expect(refused.status).toBe(422);
    const again = await refused.text();
    expect(again).toContain(`This sync would deactivate ${dry.deactivated} users`);
    expect(again).toContain("Would be deactivated, not in the file");

    const applied = await browser.post(`${path}/apply`, {
      _csrf: csrfIn(again),
      confirm_deactivations: String(dry.deactivated),
    });
    expect(applied.status).toBe(303);
    const realPath = applied.headers.get("Location") ?? "";
    expect(realPath).not.toBe(path);
    const real = (await waitForImport(api.token, realPath.split("/").pop() ?? "")) as typeof dry;
    expect(real).toMatchObject({ status: "completed", dry_run: false, sync: true, deactivated: dry.deactivated });
    for (const n of leavers) expect((await storedUser(n))?.status).toBe("deactivated");
    expect((await storedUser(stayer))?.status).toBe("active");
    const realReport = await (await browser.fetch(realPath)).text();
    expect(realReport).toContain("Deactivated, not in the file");
    expect(realReport).not.toContain("Would be deactivated");
  });

  it("says on its first page whether users changed since, and goes by the dry run's count on the others", async () => {
    const prefix = unique("c");
    const stayer = `${prefix}-stays`;
    await importCsv(api.token, csvOf([header, row(stayer), row(`${prefix}-gone`)]));
    const { browser } = await signedIn("Admin");
    const path = await upload(browser, csvOf([header, row(stayer)]));
    const id = path.split("/").pop() ?? "";
    const preview = await (await browser.fetch(`${path}?sync=true`)).text();
    expect((await browser.post(`${path}/check`, { _csrf: csrfIn(preview), sync: "true" })).status).toBe(303);
    const dry = (await waitForImport(api.token, id)) as Awaited<ReturnType<typeof waitForImport>> & {
      deactivated: number;
    };
    // A user imported since: a sync of the file now would deactivate one more.
    await importCsv(api.token, csvOf([header, row(`${prefix}-new`)]));

    const first = await (await browser.fetch(path)).text();
    expect(first).toContain(`not ${dry.deactivated}.`);
    const filtered = await (await browser.fetch(`${path}?show=errors`)).text();
    expect(filtered).not.toContain("Users changed since this dry run");
    expect(filtered).toContain("Import this file");
  });
});
