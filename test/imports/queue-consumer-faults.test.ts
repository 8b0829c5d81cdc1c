import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkOutcomes, imports, users } from "../../src/db/schema";
import { chunkRows } from "../../src/imports/limits";
import { purgeOldImports } from "../../src/imports/sweep";
import { findImportRow } from "../../src/db/imports";
import { walkImportLines } from "../../src/imports/read-lines";
import worker from "../../src/index";
import { deliver, uploadOnly as uploadOnlyBy } from "./consumer";
import {
  call,
  createTestLocation,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  unique,
  waitForImport,
} from "../helpers";

let admin: { user: { id: number }; token: string };
let site: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  site = await createTestLocation();
});

/** A file of `rows` new users, every tenth with an unknown role; more than one chunk when rows > chunkRows. */
function manyUsers(prefix: string, rows: number): string {
  const lines = [header];
  for (let i = 0; i < rows; i++)
    lines.push([
      `${prefix}-${i}`,
      "Many",
      `User${i}`,
      site.name,
      `${prefix}-${i}@example.com`,
      i % 10 === 0 ? "Wizard" : "",
    ]);
  return csvOf(lines);
}

const uploadOnly = (csv: string) => uploadOnlyBy(admin.user.id, csv, "faults.csv");

/** Every line the import's report holds, as the reports read them. */
async function lineCount(importId: string) {
  const imp = await findImportRow(db, importId);
  if (!imp) return 0;
  let n = 0;
  for await (const batch of walkImportLines(env.FILES, db, imp, {}, 1_000)) n += batch.length;
  return n;
}

async function summary(importId: string) {
  const [row] = await db.select().from(imports).where(eq(imports.id, importId));
  if (!row) throw new Error("no import");
  return row;
}

