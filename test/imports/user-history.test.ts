import { count, eq } from "drizzle-orm";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { userChanges } from "../../src/db/schema";
import {
  call,
  createTestLocation,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  storedUser,
  unique,
} from "../helpers";
import { signedIn } from "../web/helpers";

type HistoryBody = {
  history: {
    at: string;
    source: { import_id: string; line: number } | { by: string };
    changes: { field: string; from: string | null; to: string | null }[];
  }[];
  next_cursor: string | null;
};

let admin: { user: { id: number; employeeNumber: string }; token: string };
let leeds: { name: string };
let york: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  leeds = await createTestLocation();
  york = await createTestLocation();
});

async function historyOf(employeeNumber: string, query = ""): Promise<HistoryBody> {
  const res = await call(admin.token, `/api/users/${encodeURIComponent(employeeNumber)}/history${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryBody;
}

async function changeRows(employeeNumber: string): Promise<number> {
  const user = await storedUser(employeeNumber);
  if (!user) return 0;
  const [row] = await db.select({ n: count() }).from(userChanges).where(eq(userChanges.userId, user.id));
  return row?.n ?? 0;
}

describe("what each line changed", () => {
  it("lists an updating line's changes, old → new, with role and location by name", async () => {
    const n = unique("chg");
    const other = unique("same");
    const first = await importCsv(
      admin.token,
      csvOf([
        header,
        [n, "Ann", "Lee", leeds.name, `${n}@example.com`, "Standard"],
        [other, "Bo", "Same", leeds.name, `${other}@example.com`, ""],
      ]),
    );
    expect(first.imp.counts.created).toBe(2);
    expect(first.line(2)).toMatchObject({ outcome: "created", changes: [] });

    const second = await importCsv(
      admin.token,
      csvOf([
        header,
        [n, "Anna", "Lee", york.name, `${n}@example.com`, "Manager"],
        [other, "Bo", "Same", leeds.name, `${other}@example.com`, ""],
      ]),
    );
    expect(second.line(2)).toMatchObject({
      outcome: "updated",
      changes: [
        { field: "first_name", from: "Ann", to: "Anna" },
        { field: "location", from: leeds.name, to: york.name },
        { field: "role", from: "Standard", to: "Manager" },
      ],
    });
    expect(second.line(3)).toMatchObject({ outcome: "unchanged", changes: [] });

    const csv = await (await call(admin.token, `/api/imports/${second.imp.id}/report.csv`)).text();
    const rows = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(rows[0]?.slice(0, 4)).toEqual(["line", "outcome", "messages", "changes"]);
    expect(rows[1]?.[3]).toBe(
      `First name: Ann → Anna | Location: ${leeds.name} → ${york.name} | Role: Standard → Manager`,
    );
    expect(rows[2]?.[3]).toBe("");
  });

  it("keeps nothing for a line that changes nothing", async () => {
    const n = unique("still");
    const file = csvOf([header, [n, "Cy", "Still", leeds.name, `${n}@example.com`, ""]]);
    await importCsv(admin.token, file);
    expect(await changeRows(n)).toBe(1);
    const again = await importCsv(admin.token, file);
    expect(again.imp.counts.unchanged).toBe(1);
    expect(await changeRows(n)).toBe(1);
  });
});

describe("a user's history", () => {
  it("lists every change newest first: by import and line, and by an admin by hand", async () => {
    const n = unique("hist");
    const created = await importCsv(
      admin.token,
      csvOf([header, [n, "Di", "Hist", leeds.name, `${n}@example.com`, ""]]),
    );
    const moved = await importCsv(admin.token, csvOf([header, [n, "Di", "Hist", york.name, `${n}@example.com`, ""]]));
    const patched = await call(admin.token, `/api/users/${n}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ location_locked: true }),
    });
    expect(patched.status).toBe(200);

    const { history, next_cursor } = await historyOf(n);
    expect(next_cursor).toBeNull();
    expect(history).toHaveLength(3);
    expect(history[0]).toMatchObject({
      source: { by: admin.user.employeeNumber },
      changes: [{ field: "location_locked", from: "false", to: "true" }],
    });
    expect(history[1]).toMatchObject({
      source: { import_id: moved.imp.id, line: 2 },
      changes: [{ field: "location", from: leeds.name, to: york.name }],
    });
    expect(history[2]).toMatchObject({ source: { import_id: created.imp.id, line: 2 } });
    expect(history[2]?.changes).toEqual([
      { field: "first_name", from: null, to: "Di" },
      { field: "last_name", from: null, to: "Hist" },
      { field: "email", from: null, to: `${n}@example.com` },
      { field: "location", from: null, to: leeds.name },
      { field: "role", from: null, to: "Standard" },
    ]);
    const times = history.map((h) => Date.parse(h.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // A page at a time, with the cursor the API gave.
    const one = await historyOf(n, "?limit=1");
    expect(one.history).toEqual(history.slice(0, 1));
    const two = await historyOf(n, `?limit=2&cursor=${one.next_cursor}`);
    expect(two.history).toEqual(history.slice(1, 3));
    expect(two.next_cursor).toBeNull();
    expect((await call(admin.token, `/api/users/${n}/history?cursor=bogus`)).status).toBe(400);
    expect((await call(admin.token, `/api/users/${unique("nobody")}/history`)).status).toBe(404);
  });

  it("keeps a deactivation and a reactivation, by the admin who made them", async () => {
    const n = unique("status");
    await importCsv(admin.token, csvOf([header, [n, "Fi", "Status", leeds.name, `${n}@example.com`, ""]]));
    const patch = (status: string) =>
      call(admin.token, `/api/users/${n}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ status }),
      });
    expect((await patch("deactivated")).status).toBe(200);
    expect((await patch("active")).status).toBe(200);
    const { history } = await historyOf(n);
    expect(history.slice(0, 2)).toMatchObject([
      { source: { by: admin.user.employeeNumber }, changes: [{ field: "status", from: "deactivated", to: "active" }] },
      { source: { by: admin.user.employeeNumber }, changes: [{ field: "status", from: "active", to: "deactivated" }] },
    ]);
  });

  it("shows on the user's page, linked to the import's line", async () => {
    const n = unique("page");
    await importCsv(admin.token, csvOf([header, [n, "Ed", "Page", leeds.name, `${n}@example.com`, ""]]));
    const moved = await importCsv(admin.token, csvOf([header, [n, "Ed", "Page", york.name, `${n}@example.com`, ""]]));
    const { browser } = await signedIn("Manager");
    const html = await (await browser.fetch(`/users/${n}`)).text();
    expect(html).toContain("History");
    expect(html).toContain(`Location: ${leeds.name} → ${york.name}`);
    expect(html).toContain(`href="/imports/${moved.imp.id}?after=1#lines-heading"`);
    expect(html).toContain("Import, line 2");
    const report = await (await browser.fetch(`/imports/${moved.imp.id}`)).text();
    expect(report).toContain(`Location: ${leeds.name} → ${york.name}`);
  });
});
