import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toKey } from "../../src/db/keys";
import { imports, locations, roles, users } from "../../src/db/schema";
import { listImportLines } from "../../src/imports/read-lines";
import { applyChunk } from "../../src/imports/apply-chunk";
import { loadRoleBook } from "../../src/imports/consume-import";
import { findImporter } from "../../src/db/viewers";
import { chunkRows } from "../../src/imports/limits";
import {
  createTestLocation,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  storedUser,
  unique,
  uploadCsv,
} from "../helpers";

let token: string;
let adminId: number;
let site: { name: string; code: string; alias: string };

beforeAll(async () => {
  let admin: { id: number };
  ({ token, user: admin } = await createUserWithToken("Admin"));
  adminId = admin.id;
  site = await createTestLocation();
});

async function locationId(name: string) {
  const [row] = await db.select().from(locations).where(eq(locations.name, name));
  return row?.id;
}

async function roleName(id: number | undefined) {
  const [row] = await db
    .select()
    .from(roles)
    .where(eq(roles.id, id ?? -1));
  return row?.name;
}

describe("the help article's example", () => {
  it("imports 5 out of 6 users and reports line 5 as missing its email", async () => {
    const n = unique("E");
    const csv = csvOf([
      header,
      [`${n}1`, "Ada", "Lovelace", site.name, `${n}1@example.com`, "Standard"],
      [`${n}2`, "Alan", "Turing", site.name, `${n}2@example.com`, "Manager"],
      [`${n}3`, "Grace", "Hopper", site.code, `${n}3@example.com`, "Admin"],
      [`${n}4`, "Edsger", "Dijkstra", site.alias, "", "Standard"],
      [`${n}5`, "Barbara", "Liskov", site.name, `${n}5@example.com`, ""],
      [`${n}6`, "Donald", "Knuth", site.name, `${n}6@example.com`, "Standard"],
    ]);
    const { imp, lines, line } = await importCsv(token, csv);
    expect(imp.status).toBe("completed");
    expect(imp.total_rows).toBe(6);
    expect(imp.processed_rows).toBe(6);
    // The new Manager and Admin are imported with a warning, so the report shows every new admin.
    expect(imp.counts).toEqual({ created: 5, updated: 0, unchanged: 0, failed: 1, warnings: 2 });
    expect(lines.map((l) => l.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(line(3)?.messages.map((m) => m.code)).toEqual(["grants_admin_access"]);
    expect(line(4)?.messages.map((m) => m.code)).toEqual(["grants_admin_access"]);
    expect(line(5)?.outcome).toBe("failed");
    expect(line(5)?.messages.map((m) => m.code)).toEqual(["missing_email"]);
    expect(await storedUser(`${n}4`)).toBeUndefined();
    expect((await storedUser(`${n}3`))?.locationId).toBeTypeOf("number");
  });
});

describe("employee numbers", () => {
  it("fails a line without an employee number", async () => {
    const { line } = await importCsv(
      token,
      csvOf([header, ["", "No", "Number", site.name, `${unique("x")}@example.com`, ""]]),
    );
    expect(line(2)?.outcome).toBe("failed");
    expect(line(2)?.messages[0]?.code).toBe("missing_employee_number");
  });

  it("refuses an employee number a spreadsheet turned into scientific notation", async () => {
    const { line } = await importCsv(
      token,
      csvOf([header, ["1.23457E+11", "Sci", "Note", site.name, `${unique("x")}@example.com`, ""]]),
    );
    expect(line(2)?.outcome).toBe("failed");
    expect(line(2)?.messages[0]?.code).toBe("invalid_employee_number");
    expect(line(2)?.messages[0]?.message).toMatch(/Text/);
  });

  it("imports an employee number that only looks like a number with an exponent", async () => {
    const n = `${Date.now() % 100000}E45`;
    const { line } = await importCsv(
      token,
      csvOf([header, [n, "Ex", "Ponent", site.name, `${unique("x")}@example.com`, ""]]),
    );
    expect(line(2)?.outcome).toBe("created");
    expect((await storedUser(n))?.employeeNumber).toBe(n);
  });

  it("fails the second line with the same employee number and names the first, ignoring case", async () => {
    const n = unique("dup");
    const { line, imp } = await importCsv(
      token,
      csvOf([
        header,
        [n, "First", "One", site.name, `${n}a@example.com`, ""],
        [n.toUpperCase(), "Second", "One", site.name, `${n}b@example.com`, ""],
      ]),
    );
    expect(imp.counts.created).toBe(1);
    expect(line(3)?.messages[0]?.code).toBe("duplicate_employee_number");
    expect(line(3)?.messages[0]?.message).toContain("line 2");
  });

  it("keeps leading zeros and never changes the stored employee number", async () => {
    const n = `00${Date.now() % 100000}`;
    await importCsv(token, csvOf([header, [n, "Zero", "Lead", site.name, `z${n}@example.com`, ""]]));
    expect((await storedUser(n))?.employeeNumber).toBe(n);
  });

  it("finds a duplicate employee number or email across chunks of a large file", async () => {
    const n = unique("big");
    const rows = [header];
    const many = chunkRows + 100;
    for (let i = 0; i < many; i++) rows.push([`${n}-${i}`, "Many", `Row${i}`, site.name, `${n}-${i}@example.com`, ""]);
    rows.push([`${n}-7`, "Again", "Seven", site.name, `${n}-again@example.com`, ""]);
    rows.push([`${n}-new`, "Same", "Mail", site.name, `${n}-0@example.com`, ""]);
    const { imp, line } = await importCsv(token, csvOf(rows));
    expect(imp.total_rows).toBe(many + 2);
    expect(imp.counts.created).toBe(many);
    expect(line(many + 2)?.messages[0]?.code).toBe("duplicate_employee_number");
    expect(line(many + 2)?.messages[0]?.message).toContain("line 9");
    expect(line(many + 3)?.messages[0]?.code).toBe("duplicate_email");
    expect(line(many + 3)?.messages[0]?.message).toContain("line 2.");
  });
});

describe("emails", () => {
  it("fails an email that is not an email address", async () => {
    const { line } = await importCsv(
      token,
      csvOf([header, [unique("e"), "Bad", "Mail", site.name, "not-an-email", ""]]),
    );
    expect(line(2)?.messages[0]?.code).toBe("invalid_email");
  });

  it("fails an email another user already has, saying whose", async () => {
    const a = unique("own");
    const email = `${a}@example.com`;
    await importCsv(token, csvOf([header, [a, "Own", "Er", site.name, email, ""]]));
    const { line } = await importCsv(
      token,
      csvOf([header, [unique("b"), "Other", "Person", site.name, email.toUpperCase(), ""]]),
    );
    expect(line(2)?.messages[0]?.code).toBe("duplicate_email");
    expect(line(2)?.messages[0]?.message).toContain(a);
  });

  it("says the leading zeros were probably lost when a number without them meets its user's email", async () => {
    const digits = `${Date.now() % 1_000_000_000}`;
    const padded = `00${digits}`;
    const email = `${unique("zeros")}@example.com`;
    await importCsv(token, csvOf([header, [padded, "Zia", "Zero", site.name, email, ""]]));
    // The same user, from a CSV that Excel opened and saved again.
    const { line } = await importCsv(token, csvOf([header, [digits, "Zia", "Zero", site.name, email, ""]]));
    expect(line(2)?.outcome).toBe("failed");
    expect(line(2)?.messages[0]?.code).toBe("duplicate_email");
    const message = line(2)?.messages[0]?.message ?? "";
    expect(message).toContain(`already used by user ${padded}. Every user needs an email of their own.`);
    expect(message).toContain(`The employee number ${digits} is probably ${padded} with its leading zeros lost`);
    expect(message).toContain("Format the employee number column as Text");
    expect(message).toContain("Excel drops leading zeros when it opens a CSV");
    expect(await storedUser(digits)).toBeUndefined();
  });

  it("says nothing of leading zeros when the user who has the email has another number", async () => {
    const email = `${unique("nozeros")}@example.com`;
    const owner = `${Date.now() % 1_000_000_000}7`;
    await importCsv(token, csvOf([header, [owner, "Ola", "Other", site.name, email, ""]]));
    const { line } = await importCsv(token, csvOf([header, [`${owner}8`, "Ola", "Other", site.name, email, ""]]));
    expect(line(2)?.messages[0]?.message).toBe(
      `The email ${email} is already used by user ${owner}. Every user needs an email of their own.`,
    );
  });

  it("fails an email an earlier line of the same file used", async () => {
    const email = `${unique("same")}@example.com`;
    const { line } = await importCsv(
      token,
      csvOf([header, [unique("p"), "P", "One", site.name, email, ""], [unique("q"), "Q", "Two", site.name, email, ""]]),
    );
    expect(line(2)?.outcome).toBe("created");
    expect(line(3)?.messages[0]?.code).toBe("duplicate_email");
    expect(line(3)?.messages[0]?.message).toContain("line 2");
  });

  it("leaves an owner's email to the owner's own line when an earlier line tried to take it", async () => {
    const owner = unique("owner");
    const email = `${owner}@example.com`;
    await importCsv(token, csvOf([header, [owner, "Bo", "Owner", site.name, email, ""]]));
    const { line } = await importCsv(
      token,
      csvOf([
        header,
        [unique("taker"), "Ta", "Ker", site.name, email, ""],
        [owner, "Bob", "Owner", site.name, email, ""],
      ]),
    );
    expect(line(2)?.messages[0]?.message).toContain(`already used by user ${owner}`);
    expect(line(3)?.outcome).toBe("updated");
    expect((await storedUser(owner))?.firstName).toBe("Bob");
  });

  it("leaves an owner's email to the owner's line in a later chunk too", async () => {
    const n = unique("ownbig");
    const email = `${n}-owner@example.com`;
    await importCsv(token, csvOf([header, [`${n}-owner`, "Bo", "Owner", site.name, email, ""]]));
    const rows = [header, [`${n}-taker`, "Ta", "Ker", site.name, email, ""]];
    for (let i = 0; i < chunkRows; i++)
      rows.push([`${n}-${i}`, "Many", `Row${i}`, site.name, `${n}-${i}@example.com`, ""]);
    rows.push([`${n}-owner`, "Bob", "Owner", site.name, email, ""]);
    const { imp, line } = await importCsv(token, csvOf(rows));
    expect(imp.counts).toMatchObject({ created: chunkRows, updated: 1, failed: 1 });
    expect(line(2)?.messages[0]?.code).toBe("duplicate_email");
    expect(line(chunkRows + 3)?.outcome).toBe("updated");
  });

  it("lets a later line take an email an earlier line gave up", async () => {
    const [a, b] = [unique("swapA"), unique("swapB")];
    await importCsv(token, csvOf([header, [a, "A", "A", site.name, `${a}@example.com`, ""]]));
    const { line } = await importCsv(
      token,
      csvOf([
        header,
        [a, "A", "A", site.name, `${a}-new@example.com`, ""],
        [b, "B", "B", site.name, `${a}@example.com`, ""],
      ]),
    );
    expect(line(2)?.outcome).toBe("updated");
    expect(line(3)?.outcome).toBe("created");
    expect((await storedUser(b))?.email).toBe(`${a}@example.com`);
  });
});

describe("locations", () => {
  it("matches a location by name, code or alias, ignoring case and spaces", async () => {
    const [a, b, c] = [unique("la"), unique("lb"), unique("lc")];
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [a, "A", "A", ` ${site.name.toUpperCase()} `, `${a}@example.com`, ""],
        [b, "B", "B", site.code.toLowerCase(), `${b}@example.com`, ""],
        [c, "C", "C", site.alias, `${c}@example.com`, ""],
      ]),
    );
    expect(imp.counts.created).toBe(3);
    const ids = await Promise.all([a, b, c].map(async (n) => (await storedUser(n))?.locationId));
    expect(new Set(ids).size).toBe(1);
  });

  it("fails a line whose location does not exist", async () => {
    const { line } = await importCsv(
      token,
      csvOf([header, [unique("nl"), "No", "Where", "Atlantis", `${unique("x")}@example.com`, ""]]),
    );
    expect(line(2)?.messages[0]?.code).toBe("unknown_location");
    expect(line(2)?.messages[0]?.message).toContain("Atlantis");
  });
});

