import { env } from "cloudflare:workers";
import { count, eq, max } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { markImportQueued } from "../../src/db/imports";
import { toKey } from "../../src/db/keys";
import {
  importChunks,
  imports,
  locations,
  projectedChanges,
  projectedUsers,
  roles,
  userChanges,
  users,
} from "../../src/db/schema";
import { applyDryRun } from "../../src/imports/apply-dry-run";
import { listChunkPlans } from "../../src/db/import-chunks";
import { findImporter } from "../../src/db/viewers";
import { applyChunk } from "../../src/imports/apply-chunk";
import { advanceImport, loadRoleBook } from "../../src/imports/consume-import";
import { readImportChunk } from "../../src/imports/import-file";
import {
  call,
  createTestLocation,
  createUser,
  createUserWithToken,
  csvOf,
  db,
  header,
  unique,
  uploadCsv,
  waitForImport,
  type ImportBody,
} from "../helpers";

type DryRunState = ImportBody & { dry_run: boolean };

type Line = {
  line: number;
  employee_number: string;
  outcome: string;
  messages: { level: string; code: string; message: string }[];
  changes: { field: string; from: string | null; to: string | null }[];
};

/**
 * A column the import ignores, wide enough that a chunk (at most 1 MB of the file) holds about a
 * thousand lines: a file of a few thousand lines then has several chunks, each reading what the
 * earlier ones wrote, or in a dry run would have written.
 */
const notes = "n".repeat(1000);
const wideHeader = [...header, "notes"];
const wide = (row: string[]) => [...row, notes];
const filler = (prefix: string, count: number, site: string) =>
  Array.from({ length: count }, (_, i) =>
    wide([`${prefix}-${i}`, "Fill", `${i}`, site, `${prefix}-${i}@example.com`, ""]),
  );

