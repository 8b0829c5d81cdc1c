import { exports } from "cloudflare:workers";
import Papa from "papaparse";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../../src/auth/secrets";
import { accountLinks, imports, users } from "../../src/db/schema";
import { setUserStatus } from "../../src/db/users";
import { base, call, createTestLocation, createUserWithToken, csvOf, header, importCsv, storedUser } from "../helpers";
import { Browser, createUser, csrfIn, db, signedIn, unique } from "../web/helpers";

let site: string;

beforeAll(async () => {
  site = (await createTestLocation()).name;
});

const linksCsv = (token: string, importId: string) =>
  call(token, `/api/imports/${importId}/activation-links.csv`, { method: "POST" });

/** The CSV's rows as records by header (Response.text() has dropped the BOM). */
function recordsOf(csv: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(csv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true }).data;
}

async function setPassword(url: string, password = "plum orchard lantern") {
  const browser = new Browser();
  const path = new URL(url).pathname;
  const page = await browser.fetch(path);
  if (page.status !== 200) return page;
  return browser.post(path, { _csrf: csrfIn(await page.text()), password, password_again: password });
}

describe("the activation links of an import", () => {
  it("gives a link to each user the import created who has no password, formula-safe", async () => {
    const { user: admin, token } = await createUserWithToken("Admin");
    const existing = await createUser("Standard");
    const [a, b, c, d] = [unique("n"), unique("n"), unique("n"), unique("n")];
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [a, "=HYPERLINK(1)", "Formula", site, `${a}@example.com`, "Manager"],
        [b, "Bea", "Plain", site, `${b}@example.com`, "Standard"],
        [c, "Cy", "Activated", site, `${c}@example.com`, "Standard"],
        [d, "Di", "Deactivated", site, `${d}@example.com`, "Standard"],
        [existing.employeeNumber, "Updated", "Not created", site, existing.email, "Standard"],
      ]),
    );
    expect(imp.counts).toMatchObject({ created: 4, updated: 1 });
    // One of them has activated already, and one has left.
    const first = await linksCsv(token, imp.id);
    const early = recordsOf(await first.text()).find((r) => r.employee_number === c);
    expect(await setPassword(early?.activation_link ?? "")).toMatchObject({ status: 303 });
    const leaver = await storedUser(d);
    if (!leaver) throw new Error("no leaver");
    await setUserStatus(db, leaver.id, "deactivated", [], new Date(), admin.id);

    const res = await linksCsv(token, imp.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toContain("activation-links.csv");
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Excel reads UTF-8 names right only after a byte order mark.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    const rows = recordsOf(text);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "employee_number",
      "first_name",
      "last_name",
      "email",
      "activation_link",
      "expires_at",
    ]);
    expect(rows.map((r) => r.employee_number)).toEqual([a, b]);
    expect(rows[0]).toMatchObject({ first_name: "'=HYPERLINK(1)", last_name: "Formula", email: `${a}@example.com` });
    for (const row of rows) expect(row.activation_link).toMatch(/^http:\/\/roster\.test\/set-password\/[\w-]{43}$/);
    expect(Date.parse(rows[0]?.expires_at ?? "") - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const link = rows[1]?.activation_link ?? "";
    expect(await setPassword(link)).toMatchObject({ status: 303 });
    expect((await new Browser().signIn(b, "plum orchard lantern")).status).toBe(303);
  });

  it("stops working for the links of an earlier download", async () => {
    const { token } = await createUserWithToken("Admin");
    const n = unique("n");
    const { imp } = await importCsv(token, csvOf([header, [n, "Eve", "Early", site, `${n}@example.com`, "Standard"]]));
    const earlier = recordsOf(await (await linksCsv(token, imp.id)).text());
    const later = recordsOf(await (await linksCsv(token, imp.id)).text());
    expect((await setPassword(earlier[0]?.activation_link ?? "")).status).toBe(404);
    expect((await setPassword(later[0]?.activation_link ?? "")).status).toBe(303);
  });

  it("pages through thousands of users, each once, and stores only hashes", async () => {
    const { token } = await createUserWithToken("Admin");
    const prefix = unique("bulk");
    const count = 2_345;
    const lines = Array.from({ length: count }, (_, i) => {
      const n = `${prefix}-${String(i).padStart(5, "0")}`;
      return [n, "Bulk", String(i), site, `${n}@example.com`, "Standard"];
    });
    const { imp } = await importCsv(token, csvOf([header, ...lines]));
    expect(imp.counts.created).toBe(count);
    const rows = recordsOf(await (await linksCsv(token, imp.id)).text());
    expect(rows.length).toBe(count);
    expect(new Set(rows.map((r) => r.employee_number)).size).toBe(count);
    expect(new Set(rows.map((r) => r.activation_link)).size).toBe(count);
    const ids = (await db.select({ id: users.id }).from(users).where(eq(users.createdImportId, imp.id))).map(
      (u) => u.id,
    );
    const stored = await db
      .select()
      .from(accountLinks)
      .where(inArray(accountLinks.userId, ids.slice(0, 90)));
    expect(stored.length).toBe(90);
    const hashes = new Set(await Promise.all(rows.map((r) => hashSecret(r.activation_link?.split("/").at(-1) ?? ""))));
    for (const row of stored) expect(hashes.has(row.tokenHash)).toBe(true);
  });

  it("finds the import's users by the ids it gave them, and none for an import that created no one", async () => {
    const { token } = await createUserWithToken("Admin");
    const [a, b] = [unique("r"), unique("r")];
    const { imp } = await importCsv(token, csvOf([header, [a, "Ray", "Range", site, `${a}@example.com`, "Standard"]]));
    // Users made after it, by another import and by hand, sit above its range.
    await importCsv(token, csvOf([header, [b, "Bo", "Later", site, `${b}@example.com`, "Standard"]]));
    await createUser("Standard");
    const [row] = await db.select().from(imports).where(eq(imports.id, imp.id));
    const [mine] = await db.select({ id: users.id }).from(users).where(eq(users.employeeNumber, a));
    expect(row?.createdUsersFrom).toBeLessThan(mine?.id ?? 0);
    expect(row?.createdUsersTo).toBe(mine?.id);
    expect(recordsOf(await (await linksCsv(token, imp.id)).text()).map((r) => r.employee_number)).toEqual([a]);

    const { imp: again } = await importCsv(
      token,
      csvOf([header, [a, "Ray", "Renamed", site, `${a}@example.com`, "Standard"]]),
    );
    expect(again.counts).toMatchObject({ created: 0, updated: 1 });
    expect(recordsOf(await (await linksCsv(token, again.id)).text())).toEqual([]);

    // An import from before the range was kept is looked for among every user.
    await db.update(imports).set({ createdUsersFrom: null, createdUsersTo: null }).where(eq(imports.id, imp.id));
    expect(recordsOf(await (await linksCsv(token, imp.id)).text()).map((r) => r.employee_number)).toEqual([a]);
  });

  it("needs a token with manage users", async () => {
    const { token } = await createUserWithToken("Admin");
    const { token: manager } = await createUserWithToken("Manager");
    const n = unique("n");
    const { imp } = await importCsv(token, csvOf([header, [n, "Pat", "Perm", site, `${n}@example.com`, "Standard"]]));
    const anonymous = await exports.default.fetch(
      new Request(`${base}/api/imports/${imp.id}/activation-links.csv`, { method: "POST" }),
    );
    expect(anonymous.status).toBe(401);
    expect((await linksCsv(manager, imp.id)).status).toBe(403);
    expect((await linksCsv(token, "00000000-0000-0000-0000-000000000000")).status).toBe(404);
    const user = await storedUser(n);
    expect(
      await db
        .select()
        .from(accountLinks)
        .where(eq(accountLinks.userId, user?.id ?? 0)),
    ).toEqual([]);
  });
});

describe("the report's activation links button", () => {
  it("downloads the links through a CSRF form for an admin, and is not offered to a Manager", async () => {
    const { user: admin, browser } = await signedIn("Admin");
    const { token } = await createUserWithToken("Admin");
    const n = unique("n");
    const { imp } = await importCsv(token, csvOf([header, [n, "Rae", "Report", site, `${n}@example.com`, "Manager"]]));
    const page = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(page).toContain("Download activation links (CSV)");
    const path = `/imports/${imp.id}/activation-links.csv`;
    expect((await browser.post(path, {})).status).toBe(403);
    const res = await browser.post(path, { _csrf: csrfIn(page) });
    expect(res.status).toBe(200);
    const rows = recordsOf(await res.text());
    expect(rows.map((r) => r.employee_number)).toEqual([n]);
    expect(admin.id).toBeGreaterThan(0);

    const { browser: manager } = await signedIn("Manager");
    const managerPage = await (await manager.fetch(`/imports/${imp.id}`)).text();
    expect(managerPage).not.toContain("Download activation links");
    expect((await manager.post(path, { _csrf: csrfIn(managerPage) })).status).toBe(403);
  });
});