describe("roles", () => {
  it("matches a role by name without regard to case", async () => {
    const n = unique("r");
    await importCsv(token, csvOf([header, [n, "R", "R", site.name, `${n}@example.com`, "mAnAgEr"]]));
    expect(await roleName((await storedUser(n))?.roleId)).toBe("Manager");
  });

  it("imports a user with an unknown role as Standard, with a warning", async () => {
    const n = unique("ur");
    const { imp, line } = await importCsv(
      token,
      csvOf([header, [n, "U", "R", site.name, `${n}@example.com`, "Wizard"]]),
    );
    expect(line(2)?.outcome).toBe("created");
    expect(line(2)?.messages).toEqual([expect.objectContaining({ level: "warning", code: "unknown_role" })]);
    // It says which roles there are, since the fix is to name one in the file.
    expect(line(2)?.messages[0]?.message).toContain("Standard, Manager or Admin");
    expect(imp.counts.warnings).toBe(1);
    expect(await roleName((await storedUser(n))?.roleId)).toBe("Standard");
  });

  it("gives Standard to a new user with an empty role, without a warning", async () => {
    const n = unique("er");
    const { line } = await importCsv(token, csvOf([header, [n, "E", "R", site.name, `${n}@example.com`, ""]]));
    expect(line(2)?.messages).toEqual([]);
    expect(await roleName((await storedUser(n))?.roleId)).toBe("Standard");
  });

  it("imports a file without a role column, new users getting Standard", async () => {
    const n = unique("nr");
    const { imp } = await importCsv(
      token,
      csvOf([
        ["employee_number", "first_name", "last_name", "location", "email"],
        [n, "N", "R", site.name, `${n}@example.com`],
      ]),
    );
    expect(imp.counts.created).toBe(1);
    expect(await roleName((await storedUser(n))?.roleId)).toBe("Standard");
  });
});