async function roleId(name: string): Promise<number> {
  const [role] = await db
    .select()
    .from(roles)
    .where(eq(roles.nameKey, toKey(name)));
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

async function allLines(token: string, id: string): Promise<Line[]> {
  const lines: Line[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(token, `/api/imports/${id}/lines?limit=1000${cursor === null ? "" : `&cursor=${cursor}`}`);
    const page = (await res.json()) as { lines: Line[]; next_cursor: string | null };
    lines.push(...page.lines);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return lines;
}

/** The chunk (by index) that holds a line, from the import's plans. */
async function chunkOfLine(importId: string, line: number): Promise<number> {
  const chunks = await db.select().from(importChunks).where(eq(importChunks.importId, importId));
  const holding = chunks.filter((c) => c.firstLine <= line).sort((a, b) => b.index - a.index)[0];
  if (!holding) throw new Error(`no chunk holds line ${line}`);
  return holding.index;
}

/** What users and their history hold, to show that a dry run changed none of it. */
async function userState() {
  const [u] = await db.select({ n: count(), changed: max(users.updatedAt) }).from(users);
  const [h] = await db.select({ n: count() }).from(userChanges);
  return { users: u?.n, lastChange: u?.changed, history: h?.n };
}

/** Imports a completed dry run's file for real through the API, and waits for it. */
async function applyAndWait(token: string, dryRunId: string): Promise<ImportBody> {
  const res = await call(token, `/api/imports/${dryRunId}/apply`, { method: "POST" });
  expect(res.status).toBe(201);
  const body = (await res.json()) as ImportBody & { dry_run: boolean };
  expect(body.dry_run).toBe(false);
  return waitForImport(token, body.id, 60_000);
}

describe("a dry run's projection", () => {
  it("gives every line the outcome, messages and changes the import then gives it, across chunks", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const site = await createTestLocation();
    const other = await createTestLocation();
    const a = await createUser("Standard");
    const b = await createUser("Standard");
    const locked = await createUser("Standard");
    const gone = await createUser("Standard");
    const same = await createUser("Standard");
    const owner = await createUser("Standard");
    const [siteRow] = await db.select().from(locations).where(eq(locations.name, site.name));
    await db
      .update(users)
      .set({ locationId: siteRow?.id ?? null })
      .where(eq(users.id, a.id));
    await db
      .update(users)
      .set({ roleLocked: true, locationLocked: true, locationId: siteRow?.id ?? null })
      .where(eq(users.id, locked.id));
    await db.update(users).set({ status: "deactivated" }).where(eq(users.id, gone.id));
    const n = unique("N");
    const chunk0 = [
      // Gives its email up: a line of a later chunk takes it.
      [a.employeeNumber, "", "", "", `${n}-a-new@example.com`, ""],
      [b.employeeNumber, "", "", other.name, "", "Manager"],
      [locked.employeeNumber, "", "", other.name, "", "Admin"],
      [gone.employeeNumber, "Back", "", "", "", ""],
      [same.employeeNumber, same.firstName, same.lastName, "", same.email, "Standard"],
      ["", "No", "Number", site.name, `${n}-nonumber@example.com`, ""],
      ["1.23457E+11", "Sci", "Note", site.name, `${n}-sci@example.com`, ""],
      [`${n}1`, "Bad", "Email", site.name, "not-an-email", ""],
      [`${n}2`, "Lost", "Site", "Nowhere at all", `${n}2@example.com`, ""],
      [`${n}3`, "Odd", "Role", site.name, `${n}3@example.com`, "Wizard"],
      [`${n}4`, "", "", "", "", ""],
      [`${n}5`, "Taken", "Email", site.name, owner.email, ""],
      [me.employeeNumber, "", "", "", "", "Standard"],
      [`${n}6`, "First", "Dup", site.name, `${n}6@example.com`, ""],
      [`${n}6`, "Second", "Dup", site.name, `${n}6b@example.com`, ""],
      [`${n}7`, "Shared", "One", site.name, `${n}-shared@example.com`, ""],
      [`${n}8`, "Shared", "Two", site.name, `${n}-shared@example.com`, ""],
      [`${n}9`, "New", "Admin", site.code, `${n}9@example.com`, "Admin"],
    ].map(wide);
    const chunk1 = [
      // A's old email, free once A's line of the first chunk has gone through.
      [`${n}10`, "Takes", "Freed", site.alias, a.email, ""],
      [`${n}6`, "Third", "Dup", site.name, `${n}6c@example.com`, ""],
      [`${n}11`, "Shared", "Three", site.name, `${n}-shared@example.com`, ""],
      [`${n}-f-0`, "Again", "Fill", site.name, `${n}-again@example.com`, ""],
      [`${n}12`, "Fill", "Email", site.name, `${n}-f-1@example.com`, ""],
    ].map(wide);
    const rows = [
      wideHeader,
      ...chunk0,
      ["too", "many", "fields", "on", "this", "line", "for", "the", "header"],
      ...filler(`${n}-f`, 1200, site.name),
      ...chunk1,
      ...filler(`${n}-g`, 1200, site.name),
      wide([b.employeeNumber, "", "", "", "", ""]),
    ];
    const csv = csvOf(rows);

    const before = await userState();
    const upload = await uploadCsv(token, csv, "filename=users.csv&dry_run=true&start=true");
    expect(upload.status).toBe(201);
    const { id, dry_run } = (await upload.json()) as { id: string; dry_run: boolean };
    expect(dry_run).toBe(true);
    const dry = await waitForImport(token, id, 60_000);
    expect(dry.status).toBe("completed");
    const [row] = await db.select().from(imports).where(eq(imports.id, id));
    expect(row?.chunkCount).toBeGreaterThanOrEqual(3);
    const firstOfChunk1 = 2 + chunk0.length + 1 + 1200;
    expect(await chunkOfLine(id, firstOfChunk1)).toBeGreaterThan(await chunkOfLine(id, 2));

    // Nothing was changed: no user, no history; the projection is gone, the report's changes stay.
    expect(await userState()).toEqual(before);
    expect(await db.$count(projectedUsers, eq(projectedUsers.importSeq, row?.seq ?? -1))).toBe(0);
    expect(await db.$count(projectedChanges, eq(projectedChanges.importSeq, row?.seq ?? -1))).toBeGreaterThan(0);
    const dryLines = await allLines(token, id);

    const real = await applyAndWait(token, id);
    expect(real.status).toBe("completed");
    expect(real.counts).toEqual(dry.counts);
    expect(real.processed_rows).toBe(dry.processed_rows);
    const realLines = await allLines(token, real.id);
    expect(realLines).toEqual(dryLines);
    // What the dry run keeps of its own, beside the rows any import keeps: a change row per
    // updating line, where the import keeps a history row per line that creates or updates.
    const [realRow] = await db.select().from(imports).where(eq(imports.id, real.id));
    const history = await db.$count(userChanges, eq(userChanges.importSeq, realRow?.seq ?? -1));
    expect(history).toBe(real.counts.created + real.counts.updated);
    expect(await db.$count(projectedChanges, eq(projectedChanges.importSeq, row?.seq ?? -1))).toBe(dry.counts.updated);

    // The lines that read what earlier chunks wrote came out as an import gives them.
    const at = (line: number) => dryLines.find((l) => l.line === line);
    expect(at(firstOfChunk1)?.outcome).toBe("created");
    expect(at(firstOfChunk1 + 1)?.messages.map((m) => m.code)).toEqual(["duplicate_employee_number"]);
    expect(at(2)?.changes).toEqual([{ field: "email", from: a.email, to: `${n}-a-new@example.com` }]);
    const codes = new Set(dryLines.flatMap((l) => l.messages.map((m) => m.code)));
    for (const code of [
      "malformed_row",
      "missing_employee_number",
      "invalid_employee_number",
      "duplicate_employee_number",
      "invalid_email",
      "duplicate_email",
      "unknown_location",
      "location_locked",
      "role_locked",
      "unknown_role",
      "own_account",
      "missing_email",
      "missing_first_name",
      "missing_last_name",
      "missing_location",
      "grants_admin_access",
      "user_deactivated",
    ])
      expect(codes, code).toContain(code);
    expect(new Set(dryLines.map((l) => l.outcome))).toEqual(new Set(["created", "updated", "unchanged", "failed"]));
  });

  it("forgets what a cancelled dry run projected, and writes no user meanwhile", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const site = await createTestLocation();
    const a = await createUser("Standard");
    const n = unique("C");
    const csv = csvOf([
      wideHeader,
      wide([a.employeeNumber, "", "", site.name, `${n}-moved@example.com`, ""]),
      ...filler(`${n}-f`, 1200, site.name),
    ]);
    const upload = await uploadCsv(token, csv, "filename=users.csv&dry_run=true");
    const { id } = (await upload.json()) as { id: string };
    await markImportQueued(db, id, me.id, new Date());
    const [imp] = await db.select().from(imports).where(eq(imports.id, id));
    if (!imp) throw new Error("no import");
    const [first] = await listChunkPlans(db, id, 0);
    const records = first ? await readImportChunk(env.FILES, imp, first) : null;
    const importer = await findImporter(db, me.id);
    if (!first || !records || !importer) throw new Error("no chunk to apply");
    await applyChunk(db, imp, first, records, await loadRoleBook(db), importer, new Date());
    // The email A gives up is projected for the chunks after; A is as stored.
    expect(await db.$count(projectedUsers, eq(projectedUsers.importSeq, imp.seq))).toBe(1);
    expect((await db.select().from(users).where(eq(users.id, a.id)))[0]?.email).toBe(a.email);

    expect((await call(token, `/api/imports/${id}/cancel`, { method: "POST" })).status).toBe(202);
    expect(await advanceImport(env, db, id, 60_000)).toBe("done");
    const done = (await (await call(token, `/api/imports/${id}`)).json()) as DryRunState;
    expect(done).toMatchObject({ status: "cancelled", dry_run: true });
    expect(await db.$count(projectedUsers, eq(projectedUsers.importSeq, imp.seq))).toBe(0);
    const refused = await call(token, `/api/imports/${id}/apply`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("dry_run_not_completed");
  });

  it("counts the admins earlier chunks would demote, and refuses a role the importer cannot give, as the import does", async () => {
    // Only these admins can import users; the importer then becomes a Manager (see last-admin.test.ts).
    const admin = await roleId("Admin");
    await db
      .update(users)
      .set({ roleId: await roleId("Standard") })
      .where(eq(users.roleId, admin));
    const { user: me, token } = await createUserWithToken("Admin");
    const x = await createUser("Admin");
    const y = await createUser("Admin");
    const site = await createTestLocation();
    const n = unique("L");
    const csv = csvOf([
      wideHeader,
      wide([x.employeeNumber, "", "", site.name, "", "Standard"]),
      wide([`${n}-boss`, "New", "Boss", site.name, `${n}-boss@example.com`, "Admin"]),
      ...filler(`${n}-f`, 1200, site.name),
      // The last admin, once the first chunk's line has demoted the other.
      wide([y.employeeNumber, "", "", site.name, "", "Standard"]),
    ]);
    const upload = await uploadCsv(token, csv, "filename=users.csv&dry_run=true");
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    await markImportQueued(db, id, me.id, new Date());
    await db
      .update(users)
      .set({ roleId: await roleId("Manager") })
      .where(eq(users.id, me.id));
    expect(await advanceImport(env, db, id, 60_000)).toBe("done");
    // Read as the importer, a Manager now: another admin would count as one who can import users.
    const reader = token;
    const dry = (await (await call(reader, `/api/imports/${id}`)).json()) as ImportBody;
    expect(dry.status).toBe("completed");
    const dryLines = await allLines(reader, id);
    const last = dryLines.at(-1);
    expect(last?.messages.map((m) => m.code)).toEqual(["last_admin"]);
    expect(dryLines[1]?.messages.map((m) => m.code)).toEqual(["role_not_allowed"]);
    const [stored] = await db.select().from(users).where(eq(users.id, x.id));
    expect(stored?.roleId).toBe(admin);

    // Applied for the importer, still a Manager: the same rules, for real.
    const applied = await applyDryRun(env, db, id, me.id);
    expect(applied.dryRun).toBe(false);
    const real = await waitForImport(reader, applied.id, 60_000);
    expect(real.counts).toEqual(dry.counts);
    expect(await allLines(reader, real.id)).toEqual(dryLines);
    const [demoted] = await db.select().from(users).where(eq(users.id, x.id));
    expect(demoted?.roleId).toBe(await roleId("Standard"));
  });
});
