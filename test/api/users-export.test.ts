import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { Browser, signedIn } from "../web/helpers";
import { call, createTestLocation, createUserWithToken, csvOf, header, importCsv, unique } from "../helpers";

let token: string;
let site: { name: string };

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

const statusColumns = [
  "status",
  "role_locked",
  "location_locked",
  "created_at",
  "updated_at",
  "last_import_id",
  "last_imported_at",
];

async function exportCsv(query: string): Promise<{ res: Response; bytes: Uint8Array; rows: string[][] }> {
  const res = await call(token, `/api/users.csv?${query}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const rows = Papa.parse<string[]>(new TextDecoder().decode(bytes), { skipEmptyLines: true }).data;
  return { res, bytes, rows };
}

describe("exporting users", () => {
  it("downloads the users a filter finds in the template's columns and their status, UTF-8 with BOM", async () => {
    const n = unique("ex");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "Zoë", "Ñúñez", site.name, `${n}1@example.com`, "Manager"],
        [`${n}2`, "Al", "Two", site.name, `${n}2@example.com`, ""],
      ]),
    );
    await call(token, `/api/users/${n}2`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_locked: true }),
    });
    const { res, bytes, rows } = await exportCsv(`q=${n}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="roster-users-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(rows[0]).toEqual([...header, ...statusColumns]);
    expect(rows.slice(1).map((r) => r.slice(0, 9))).toEqual([
      [`${n}1`, "Zoë", "Ñúñez", site.name, `${n}1@example.com`, "Manager", "active", "false", "false"],
      [`${n}2`, "Al", "Two", site.name, `${n}2@example.com`, "Standard", "active", "true", "false"],
    ]);
    expect(rows[1]?.[11]).toBe(imp.id);
    expect(rows[1]?.[12]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("neutralises formula-like values, as the report does", async () => {
    const n = unique("fx");
    await importCsv(token, csvOf([header, [n, "=HYPERLINK(1)", "-Bob", site.name, `${n}@example.com`, ""]]));
    const { rows } = await exportCsv(`q=${n}`);
    expect(rows[1]?.slice(1, 3)).toEqual(["'=HYPERLINK(1)", "'-Bob"]);
  });

  it("keeps the list's filters: by import, and bad ones refused", async () => {
    const n = unique("fi");
    const { imp } = await importCsv(token, csvOf([header, [`${n}1`, "F", "One", site.name, `${n}1@example.com`, ""]]));
    await importCsv(token, csvOf([header, [`${n}2`, "F", "Two", site.name, `${n}2@example.com`, ""]]));
    const { rows } = await exportCsv(`import_id=${imp.id}`);
    expect(rows.slice(1).map((r) => r[0])).toEqual([`${n}1`]);
    const bad = await call(token, "/api/users.csv?location_id=here");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_input");
  });

  it("exports every user over several pages, and importing the export again leaves each line unchanged", async () => {
    const n = unique("rt");
    const rows = [header];
    for (let i = 0; i < 2_500; i++) {
      const role = i % 7 === 0 ? "Manager" : "";
      rows.push([
        `${n}-${String(i).padStart(4, "0")}`,
        i % 11 === 0 ? "+Plus" : `First ${i}`,
        "Smith, Jr.",
        site.name,
        `${n}-${i}@example.com`,
        role,
      ]);
    }
    // Quoted as a spreadsheet saves it: the last name holds a comma.
    const first = await importCsv(token, Papa.unparse(rows));
    expect(first.imp.counts.created).toBe(2_500);
    await call(token, `/api/users/${n}-0003`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_locked: true, location_locked: true }),
    });

    const exported = await call(token, `/api/users.csv?q=${n}`);
    const bytes = new Uint8Array(await exported.arrayBuffer());
    const again = await importCsv(token, bytes);
    expect(again.imp.status).toBe("completed");
    expect(again.imp.total_rows).toBe(2_500);
    expect(again.imp.counts).toEqual({ created: 0, updated: 0, unchanged: 2_500, failed: 0, warnings: 0 });
    expect(again.lines.every((l) => l.outcome === "unchanged" && l.messages.length === 0)).toBe(true);
  });
});

describe("the Export button on All Users", () => {
  it("downloads the users of the filters on the page", async () => {
    const n = unique("btn");
    await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "B", "One", site.name, `${n}1@example.com`, ""],
        [`${n}2`, "B", "Two", site.name, `${n}2@example.com`, "Manager"],
      ]),
    );
    const { browser } = await signedIn("Admin");
    const page = await (await browser.fetch(`/users?q=${n}&role=`)).text();
    const href = /<a class="button button-secondary" href="([^"]+)" download="">Export<\/a>/.exec(page)?.[1];
    expect(href).toBe(`/users.csv?q=${n}`);
    const res = await browser.fetch(href ?? "");
    expect(res.status).toBe(200);
    const rows = Papa.parse<string[]>((await res.text()).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(rows.slice(1).map((r) => r[0])).toEqual([`${n}1`, `${n}2`]);
  });

  it("is for people who may see users", async () => {
    const { browser } = await signedIn("Standard");
    expect((await browser.fetch("/users.csv")).status).toBe(403);
    expect((await new Browser().fetch("/users.csv")).status).toBe(303);
  });
});
