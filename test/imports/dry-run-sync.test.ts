import { env } from "cloudflare:workers";
import { count, eq, isNull, max } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { findImportRow, markImportProcessing, markImportQueued } from "../../src/db/imports";
import { listChunkPlans } from "../../src/db/import-chunks";
import { toKey } from "../../src/db/keys";
import { imports, projectedUsers, roles, sessions, syncDeactivations, userChanges, users } from "../../src/db/schema";
import { applySyncPage } from "../../src/db/sync-deactivations";
import { findImporter } from "../../src/db/viewers";
import { applyChunk } from "../../src/imports/apply-chunk";
import { applyDryRun } from "../../src/imports/apply-dry-run";
import { advanceImport, loadRoleBook } from "../../src/imports/consume-import";
import { readImportChunk } from "../../src/imports/import-file";
import { purgeOldImports } from "../../src/imports/sweep";
import {
  call,
  createTestLocation,
  createUser,
  createUserWithToken,
  csvOf,
  db,
  deactivatedBy,
  header,
  importCsv,
  refusedNumber,
  storedUser,
  unique,
  uploadCsv,
  waitForImport,
  type ImportBody,
  type LineBody,
} from "../helpers";
import { uploadOnly } from "./consumer";

type SyncBody = ImportBody & { sync: boolean; deactivated: number; dry_run: boolean; applied_import_id: string | null };

let admin: { user: { id: number }; token: string };
let site: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  site = await createTestLocation();
});

const row = (n: string, email = `${n}@example.com`) => [n, "First", n, site.name, email, "Standard"];
const numbers = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

/** A column the import ignores, wide enough that a chunk (1 MB of the file) holds about a thousand lines. */
const notes = "n".repeat(1000);
const wide = (r: string[]) => [...r, notes];
const wideHeader = [...header, "notes"];

/** Uploads a file as a dry run of a sync, started at once, and waits for it. */
async function dryRunSync(token: string, csv: string): Promise<SyncBody> {
  const res = await uploadCsv(token, csv, "filename=users.csv&dry_run=true&sync=true&start=true");
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  return (await waitForImport(token, id, 60_000)) as SyncBody;
}

/** Imports a dry run's file for real, confirming the number the guardrail names when it asks. */
async function applyConfirmed(token: string, id: string): Promise<SyncBody> {
  let res = await call(token, `/api/imports/${id}/apply`, { method: "POST" });
  if (res.status === 409) {
    const n = await refusedNumber(res);
    res = await call(token, `/api/imports/${id}/apply?confirm_deactivations=${n}`, { method: "POST" });
  }
  expect(res.status).toBe(201);
  const made = (await res.json()) as SyncBody;
  expect(made).toMatchObject({ dry_run: false, sync: true, status: "queued" });
  return (await waitForImport(token, made.id, 60_000)) as SyncBody;
}

async function linesOf(token: string, id: string): Promise<LineBody[]> {
  const res = await call(token, `/api/imports/${id}/lines?limit=1000`);
  return ((await res.json()) as { lines: LineBody[] }).lines;
}

/** Everything a sync could change: users, their statuses, history and sessions. */
async function userState() {
  const [u] = await db.select({ n: count(), changed: max(users.updatedAt) }).from(users);
  const [active] = await db.select({ n: count() }).from(users).where(eq(users.status, "active"));
  const [h] = await db.select({ n: count() }).from(userChanges);
  const [s] = await db.select({ n: count() }).from(sessions).where(isNull(sessions.revokedAt));
  return { users: u?.n, lastChange: u?.changed, active: active?.n, history: h?.n, openSessions: s?.n };
}

const statusOf = async (n: string) => (await storedUser(n))?.status;

