import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toKey } from "../../src/db/keys";
import { csvAttachment } from "../../src/http/csv-attachment";
import { sessions, users } from "../../src/db/schema";
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
import { Browser, createUser, csrfIn, signedIn } from "../web/helpers";

/** The fullwidth form of an ASCII string: looks the same, is other code points. */
const fullwidth = (value: string) => value.replace(/[!-~]/g, (c) => String.fromCodePoint(c.charCodeAt(0) + 0xfee0));

let token: string;
let site: Awaited<ReturnType<typeof createTestLocation>>;

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

describe("identifiers that look the same are one", () => {
  it("imports one user from every way of writing the same employee number", async () => {
    const n = unique("U");
    const forms = [
      n,
      fullwidth(n),
      `${n.slice(0, 1)}\u00AD${n.slice(1)}`,
      `${n.slice(0, 1)}\u200E${n.slice(1)}`,
      `${n}\uFE0F`,
      `\u200B${n.toLowerCase()}`,
    ];
    const rows = forms.map((form, i) => [form, "Ann", `Lee${i}`, site.name, `${n}-${i}@example.com`, ""]);
    const { imp, lines } = await importCsv(token, csvOf([header, ...rows]));
    expect(imp.counts).toMatchObject({ created: 1, failed: forms.length - 1 });
    expect(lines.slice(1).map((l) => l.messages[0]?.code)).toEqual(
      forms.slice(1).map(() => "duplicate_employee_number"),
    );
    const stored = await db
      .select()
      .from(users)
      .where(eq(users.employeeKey, toKey(n)));
    expect(stored).toHaveLength(1);

    // Each form in a later file finds that one user.
    for (const form of forms.slice(1)) {
      const again = await importCsv(token, csvOf([header, [form, "Ann", "Lee0", site.name, `${n}-0@example.com`, ""]]));
      expect(again.imp.counts, JSON.stringify(form)).toMatchObject({ created: 0, unchanged: 1 });
    }
  });

  it("stores no invisible character of a file's values, and treats a look-alike email as the same email", async () => {
    const n = unique("inv");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [n, "An\u00ADn", "Lee\u200F", site.name, `${n}\u200B@example.com`, ""],
        [`${n}b`, "Bo", "Lee", site.name, fullwidth(`${n}@example.com`), ""],
      ]),
    );
    expect(imp.counts).toMatchObject({ created: 1, failed: 1 });
    expect(await storedUser(n)).toMatchObject({ firstName: "Ann", lastName: "Lee", email: `${n}@example.com` });
  });

  it("reads headers written in look-alike forms", async () => {
    const n = unique("hd");
    const looks = [
      "Ｅmployee\u00A0Number",
      "First\u00ADName",
      "ＬＡＳＴ_NAME",
      "Location\u200B",
      "Ｅ-mail",
      "Role\uFE0F",
    ];
    const { imp } = await importCsv(token, csvOf([looks, [n, "Ann", "Lee", site.name, `${n}@example.com`, ""]]));
    expect(imp.counts).toMatchObject({ created: 1 });
    expect(await storedUser(n)).toMatchObject({ firstName: "Ann", lastName: "Lee", email: `${n}@example.com` });
  });

  it("finds a user by a look-alike of the employee number", async () => {
    const n = unique("F");
    await importCsv(token, csvOf([header, [n, "Ann", "Lee", site.name, `${n}@example.com`, ""]]));
    const res = await call(token, `/api/users/${encodeURIComponent(fullwidth(n))}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { employee_number: string }).employee_number).toBe(n);
    const search = (await (
      await call(token, `/api/users?q=${encodeURIComponent(`${n.slice(0, 2)}\u00AD${n.slice(2)}`)}`)
    ).json()) as { users: unknown[] };
    expect(search.users).toHaveLength(1);
  });
});

describe("locations that look the same are one", () => {
  const post = (body: unknown) =>
    call(token, "/api/locations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("refuses a fullwidth or soft-hyphenated twin of a location's name, code or alias", async () => {
    const name = unique("London");
    expect((await post({ name, code: unique("LDN"), aliases: [unique("City")] })).status).toBe(201);
    for (const twin of [
      fullwidth(name.slice(0, 1)) + name.slice(1),
      `Lon\u00AD${name.slice(3)}`,
      `${name}\u200B`,
      name.toUpperCase(),
    ]) {
      const res = await post({ name: twin });
      expect(res.status, JSON.stringify(twin)).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("location_exists");
    }
  });

  it("refuses a name of only invisible characters as empty", async () => {
    const res = await post({ name: "\u200B\u00AD" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("name");
  });

  it("stores a location's values without invisible characters", async () => {
    const name = unique("Leeds");
    const res = await post({ name: `${name}\u200B`, code: `\u00AD${name}-c`, aliases: [`${name}\uFE0F alias`] });
    expect(await res.json()).toMatchObject({ name, code: `${name}-c`, aliases: [`${name} alias`] });
  });

  it("refuses the twin on the Locations page, saying which location has it", async () => {
    const name = unique("Paris");
    expect((await post({ name })).status).toBe(201);
    const { browser } = await signedIn("Admin");
    const csrf = csrfIn(await (await browser.fetch("/locations")).text());
    for (const twin of [fullwidth(name.slice(0, 1)) + name.slice(1), `Pa\u00AD${name.slice(2)}`]) {
      const res = await browser.post("/locations", { _csrf: csrf, name: twin, code: "", aliases: "" });
      expect(res.status, JSON.stringify(twin)).toBe(422);
      expect(await res.text()).toContain(`is already the name of ${name}`);
    }
  });
});

describe("signing in by a look-alike username", () => {
  it("signs the real user in with a fullwidth or invisibly marked employee number", async () => {
    const user = await createUser("Standard");
    for (const form of [fullwidth(user.employeeNumber), `\u200E${user.employeeNumber}\u00AD`]) {
      const res = await new Browser().signIn(form);
      expect(res.status, JSON.stringify(form)).toBe(303);
    }
    // Both sessions are the real user's.
    expect(await db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(2);
  });

  it("counts wrong passwords for look-alikes of one username together", async () => {
    const user = await createUser("Standard");
    for (let i = 0; i < 10; i++) {
      const form = i % 2 ? fullwidth(user.employeeNumber) : user.employeeNumber;
      expect((await new Browser().signIn(form, `wrong ${i}`)).status).toBe(401);
    }
    expect((await new Browser().signIn(`${user.employeeNumber}\u200B`)).status).toBe(429);
  });
});

describe("values typed on pages", () => {
  it("names a token without the invisible characters typed, and refuses a name of only those", async () => {
    const { browser } = await signedIn("Admin");
    const empty = await browser.post("/tokens", { _csrf: await browser.csrf(), name: "\u200B\u00AD" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Give the token a name");
    const res = await browser.post("/tokens", { _csrf: await browser.csrf(), name: "HR\u00AD sync\u200E" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("HR sync");
  });
});

describe("CSV downloads", () => {
  it("name the file without invisible controls that could disguise its extension", () => {
    const headers = csvAttachment("report\u202Evsc.csv");
    expect(headers["Content-Disposition"]).toBe(`attachment; filename="reportvsc.csv"; filename*=UTF-8''reportvsc.csv`);
  });

  it("neutralises a formula with invisible characters before it", async () => {
    const n = unique("csv");
    const { imp } = await importCsv(
      token,
      csvOf([header, [n, "\u200B=1+1", "\u00AD@SUM(A1)", "Atlantis", `${n}@example.com`, ""]]),
    );
    const failed = (await (await call(token, `/api/imports/${imp.id}/failed.csv`)).text()).replace(/^\uFEFF/, "");
    expect(failed.trim().split("\r\n")[1]).toBe(`${n},'=1+1,'@SUM(A1),Atlantis,${n}@example.com,`);

    // A value stored before invisible characters were removed is guarded all the same.
    await env.DB.prepare(
      `UPDATE flagged_lines SET "values" = json_set("values", '$.first_name', ?) WHERE employee_number = ?`,
    )
      .bind("\u200B=1+1", n)
      .run();
    const report = (await (await call(token, `/api/imports/${imp.id}/report.csv`)).text()).replace(/^\uFEFF/, "");
    expect(report).toContain(`,'\u200B=1+1,`);
  });
});