describe("the queue consumer", () => {
  it("changes nothing when a finished import's message is delivered again", async () => {
    const { imp } = await importCsv(admin.token, manyUsers(unique("again"), 2_500));
    const before = await summary(imp.id);
    const result = await deliver("roster-imports", imp.id);
    expect(result.explicitAcks).toHaveLength(1);
    const after = await summary(imp.id);
    expect(after).toEqual(before);
    expect(await lineCount(imp.id)).toBe(2_500);
  });

  it("refuses to apply the same chunk twice", async () => {
    const { imp } = await importCsv(admin.token, manyUsers(unique("twice"), 10));
    await db.update(imports).set({ status: "processing", nextChunk: 0 }).where(eq(imports.id, imp.id));
    const result = await deliver("roster-imports", imp.id);
    expect(result.retryMessages).toHaveLength(1);
    await db.update(imports).set({ status: "completed", nextChunk: 1 }).where(eq(imports.id, imp.id));
    const after = await summary(imp.id);
    expect({ created: after.created, processed: after.processedRows }).toEqual({ created: 10, processed: 10 });
    expect(await lineCount(imp.id)).toBe(10);
  });

  it("resumes after a chunk's batch failed, with the report a clean run gives", async () => {
    const prefix = unique("crash");
    const rows = 2 * chunkRows + 500;
    const imp = await uploadOnly(manyUsers(prefix, rows));
    expect(imp.chunkCount).toBe(3);
    // Line 2 is the first user, so the second chunk starts at line chunkRows + 2.
    const strayLine = chunkRows + 500;
    await db.update(imports).set({ status: "queued" }).where(eq(imports.id, imp.id));
    // Stray outcomes for the second chunk make that chunk's batch fail on its primary key.
    await db.insert(chunkOutcomes).values({ importSeq: imp.seq, index: 1, outcomes: `f${strayLine}` });
    const failedRun = await deliver("roster-imports", imp.id);
    expect(failedRun.retryMessages).toHaveLength(1);
    const stuck = await summary(imp.id);
    expect({ next: stuck.nextChunk, processed: stuck.processedRows, status: stuck.status }).toEqual({
      next: 1,
      processed: chunkRows,
      status: "processing",
    });
    expect(stuck.error).toContain("UNIQUE");

    await db.delete(chunkOutcomes).where(and(eq(chunkOutcomes.importSeq, imp.seq), eq(chunkOutcomes.index, 1)));
    const retried = await deliver("roster-imports", imp.id, 2);
    expect(retried.explicitAcks).toHaveLength(1);
    const done = await summary(imp.id);
    expect(done).toMatchObject({
      status: "completed",
      processedRows: rows,
      created: rows,
      failed: 0,
      warnings: rows / 10,
      error: null,
    });
    expect(await lineCount(imp.id)).toBe(rows);
  });

  it("picks up an import that stopped making progress, from the scheduled sweep", async () => {
    const prefix = unique("stall");
    const imp = await uploadOnly(manyUsers(prefix, 2_500));
    // As if the queue lost the message of an import that had started: no message is in flight.
    await db
      .update(imports)
      .set({ status: "processing", progressAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(imports.id, imp.id));
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }),
      env,
      createExecutionContext(),
    );
    const done = await waitForImport(admin.token, imp.id);
    expect(done).toMatchObject({ status: "completed", processed_rows: 2_500 });
    expect(done.counts.created).toBe(2_500);
  });

  it("marks an import failed, with the reason, when its message ends in the dead-letter queue", async () => {
    const imp = await uploadOnly(manyUsers(unique("dead"), 3));
    await db
      .update(imports)
      .set({ status: "processing", error: "Processing hit a problem and will retry: D1 is down" })
      .where(eq(imports.id, imp.id));
    await deliver("roster-imports-dlq", imp.id);
    const failed = await summary(imp.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe(
      "Processing failed repeatedly and was stopped after 0 of 3 lines. Last problem: D1 is down. " +
        "Upload the same file again to import the rest: lines already imported will show as unchanged.",
    );
  });

  it("fails an import whose file has vanished from storage, saying so", async () => {
    const imp = await uploadOnly(manyUsers(unique("gone"), 3));
    await env.FILES.delete(imp.fileKey);
    await call(admin.token, `/api/imports/${imp.id}/start`, { method: "POST" });
    const done = await waitForImport(admin.token, imp.id);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("no longer in storage");
  });

  it("finishes two imports started at the same time without lost updates or duplicate emails", async () => {
    const n = unique("both");
    const shared = Array.from({ length: 300 }, (_, i) => `${n}-${i}`);
    const fileA = csvOf([header, ...shared.map((e) => [e, "From", "A", site.name, `${e}@a.example.com`, ""])]);
    // B names the same people with other emails, and takes one of A's emails for a new person.
    const fileB = csvOf([
      header,
      ...shared.map((e) => [e, "From", "B", site.name, `${e}@b.example.com`, ""]),
      [`${n}-new`, "New", "Person", site.name, `${shared[0]}@a.example.com`, ""],
    ]);
    const [a, b] = await Promise.all(
      [fileA, fileB].map((f) =>
        call(admin.token, "/api/imports?start=true", {
          method: "POST",
          headers: { "Content-Type": "text/csv" },
          body: f,
        }),
      ),
    );
    const ids = await Promise.all([a, b].map(async (r) => ((await r?.json()) as { id: string }).id));
    const [doneA, doneB] = await Promise.all(ids.map((id) => waitForImport(admin.token, id)));
    expect(doneA?.status).toBe("completed");
    expect(doneB?.status).toBe("completed");
    const stored = await db
      .select()
      .from(users)
      .where(like(users.employeeNumber, `${n}-%`));
    expect(new Set(stored.map((u) => u.emailKey)).size).toBe(stored.length);
    // Every person exists once; each import's counts cover all its lines.
    expect(stored.filter((u) => shared.includes(u.employeeNumber))).toHaveLength(300);
    expect((doneA?.counts.created ?? 0) + (doneB?.counts.created ?? 0)).toBeGreaterThanOrEqual(300);
    for (const done of [doneA, doneB]) {
      const c = done?.counts;
      expect((c?.created ?? 0) + (c?.updated ?? 0) + (c?.unchanged ?? 0) + (c?.failed ?? 0)).toBe(done?.total_rows);
    }
    // Uploaded at once, they still took different numbers, so their line outcomes stay apart.
    const numbers = await Promise.all(ids.map(async (id) => (await summary(id)).seq));
    expect(new Set(numbers).size).toBe(2);
    expect(await lineCount(ids[0] ?? "")).toBe(doneA?.total_rows);
    expect(await lineCount(ids[1] ?? "")).toBe(doneB?.total_rows);
    // Whichever ran last, each stored user matches that import's file.
    for (const u of stored.filter((s) => shared.includes(s.employeeNumber))) {
      expect(u.email.endsWith(u.lastName === "A" ? "@a.example.com" : "@b.example.com")).toBe(true);
    }
  });
});

describe("retention", () => {
  it("deletes old source files and line outcomes but keeps each import's summary", async () => {
    const { imp } = await importCsv(admin.token, manyUsers(unique("old"), 5));
    const row = await summary(imp.id);
    const later = new Date(row.createdAt.getTime() + 91 * 86_400_000);
    let purged = 0;
    for (let i = 0; i < 20 && !(await summary(imp.id)).purgedAt; i++)
      purged += await purgeOldImports(env, db, later, 90);
    expect(purged).toBeGreaterThan(0);
    expect(await lineCount(imp.id)).toBe(0);
    expect(await env.FILES.head(row.fileKey)).toBeNull();
    const kept = await summary(imp.id);
    expect(kept).toMatchObject({ status: "completed", created: 5, totalRows: 5 });
    expect(kept.purgedAt).not.toBeNull();
  });

  it("keeps imports younger than the retention period", async () => {
    const { imp } = await importCsv(admin.token, manyUsers(unique("young"), 2));
    await purgeOldImports(env, db, new Date(), 90);
    expect(await lineCount(imp.id)).toBe(2);
  });
});