async function roleId(name: string): Promise<number> {
  const [role] = await db
    .select()
    .from(roles)
    .where(eq(roles.nameKey, toKey(name)));
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

describe("a dry run of a sync", () => {
  it("lists exactly whom the sync then deactivates, changing no one, and the sync does the same", async () => {
    const [kept, typo, same, leaverA, leaverB] = numbers(unique("d"), 5) as [string, string, string, string, string];
    await importCsv(admin.token, csvOf([header, ...[kept, typo, same, leaverA, leaverB].map((n) => row(n))]));
    const byHand = await createUser("Standard");
    const leaver = await storedUser(leaverA);
    if (!leaver) throw new Error("no leaver");
    await db.insert(sessions).values({
      idHash: unique("session"),
      userId: leaver.id,
      csrfToken: "t",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const csv = csvOf([
      header,
      [kept, "Renamed", kept, site.name, `${kept}@example.com`, "Standard"],
      // Fails for its email, and still names its user.
      row(typo, "not an email"),
      row(same),
    ]);

    const before = await userState();
    const dry = await dryRunSync(admin.token, csv);
    expect(dry).toMatchObject({ status: "completed", dry_run: true, sync: true });
    expect((await linesOf(admin.token, dry.id)).map((l) => l.outcome)).toEqual(["updated", "failed", "unchanged"]);
    const wouldGo = await deactivatedBy(admin.token, dry.id, 7);
    expect(wouldGo).toEqual(expect.arrayContaining([leaverA, leaverB]));
    for (const n of [kept, typo, same, byHand.employeeNumber]) expect(wouldGo).not.toContain(n);
    expect(dry.deactivated).toBe(wouldGo.length);
    // Nothing changed: no user, status, history entry or session.
    expect(await userState()).toEqual(before);
    expect(await statusOf(leaverA)).toBe("active");

    // The report's CSV has a row for each, as a sync's has.
    const csvReport = await (await call(admin.token, `/api/imports/${dry.id}/report.csv`)).text();
    expect(csvReport).toContain(leaverB);
    expect(csvReport.match(/,deactivated,/g)?.length).toBe(wouldGo.length);
    expect(csvReport).toContain("Not in the file, so a sync of it would deactivate them.");
    expect(csvReport).not.toContain("this sync deactivated them");

    const real = await applyConfirmed(admin.token, dry.id);
    expect(real.status).toBe("completed");
    expect(real.deactivated).toBe(dry.deactivated);
    expect((await deactivatedBy(admin.token, real.id, 7)).sort()).toEqual([...wouldGo].sort());
    expect(await statusOf(leaverA)).toBe("deactivated");
    for (const n of [kept, typo, same, byHand.employeeNumber]) expect(await statusOf(n)).toBe("active");
    const [session] = await db.select().from(sessions).where(eq(sessions.userId, leaver.id));
    expect(session?.revokedAt).not.toBeNull();
    const after = (await (await call(admin.token, `/api/imports/${dry.id}`)).json()) as SyncBody;
    expect(after.applied_import_id).toBe(real.id);
  });

  it("is started as one from a ready dry run too, with no confirmation, however many it would deactivate", async () => {
    await importCsv(admin.token, csvOf([header, ...numbers(unique("m"), 12).map((n) => row(n))]));
    const res = await uploadCsv(admin.token, csvOf([header, row(unique("alone"))]), "filename=u.csv&dry_run=true");
    const { id } = (await res.json()) as { id: string };
    const forecast = (await (await call(admin.token, `/api/imports/${id}/sync-forecast`)).json()) as {
      deactivations: number;
      needs_confirmation: boolean;
    };
    expect(forecast.needs_confirmation).toBe(true);
    const before = await userState();
    const started = await call(admin.token, `/api/imports/${id}/start?sync=true`, { method: "POST" });
    expect(started.status).toBe(202);
    const dry = (await waitForImport(admin.token, id)) as SyncBody;
    expect(dry).toMatchObject({ status: "completed", dry_run: true, sync: true, deactivated: forecast.deactivations });
    expect(await userState()).toEqual(before);
  });

  it("imports its file as a sync only with the number a sync would deactivate now confirmed", async () => {
    await importCsv(admin.token, csvOf([header, ...numbers(unique("g"), 12).map((n) => row(n))]));
    const dry = await dryRunSync(admin.token, csvOf([header, row(unique("one"))]));
    expect(dry.deactivated).toBeGreaterThanOrEqual(12);
    const apply = (query = "") => call(admin.token, `/api/imports/${dry.id}/apply${query}`, { method: "POST" });
    expect(await refusedNumber(await apply())).toBe(dry.deactivated);

    // One more imported user since the dry run: the sync would now deactivate them too.
    await importCsv(admin.token, csvOf([header, row(unique("later"))]));
    const now = await refusedNumber(await apply(`?confirm_deactivations=${dry.deactivated}`));
    expect(now).toBe(dry.deactivated + 1);
    const still = (await (await call(admin.token, `/api/imports/${dry.id}`)).json()) as SyncBody;
    expect(still.applied_import_id).toBeNull();

    const res = await apply(`?confirm_deactivations=${now}`);
    expect(res.status).toBe(201);
    const real = (await waitForImport(admin.token, ((await res.json()) as { id: string }).id)) as SyncBody;
    expect(real).toMatchObject({ status: "completed", sync: true, dry_run: false, deactivated: now });
  });

  it("records each page of its final step once, and forgets them all when cancelled during it", async () => {
    const prefix = unique("c");
    const all = numbers(prefix, 4);
    await importCsv(admin.token, csvOf([header, ...all.map((n) => row(n))]));
    const uploaded = await uploadOnly(admin.user.id, csvOf([header, row(all[0] ?? "")]));
    await markImportQueued(db, uploaded.id, admin.user.id, new Date(), { dryRun: true, sync: true });
    await markImportProcessing(db, uploaded.id, new Date());
    const imp = await findImportRow(db, uploaded.id);
    const importer = await findImporter(db, admin.user.id);
    if (!imp || !importer) throw new Error("no import");
    for (const chunk of await listChunkPlans(db, imp.id, 0)) {
      const records = await readImportChunk(env.FILES, imp, chunk);
      if (!records) throw new Error("no records");
      await applyChunk(db, imp, chunk, records, await loadRoleBook(db), importer, new Date());
    }
    const [first, second] = await Promise.all([storedUser(all[1] ?? ""), storedUser(all[2] ?? "")]);
    if (!first || !second) throw new Error("no users");
    // The final step's first page, as a delivery applies it: recorded, and no one deactivated.
    const firstPage = {
      importId: imp.id,
      importSeq: imp.seq,
      afterId: 0,
      nextAfterId: second.id,
      userIds: [first.id, second.id],
      last: false,
      at: Date.now(),
      dryRun: true,
    };
    const page = await applySyncPage(db, firstPage);
    expect(page?.status).toBe("processing");
    // Again, as a retried message would: refused, so it is recorded and counted once.
    expect(await applySyncPage(db, { ...firstPage, at: Date.now() + 1 })).toBeNull();
    expect(await db.$count(syncDeactivations, eq(syncDeactivations.importSeq, imp.seq))).toBe(2);
    expect((await findImportRow(db, imp.id))?.deactivated).toBe(2);
    expect(await statusOf(all[1] ?? "")).toBe("active");

    expect((await call(admin.token, `/api/imports/${imp.id}/cancel`, { method: "POST" })).status).toBe(202);
    expect(await advanceImport(env, db, imp.id, 60_000)).toBe("done");
    const done = (await (await call(admin.token, `/api/imports/${imp.id}`)).json()) as SyncBody;
    expect(done).toMatchObject({ status: "cancelled", dry_run: true, sync: true, deactivated: 0 });
    expect(await deactivatedBy(admin.token, imp.id, 7)).toEqual([]);
    for (const n of all) expect(await statusOf(n)).toBe("active");
  });

  it("forgets whom it would deactivate once the retention period deletes its lines", async () => {
    await importCsv(admin.token, csvOf([header, row(unique("r"))]));
    const dry = await dryRunSync(admin.token, csvOf([header, row(unique("keep"))]));
    const [stored] = await db.select().from(imports).where(eq(imports.id, dry.id));
    if (!stored) throw new Error("no import");
    expect(await db.$count(syncDeactivations, eq(syncDeactivations.importSeq, stored.seq))).toBeGreaterThan(0);
    const later = new Date(stored.createdAt.getTime() + 91 * 86_400_000);
    for (let i = 0; i < 20 && (await findImportRow(db, dry.id))?.purgedAt === null; i++)
      await purgeOldImports(env, db, later, 90);
    expect((await findImportRow(db, dry.id))?.purgedAt).not.toBeNull();
    expect(await db.$count(syncDeactivations, eq(syncDeactivations.importSeq, stored.seq))).toBe(0);
  });

  // Last: it leaves one admin who can import users, as last-admin.test.ts does.
  it("projects a reactivation: the line says user_reactivated, and later chunks count that user as active", async () => {
    const adminRole = await roleId("Admin");
    await db
      .update(users)
      .set({ roleId: await roleId("Standard") })
      .where(eq(users.roleId, adminRole));
    const { user: me, token } = await createUserWithToken("Admin");
    const back = await createUser("Admin");
    const other = await createUser("Admin");
    // Deactivated by an earlier sync: a sync's line naming them reactivates them.
    await db.update(users).set({ status: "deactivated", deactivatedBySync: 1 }).where(eq(users.id, back.id));
    const n = unique("p");
    const csv = csvOf([
      wideHeader,
      wide([back.employeeNumber, "", "", site.name, "", ""]),
      ...Array.from({ length: 1200 }, (_, i) =>
        wide([`${n}-${i}`, "Fill", `${i}`, site.name, `${n}-${i}@example.com`, ""]),
      ),
      // Demotes the only other active admin: allowed once the first chunk has brought `back` back.
      wide([other.employeeNumber, "", "", site.name, "", "Standard"]),
    ]);
    const res = await uploadCsv(token, csv, "filename=users.csv&dry_run=true");
    const { id } = (await res.json()) as { id: string };
    await markImportQueued(db, id, me.id, new Date(), { sync: true });
    // The importer, a Manager by now, is not one who can import users.
    await db
      .update(users)
      .set({ roleId: await roleId("Manager") })
      .where(eq(users.id, me.id));
    expect(await advanceImport(env, db, id, 60_000)).toBe("done");
    const dry = (await (await call(token, `/api/imports/${id}`)).json()) as SyncBody;
    expect(dry).toMatchObject({ status: "completed", dry_run: true, sync: true });
    const [stored] = await db.select().from(imports).where(eq(imports.id, id));
    expect(stored?.chunkCount).toBeGreaterThanOrEqual(2);
    expect(await db.$count(projectedUsers, eq(projectedUsers.importSeq, stored?.seq ?? -1))).toBe(0);
    const dryLines = (await (await call(token, `/api/imports/${id}/lines?level=warning&limit=10`)).json()) as {
      lines: LineBody[];
    };
    const lastLine = 2 + 1 + 1200;
    expect(dryLines.lines[0]).toMatchObject({ line: 2, outcome: "updated" });
    expect(dryLines.lines[0]?.messages.map((m) => m.code)).toEqual(["user_reactivated"]);
    const all = await (await call(token, `/api/imports/${id}/lines?outcome=updated&limit=10`)).json();
    const updated = (all as { lines: LineBody[] }).lines;
    expect(updated.map((l) => l.line)).toEqual([2, lastLine]);
    expect(await statusOf(back.employeeNumber)).toBe("deactivated");

    // The sync itself, for the importer still a Manager: the same outcomes, for real.
    const applied = await applyDryRun(env, db, id, me.id, { confirmDeactivations: dry.deactivated });
    const real = (await waitForImport(token, applied.id, 60_000)) as SyncBody;
    expect(real.counts).toEqual(dry.counts);
    expect(real.deactivated).toBe(dry.deactivated);
    const realUpdated = (
      (await (await call(token, `/api/imports/${real.id}/lines?outcome=updated&limit=10`)).json()) as {
        lines: LineBody[];
      }
    ).lines;
    expect(realUpdated).toEqual(updated);
    expect(await statusOf(back.employeeNumber)).toBe("active");
    expect((await storedUser(other.employeeNumber))?.roleId).toBe(await roleId("Standard"));
  });
});