describe("updates", () => {
  it("updates an existing user, and reports an identical line as unchanged", async () => {
    const n = unique("up");
    await importCsv(token, csvOf([header, [n, "Old", "Name", site.name, `${n}@example.com`, "Standard"]]));
    const second = await importCsv(
      token,
      csvOf([header, [n, "New", "Name", site.name, `${n}@example.com`, "Standard"]]),
    );
    expect(second.line(2)?.outcome).toBe("updated");
    expect((await storedUser(n))?.firstName).toBe("New");
    const third = await importCsv(
      token,
      csvOf([header, [n, "New", "Name", site.code, `${n}@example.com`, "standard"]]),
    );
    expect(third.line(2)?.outcome).toBe("unchanged");
  });

  it("never erases a stored value with an empty cell", async () => {
    const n = unique("keep");
    await importCsv(token, csvOf([header, [n, "Keep", "Me", site.name, `${n}@example.com`, "Manager"]]));
    const { line } = await importCsv(token, csvOf([header, [n, "", "", "", "", ""]]));
    expect(line(2)?.outcome).toBe("unchanged");
    const stored = await storedUser(n);
    expect(stored?.firstName).toBe("Keep");
    expect(stored?.email).toBe(`${n}@example.com`);
    expect(await roleName(stored?.roleId)).toBe("Manager");
  });

  it("keeps a locked role and a locked location, with warnings", async () => {
    const n = unique("lock");
    const other = await createTestLocation();
    await importCsv(token, csvOf([header, [n, "Lo", "Ck", site.name, `${n}@example.com`, "Manager"]]));
    await db
      .update(users)
      .set({ roleLocked: true, locationLocked: true })
      .where(eq(users.employeeKey, toKey(n)));
    const { line } = await importCsv(
      token,
      csvOf([header, [n, "Lo", "Cked", other.name, `${n}@example.com`, "Admin"]]),
    );
    expect(line(2)?.outcome).toBe("updated");
    expect(
      line(2)
        ?.messages.map((m) => m.code)
        .sort(),
    ).toEqual(["location_locked", "role_locked"]);
    const stored = await storedUser(n);
    expect(stored?.lastName).toBe("Cked");
    expect(await roleName(stored?.roleId)).toBe("Manager");
  });

  it("keeps a role and a location locked after the chunk's users were read and before they are written", async () => {
    const n = unique("lockrace");
    const other = await createTestLocation();
    await importCsv(token, csvOf([header, [n, "Ra", "Ce", site.name, `${n}@example.com`, "Manager"]]));
    const upload = await uploadCsv(token, csvOf([header, [n, "Ra", "Ced", other.name, `${n}@example.com`, "Admin"]]));
    const { id } = (await upload.json()) as { id: string };
    const [imp] = await db.select().from(imports).where(eq(imports.id, id));
    if (!imp) throw new Error("the upload made no import");
    const values = {
      employee_number: n,
      first_name: "Ra",
      last_name: "Ced",
      location: other.name,
      email: `${n}@example.com`,
      role: "Admin",
    };

    // The chunk's read goes to D1 at once; the lock is sent while the rules wait for it, so D1,
    // which answers one request at a time in the order sent, stores it before the chunk's write.
    const roleBook = await loadRoleBook(db);
    const importer = await findImporter(db, adminId);
    if (!importer) throw new Error("the importing admin is missing");
    const applying = applyChunk(db, imp, { index: 0 }, [{ line: 2, values }], roleBook, importer, new Date());
    await db
      .update(users)
      .set({ roleLocked: true, locationLocked: true })
      .where(eq(users.employeeKey, toKey(n)));
    expect((await applying).updated).toBe(1);
    // The rules saw no lock (no lock warning, and the promotion they saw is noted): what kept the
    // fields is the write itself.
    const [after] = await db.select().from(imports).where(eq(imports.id, id));
    if (!after) throw new Error("the import is gone");
    const [outcome] = (await listImportLines(env.FILES, db, after, { limit: 1 })).lines;
    expect(outcome?.messages.map((m) => m.code)).toEqual(["grants_admin_access"]);

    const stored = await storedUser(n);
    expect(stored?.lastName).toBe("Ced");
    expect(await roleName(stored?.roleId)).toBe("Manager");
    expect(stored?.locationId).toBe(await locationId(site.name));
  });

  it("updates a user with a locked location whatever location the file names, even one that does not exist", async () => {
    const n = unique("lockloc");
    await importCsv(token, csvOf([header, [n, "Lo", "Ck", site.name, `${n}@example.com`, ""]]));
    await db
      .update(users)
      .set({ locationLocked: true })
      .where(eq(users.employeeKey, toKey(n)));
    const { line } = await importCsv(
      token,
      csvOf([header, [n, "Lo", "Cked", "Nowhere at all", `${n}@example.com`, ""]]),
    );
    expect(line(2)?.outcome).toBe("updated");
    expect(line(2)?.messages.map((m) => m.code)).toEqual(["location_locked"]);
    expect(line(2)?.messages[0]?.message).toContain(`stays ${site.name}`);
    expect(line(2)?.messages[0]?.message).toContain("Nowhere at all");
    expect((await storedUser(n))?.lastName).toBe("Cked");
  });

  it("requires first name, last name and location only of new users", async () => {
    const n = unique("req");
    const { line } = await importCsv(token, csvOf([header, [n, "", "", "", `${n}@example.com`, ""]]));
    expect(line(2)?.messages.map((m) => m.code)).toEqual([
      "missing_first_name",
      "missing_last_name",
      "missing_location",
    ]);
  });
});

describe("records that do not fit", () => {
  it("fails a record with more values than the header has columns", async () => {
    const n = unique("mal");
    const csv = `${header.join(",")}\n${n},A,B,${site.name},${n}@example.com,,extra\n`;
    const { line } = await importCsv(token, csv);
    expect(line(2)?.messages[0]?.code).toBe("malformed_row");
  });

  it("stores no invisible characters pasted from a spreadsheet", async () => {
    const n = unique("inv");
    const { imp } = await importCsv(
      token,
      csvOf([header, [`\u00a0${n}\u200b`, "Zoë\u00a0", "Smith\u200d", site.name, `${n}@example.com`, ""]]),
    );
    expect(imp.counts.created).toBe(1);
    const stored = await storedUser(n);
    expect(stored?.employeeNumber).toBe(n);
    expect(stored?.firstName).toBe("Zoë");
    expect(stored?.lastName).toBe("Smith");
  });
});
