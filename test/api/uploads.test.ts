import { env } from "cloudflare:workers";
import { count } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { imports, users } from "../../src/db/schema";
import { nameKeyOf } from "../../src/db/keys";
import { pieceBytes } from "../../src/imports/stored-file";
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
  uploadCsv,
  waitForImport,
} from "../helpers";

let token: string;
let site: { name: string };

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

async function storedCount() {
  const [row] = await db.select({ n: count() }).from(imports);
  const objects = await env.FILES.list({ prefix: "imports/" });
  return { imports: row?.n ?? 0, files: objects.objects.length };
}

async function expectRefused(body: string | Uint8Array, status: number, code: string) {
  const before = await storedCount();
  const res = await uploadCsv(token, body);
  expect(res.status).toBe(status);
  const json = (await res.json()) as { error: { code: string; message: string } };
  expect(json.error.code).toBe(code);
  expect(await storedCount()).toEqual(before);
  return json.error.message;
}

describe("uploading a file", () => {
  it("answers with what it found: users, columns, ignored columns, encoding and delimiter", async () => {
    const n = unique("u");
    const res = await uploadCsv(
      token,
      `Employee ID;First Name;Surname;Site;E-mail;Role;Shoe size\n${n};A;B;${site.name};${n}@example.com;;42\n`,
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: "ready",
      file_name: "users.csv",
      total_rows: 1,
      encoding: "utf-8",
      delimiter: ";",
      ignored_columns: ["Shoe size"],
    });
    expect(body.columns).toContainEqual({ index: 0, header: "Employee ID", field: "employee_number" });
  });

  it("refuses an empty file and stores nothing", async () => {
    expect(await expectRefused("", 422, "empty_file")).toMatch(/empty/i);
  });

  it("refuses a header without users", async () => {
    await expectRefused(`${header.join(",")}\n\n`, 422, "no_rows");
  });

  it("refuses a file missing required columns, naming them", async () => {
    const message = await expectRefused("employee_number,first_name,last_name\n1,A,B\n", 422, "missing_columns");
    expect(message).toContain("email");
    expect(message).toContain("location");
  });

  it("refuses a large file by its header, and answers once the whole body is sent", async () => {
    // The header is checked as the upload streams in; the rest of the body is read and dropped,
    // so a client still sending gets the answer rather than a closed connection.
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},Ann,Lee,somewhere-long-enough-to-fill-pieces`).join(
      "\n",
    );
    const csv = `employee_number,first_name,last_name,site\n${rows}\n`;
    expect(csv.length).toBeGreaterThan(2 * pieceBytes);
    const message = await expectRefused(csv, 422, "missing_columns");
    expect(message).toContain("email");
  });

  it("refuses a zip archive cut short, as a workbook it cannot read", async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0, 0, 0, 0, 0x21, 0x00]);
    expect(await expectRefused(zip, 415, "not_csv")).toContain("could not be read as a workbook");
  });

  it("refuses a file over the size limit, naming the limit", async () => {
    const big = new Uint8Array(Number(env.MAX_UPLOAD_BYTES) + 1);
    const message = await expectRefused(big, 413, "file_too_large");
    expect(message).toContain("MB");
  });

  it("takes a multipart form upload with the file's own name", async () => {
    const form = new FormData();
    const n = unique("mp");
    form.set(
      "file",
      new File([csvOf([header, [n, "M", "P", site.name, `${n}@example.com`, ""]])], "people.csv", { type: "text/csv" }),
    );
    const res = await call(token, "/api/imports", { method: "POST", body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ file_name: "people.csv", total_rows: 1 });
  });

  it("starts once however often it is started", async () => {
    const n = unique("st");
    const res = await uploadCsv(token, csvOf([header, [n, "S", "T", site.name, `${n}@example.com`, ""]]));
    const { id } = (await res.json()) as { id: string };
    const first = await call(token, `/api/imports/${id}/start`, { method: "POST" });
    const second = await call(token, `/api/imports/${id}/start`, { method: "POST" });
    expect([first.status, second.status]).toEqual([202, 202]);
    const done = await waitForImport(token, id);
    expect(done.counts).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 0, warnings: 0 });
    const third = await call(token, `/api/imports/${id}/start`, { method: "POST" });
    expect(((await third.json()) as { status: string }).status).toBe("completed");
  });

  it("answers 404 not_found for an import that does not exist, whether or not its id is well formed", async () => {
    for (const id of [crypto.randomUUID(), "not-an-id"]) {
      for (const path of [`/api/imports/${id}`, `/api/imports/${id}/lines`, `/api/imports/${id}/report.csv`]) {
        const res = await call(token, path);
        expect(res.status, path).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("not_found");
      }
      const start = await call(token, `/api/imports/${id}/start`, { method: "POST" });
      expect(start.status).toBe(404);
    }
  });
});

describe("reading an import's results", () => {
  it("lists imports newest first", async () => {
    const n = unique("ls");
    const a = (await (
      await uploadCsv(token, csvOf([header, [`${n}a`, "A", "A", site.name, `${n}a@example.com`, ""]]))
    ).json()) as { id: string };
    const b = (await (
      await uploadCsv(token, csvOf([header, [`${n}b`, "B", "B", site.name, `${n}b@example.com`, ""]]))
    ).json()) as { id: string };
    const list = (await (await call(token, "/api/imports?limit=2")).json()) as {
      imports: { id: string; uploaded_by: string }[];
      next_cursor: string | null;
    };
    expect(list.imports.map((i) => i.id)).toEqual([b.id, a.id]);
    expect(list.next_cursor).not.toBeNull();
  });

  it("pages and filters line outcomes in line order", async () => {
    const n = unique("pg");
    const rows = [header];
    for (let i = 0; i < 7; i++)
      rows.push([
        `${n}${i}`,
        "P",
        "G",
        i % 3 === 0 ? "Atlantis" : site.name,
        `${n}${i}@example.com`,
        i === 1 ? "Wizard" : "",
      ]);
    const { imp } = await importCsv(token, csvOf(rows));
    const first = (await (await call(token, `/api/imports/${imp.id}/lines?limit=3`)).json()) as {
      lines: { line: number }[];
      next_cursor: string;
    };
    expect(first.lines.map((l) => l.line)).toEqual([2, 3, 4]);
    const second = (await (
      await call(token, `/api/imports/${imp.id}/lines?limit=3&cursor=${first.next_cursor}`)
    ).json()) as { lines: { line: number }[] };
    expect(second.lines.map((l) => l.line)).toEqual([5, 6, 7]);
    const errors = (await (await call(token, `/api/imports/${imp.id}/lines?level=error`)).json()) as {
      lines: { line: number }[];
    };
    expect(errors.lines.map((l) => l.line)).toEqual([2, 5, 8]);
    const warnings = (await (await call(token, `/api/imports/${imp.id}/lines?level=warning`)).json()) as {
      lines: { line: number }[];
    };
    expect(warnings.lines.map((l) => l.line)).toEqual([3]);
    const created = (await (await call(token, `/api/imports/${imp.id}/lines?outcome=created`)).json()) as {
      lines: { line: number }[];
    };
    expect(created.lines.map((l) => l.line)).toEqual([3, 4, 6, 7]);
    // Both filters hold at once: created lines with an error are none, created lines with a warning line 3.
    const createdErrors = (await (
      await call(token, `/api/imports/${imp.id}/lines?outcome=created&level=error`)
    ).json()) as { lines: unknown[] };
    expect(createdErrors.lines).toEqual([]);
    const createdWarnings = (await (
      await call(token, `/api/imports/${imp.id}/lines?outcome=created&level=warning`)
    ).json()) as { lines: { line: number }[] };
    expect(createdWarnings.lines.map((l) => l.line)).toEqual([3]);
  });

  it("writes a report CSV with a BOM, every line, and formulas neutralised", async () => {
    const n = unique("rp");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "=HYPERLINK(1)", "@SUM", site.name, `${n}1@example.com`, ""],
        [`${n}2`, "B", "B", "Atlantis", `${n}2@example.com`, ""],
      ]),
    );
    const res = await call(token, `/api/imports/${imp.id}/report.csv`);
    expect(res.headers.get("Content-Disposition")).toBe(
      `attachment; filename="import-${imp.id}-report.csv"; filename*=UTF-8''import-${imp.id}-report.csv`,
    );
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toBe("line,outcome,messages,changes,employee_number,first_name,last_name,location,email,role");
    expect(lines[1]).toContain("'=HYPERLINK(1)");
    expect(lines[1]).toContain("'@SUM");
    expect(lines[2]).toMatch(/^3,failed,.*unknown_location/);
  });

  it("writes the failed lines in the template's columns, ready to fix and import again", async () => {
    const n = unique("fl");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "Ok", "Fine", site.name, `${n}1@example.com`, ""],
        [`${n}2`, "No", "Where", "Atlantis", `${n}2@example.com`, "Admin"],
      ]),
    );
    const text = (await (await call(token, `/api/imports/${imp.id}/failed.csv`)).text()).replace(/^\uFEFF/, "");
    expect(text.trim().split("\r\n")).toEqual([header.join(","), `${n}2,No,Where,Atlantis,${n}2@example.com,Admin`]);
  });

  it("imports a fixed failed-lines file with its formula-like values as they were, not as neutralised", async () => {
    const n = unique("rt");
    const { imp } = await importCsv(
      token,
      csvOf([header, [n, "=HYPERLINK(1)", "Where", "Atlantis", `${n}@example.com`, ""]]),
    );
    const failed = (await (await call(token, `/api/imports/${imp.id}/failed.csv`)).text()).replace(/^\uFEFF/, "");
    expect(failed).toContain("'=HYPERLINK(1)");
    const fixed = failed.replace("Atlantis", site.name);
    const again = await importCsv(token, fixed);
    expect(again.imp.counts.created).toBe(1);
    expect((await storedUser(n))?.firstName).toBe("=HYPERLINK(1)");
  });
});

/** Whether the users API's search for `q` lists the user with this employee number. */
async function searchFinds(q: string, employeeNumber: string): Promise<boolean> {
  const res = await call(token, `/api/users?q=${encodeURIComponent(q)}`);
  return ((await res.json()) as { users: { employee_number: string }[] }).users.some(
    (u) => u.employee_number === employeeNumber,
  );
}

describe("users, locations and roles", () => {
  it("finds the users of an import by import and by import date", async () => {
    const n = unique("us");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "U", "One", site.name, `${n}1@example.com`, "Manager"],
        [`${n}2`, "U", "Two", site.name, `${n}2@example.com`, ""],
      ]),
    );
    const byImport = (await (await call(token, `/api/users?import_id=${imp.id}`)).json()) as {
      users: { employee_number: string; role: string; location: string }[];
    };
    expect(byImport.users.map((u) => u.employee_number)).toEqual([`${n}1`, `${n}2`]);
    expect(byImport.users[0]).toMatchObject({ role: "Manager", location: site.name, last_import_id: imp.id });
    const today = new Date().toISOString().slice(0, 10);
    const byDay = (await (await call(token, `/api/users?imported_on=${today}&q=${n}`)).json()) as { users: unknown[] };
    expect(byDay.users).toHaveLength(2);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const none = (await (await call(token, `/api/users?imported_on=${yesterday}&q=${n}`)).json()) as {
      users: unknown[];
    };
    expect(none.users).toHaveLength(0);
  });

  it("finds a user by any part of the name in any case, accented capitals included", async () => {
    const n = unique("acc");
    await importCsv(
      token,
      csvOf([
        header,
        [n, "Zoë", "Ñúñez-Ørsted", site.name, `${n}@example.com`, ""],
        [`${n}-a`, "Ada", "LoveLace", site.name, `${n}-a@example.com`, ""],
      ]),
    );
    // Every name key is made in the Worker, as nameKeyOf makes it.
    expect((await storedUser(n))?.nameKey).toBe(nameKeyOf("Zoë", "Ñúñez-Ørsted"));
    expect((await storedUser(`${n}-a`))?.nameKey).toBe("ada lovelace");
    for (const q of ["Ñúñez", "ñúñez", "ÑÚÑEZ", "zoë ñ", "ZOË", "ørsted", "Zoe\u0308"])
      expect(await searchFinds(q, n), q).toBe(true);
    // Wildcards are plain characters, and a long search is no pattern D1 would refuse (over 50 bytes).
    for (const q of ["nunez", "Zoë *", "Z?ë", "Zo%", "Ñúñez-Ørsted ".repeat(6)])
      expect(await searchFinds(q, n), q).toBe(false);
  });

  it("filters users by the role and location ids the API lists", async () => {
    const n = unique("ids");
    await importCsv(
      token,
      csvOf([
        header,
        [`${n}1`, "U", "One", site.name, `${n}1@example.com`, "Manager"],
        [`${n}2`, "U", "Two", site.name, `${n}2@example.com`, ""],
      ]),
    );
    const { roles } = (await (await call(token, "/api/roles")).json()) as { roles: { id: number; name: string }[] };
    const { locations } = (await (await call(token, "/api/locations")).json()) as {
      locations: { id: number; name: string }[];
    };
    const manager = roles.find((r) => r.name === "Manager");
    const standard = roles.find((r) => r.name === "Standard");
    const here = locations.find((l) => l.name === site.name);
    const numbers = async (query: string) =>
      (
        (await (await call(token, `/api/users?q=${n}&${query}`)).json()) as { users: { employee_number: string }[] }
      ).users.map((u) => u.employee_number);
    expect(await numbers(`role_id=${manager?.id}`)).toEqual([`${n}1`]);
    expect(await numbers(`role_id=${standard?.id}&location_id=${here?.id}`)).toEqual([`${n}2`]);
  });

  it("sets a user's locks", async () => {
    const n = unique("lk");
    await importCsv(token, csvOf([header, [n, "L", "K", site.name, `${n}@example.com`, ""]]));
    const res = await call(token, `/api/users/${n.toUpperCase()}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_locked: true }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ employee_number: n, role_locked: true, location_locked: false });
    const empty = await call(token, `/api/users/${n}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(empty.status).toBe(400);
  });

  it("sets a user's role and location by id, whatever their locks", async () => {
    const n = unique("as");
    await importCsv(token, csvOf([header, [n, "A", "S", site.name, `${n}@example.com`, ""]]));
    const patch = (who: string, body: unknown) =>
      call(token, `/api/users/${who}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const { roles } = (await (await call(token, "/api/roles")).json()) as { roles: { id: number; name: string }[] };
    const manager = roles.find((r) => r.name === "Manager");
    const res = await patch(n, { role_locked: true, role_id: manager?.id, location_id: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: "Manager", location: null, role_locked: true });
    const unknown = await patch(n, { role_id: 999_999 });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain("/api/roles");
    expect((await patch(n, { location_id: 999_999 })).status).toBe(422);
  });

  it("refuses a token's own user a change of their own role", async () => {
    const own = await createUserWithToken("Admin");
    const { roles } = (await (await call(own.token, "/api/roles")).json()) as { roles: { id: number; name: string }[] };
    const standard = roles.find((r) => r.name === "Standard");
    const res = await call(own.token, `/api/users/${own.user.employeeNumber}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_id: standard?.id }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "forbidden",
    });
  });

  it("adds a location and refuses one whose name, code or alias is taken", async () => {
    const name = unique("Loc ");
    const post = (body: unknown) =>
      call(token, "/api/locations", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const res = await post({ name, code: `${name}-code`, aliases: [`${name} alias`] });
    expect(res.status).toBe(201);
    const clash = await post({ name: unique("Other "), aliases: [` ${name.toUpperCase()} `] });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { error: { code: string } }).error.code).toBe("location_exists");
    const list = (await (await call(token, "/api/locations")).json()) as {
      locations: { name: string; aliases: string[] }[];
    };
    expect(list.locations.find((l) => l.name === name)?.aliases).toEqual([`${name} alias`]);
  });

  it("adds a location with as many aliases as the API allows, and an import finds it by the last one", async () => {
    const name = unique("Many ");
    const aliases = Array.from({ length: 100 }, (_, i) => `${name} site ${String(i).padStart(3, "0")}`);
    const res = await call(token, "/api/locations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, code: `${name}-c`, aliases }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { aliases: string[] }).aliases).toEqual(aliases);
    const n = unique("alias-user");
    const { imp, line } = await importCsv(
      token,
      csvOf([header, [n, "A", "B", aliases[99] ?? "", `${n}@example.com`, ""]]),
    );
    expect(imp.counts.created).toBe(1);
    expect(line(2)?.outcome).toBe("created");
  });

  it("lists the roles with their permissions", async () => {
    const body = (await (await call(token, "/api/roles")).json()) as {
      roles: { id: number; name: string; permissions: string[] }[];
    };
    expect(body.roles.map((r) => r.name)).toEqual(["Standard", "Manager", "Admin"]);
    expect(body.roles[2]?.permissions).toEqual(["admin_access", "manage_users"]);
  });
});
