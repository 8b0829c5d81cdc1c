import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { findImportRow, markImportProcessing, markImportQueued } from "../../src/db/imports";
import { listChunkPlans } from "../../src/db/import-chunks";
import { sessions, syncDeactivations, userChanges, users } from "../../src/db/schema";
import { applySyncPage } from "../../src/db/sync-deactivations";
import { setUserStatus } from "../../src/db/users";
import { findImporter } from "../../src/db/viewers";
import { applyChunk } from "../../src/imports/apply-chunk";
import { loadRoleBook } from "../../src/imports/consume-import";
import { finishSync } from "../../src/imports/finish-sync";
import { readImportChunk } from "../../src/imports/import-file";
import { env } from "cloudflare:workers";
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
  syncCsv,
  unique,
  uploadCsv,
  waitForImport,
  type ImportBody,
  type LineBody,
} from "../helpers";
import { uploadOnly } from "./consumer";

let admin: { user: { id: number }; token: string };
let site: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  site = await createTestLocation();
});

const row = (n: string, email = `${n}@example.com`) => [n, "First", n, site.name, email, "Standard"];
const numbers = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

type SyncBody = ImportBody & { sync: boolean; deactivated: number };

/** A sync of `csv` by the admin, and its lines. */
async function syncAndRead(csv: string) {
  const synced = await syncCsv(admin.token, csv);
  const lines = (
    (await (await call(admin.token, `/api/imports/${synced.id}/lines?limit=1000`)).json()) as { lines: LineBody[] }
  ).lines;
  return { ...synced, lines };
}

const statusOf = async (n: string) => (await storedUser(n))?.status;

describe("a sync", () => {
  it("deactivates exactly the imported users the file does not name, keeping hand-made users and failed lines' users", async () => {
    const [kept, typo, same, leaverA, leaverB] = numbers(unique("s"), 5) as [string, string, string, string, string];
    await importCsv(admin.token, csvOf([header, ...[kept, typo, same, leaverA, leaverB].map((n) => row(n))]));
    const byHand = await createUser("Standard");
    // A leaver signed in: the sync ends their session, as the user page's deactivation does.
    const leaver = await storedUser(leaverA);
    if (!leaver) throw new Error("no leaver");
    await db.insert(sessions).values({
      idHash: unique("session"),
      userId: leaver.id,
      csrfToken: "t",
      expiresAt: new Date(Date.now() + 3_600_000),
    });

    const { id, imp, lines } = await syncAndRead(
      csvOf([
        header,
        [kept, "Renamed", kept, site.name, `${kept}@example.com`, "Standard"],
        // Fails for its email, and still names its user.
        row(typo, "not an email"),
        row(same),
      ]),
    );
    expect(imp.status).toBe("completed");
    expect(imp.sync).toBe(true);
    expect(lines.map((l) => l.outcome)).toEqual(["updated", "failed", "unchanged"]);

    const gone = await deactivatedBy(admin.token, id, 2);
    expect(gone).toEqual(expect.arrayContaining([leaverA, leaverB]));
    expect(gone).not.toEqual(expect.arrayContaining([kept]));
    for (const n of [kept, typo, same, byHand.employeeNumber]) expect(gone).not.toContain(n);
    expect(imp.deactivated).toBe(gone.length);
    expect(await statusOf(leaverA)).toBe("deactivated");
    expect(await statusOf(leaverB)).toBe("deactivated");
    for (const n of [kept, typo, same, byHand.employeeNumber]) expect(await statusOf(n)).toBe("active");
    const [stillAdmin] = await db.select().from(users).where(eq(users.id, admin.user.id));
    expect(stillAdmin?.status).toBe("active");

    const [session] = await db.select().from(sessions).where(eq(sessions.userId, leaver.id));
    expect(session?.revokedAt).not.toBeNull();
    const history = (await (await call(admin.token, `/api/users/${encodeURIComponent(leaverA)}/history`)).json()) as {
      history: { source: { import_id?: string; line?: number }; changes: unknown[] }[];
    };
    expect(history.history[0]).toEqual(
      expect.objectContaining({
        source: { import_id: id, line: 0 },
        changes: [{ field: "status", from: "active", to: "deactivated" }],
      }),
    );
  });

  it("reactivates, on the line that names them, a user an earlier sync deactivated, but not one deactivated by hand", async () => {
    const [back, stays] = numbers(unique("r"), 2) as [string, string];
    await importCsv(admin.token, csvOf([header, row(back), row(stays)]));
    await syncAndRead(csvOf([header, row(unique("other"))]));
    expect(await statusOf(back)).toBe("deactivated");
    const held = await storedUser(stays);
    if (!held) throw new Error("no user");
    // Reactivated and deactivated again by hand: an admin's decision.
    await setUserStatus(db, held.id, "active", [], new Date(), admin.user.id);
    await setUserStatus(db, held.id, "deactivated", [], new Date(), admin.user.id);

    // An import that is not a sync leaves them as they are.
    const plain = await importCsv(admin.token, csvOf([header, row(back)]));
    expect(plain.lines[0]?.messages.map((m) => m.code)).toEqual(["user_deactivated"]);
    expect(await statusOf(back)).toBe("deactivated");

    const { lines } = await syncAndRead(csvOf([header, row(back), row(stays)]));
    expect(lines[0]).toEqual(
      expect.objectContaining({
        outcome: "updated",
        messages: [expect.objectContaining({ level: "warning", code: "user_reactivated" })],
      }),
    );
    expect(lines[1]?.messages.map((m) => m.code)).toEqual(["user_deactivated"]);
    expect(await statusOf(back)).toBe("active");
    expect(await statusOf(stays)).toBe("deactivated");
  });
});

describe("the guardrail", () => {
  it("refuses a sync that would deactivate too many users unless that exact number is confirmed", async () => {
    await importCsv(admin.token, csvOf([header, ...numbers(unique("g"), 10).map((n) => row(n))]));
    const res = await uploadCsv(admin.token, csvOf([header, row(unique("only"))]), "filename=u.csv");
    const { id } = (await res.json()) as { id: string };
    const forecast = (await (await call(admin.token, `/api/imports/${id}/sync-forecast`)).json()) as {
      deactivations: number;
      needs_confirmation: boolean;
    };
    expect(forecast.needs_confirmation).toBe(true);
    expect(forecast.deactivations).toBeGreaterThanOrEqual(10);

    const start = (query: string) => call(admin.token, `/api/imports/${id}/start?${query}`, { method: "POST" });
    expect(await refusedNumber(await start("sync=true"))).toBe(forecast.deactivations);
    expect(await refusedNumber(await start(`sync=true&confirm_deactivations=${forecast.deactivations - 1}`))).toBe(
      forecast.deactivations,
    );
    expect(((await (await call(admin.token, `/api/imports/${id}`)).json()) as ImportBody).status).toBe("ready");

    expect((await start(`sync=true&confirm_deactivations=${forecast.deactivations}`)).status).toBe(202);
    const done = (await waitForImport(admin.token, id)) as SyncBody;
    expect(done.deactivated).toBe(forecast.deactivations);
  });

  it("refuses an upload started as a sync over the guardrail and keeps it ready to confirm", async () => {
    await importCsv(admin.token, csvOf([header, ...numbers(unique("u"), 10).map((n) => row(n))]));
    const res = await uploadCsv(
      admin.token,
      csvOf([header, row(unique("one"))]),
      "filename=u.csv&start=true&sync=true",
    );
    const number = await refusedNumber(res);
    expect(number).toBeGreaterThanOrEqual(10);
  });
});

describe("the final step", () => {
  it("carries on where it stopped and applies no page twice", async () => {
    const prefix = unique("f");
    const all = numbers(prefix, 6);
    await importCsv(admin.token, csvOf([header, ...all.map((n) => row(n))]));
    const starter = await createUser("Admin");
    const uploaded = await uploadOnly(starter.id, csvOf([header, row(all[0] ?? "")]));
    expect(await markImportQueued(db, uploaded.id, starter.id, new Date(), { sync: true })).toBeGreaterThan(0);
    await markImportProcessing(db, uploaded.id, new Date());
    const imp = await findImportRow(db, uploaded.id);
    if (!imp) throw new Error("no import");
    const importer = await findImporter(db, starter.id);
    if (!importer) throw new Error("no importer");
    for (const chunk of await listChunkPlans(db, imp.id, 0)) {
      const records = await readImportChunk(env.FILES, imp, chunk);
      if (!records) throw new Error("no records");
      await applyChunk(db, imp, chunk, records, await loadRoleBook(db), importer, new Date());
    }

    // Out of time before the first page: nothing is deactivated, and it is still running.
    expect((await finishSync(db, imp, Date.now() - 1)).state).toBe("continues");
    expect(await statusOf(all[1] ?? "")).toBe("active");

    // The first two users' page, as a delivery applies it; then the same page again, as a
    // retried message would, after an admin reactivated one of them.
    const [first, second] = await Promise.all([storedUser(all[1] ?? ""), storedUser(all[2] ?? "")]);
    if (!first || !second) throw new Error("no users");
    const page = {
      importId: imp.id,
      importSeq: imp.seq,
      afterId: 0,
      nextAfterId: second.id,
      userIds: [first.id, second.id],
      last: false,
      at: Date.now(),
    };
    expect(await applySyncPage(db, page)).not.toBeNull();
    await setUserStatus(db, first.id, "active", [], new Date(), starter.id);
    expect(await applySyncPage(db, { ...page, at: Date.now() + 1 })).toBeNull();
    expect(await statusOf(all[1] ?? "")).toBe("active");

    // The next delivery resumes after the page: the rest go, each once, and the import completes.
    const resumed = await findImportRow(db, imp.id);
    if (!resumed) throw new Error("no import");
    expect(resumed.syncAfterId).toBe(second.id);
    expect((await finishSync(db, resumed, Date.now() + 60_000, 2)).state).toBe("done");
    const after = await findImportRow(db, imp.id);
    expect(after?.status).toBe("completed");
    for (const n of all.slice(2)) expect(await statusOf(n)).toBe("deactivated");
    expect(await statusOf(all[0] ?? "")).toBe("active");
    expect(await statusOf(all[1] ?? "")).toBe("active");
    const rows = await db.select().from(syncDeactivations).where(eq(syncDeactivations.importSeq, imp.seq));
    expect(rows.length).toBe(after?.deactivated);
    const mine = new Set(rows.map((r) => r.userId));
    const third = await storedUser(all[3] ?? "");
    const changes = await db
      .select()
      .from(userChanges)
      .where(eq(userChanges.userId, third?.id ?? 0));
    expect(changes.filter((c) => c.importSeq === imp.seq)).toHaveLength(1);
    expect(mine.has(first.id)).toBe(true);
  });
});
