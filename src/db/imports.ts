import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { bulkShape } from "./bulk-rows";
import type { Db } from "./client";
import {
  flaggedLines,
  importChunks,
  finishedStatuses,
  runningStatuses,
  importLines,
  imports,
  users,
  type FlaggedLine,
  type Import,
  type ImportStatus,
  type LineOutcome,
} from "./schema";
import { statement } from "./statements";

export type ImportView = Import & { uploadedByName: string };

/** One import as stored, or null. */
export async function findImportRow(db: Db, id: string): Promise<Import | null> {
  const [row] = await db.select().from(imports).where(eq(imports.id, id)).limit(1);
  return row ?? null;
}

/** A planned chunk as the upload records it. */
export type PlannedChunk = {
  byteStart: number;
  byteEnd: number;
  firstLine: number;
  rowCount: number;
  employeeRepeats: number[];
  emailRepeats: number[];
};

/** A chunk plan as an upload writes it: its position comes first. */
const chunkPlanRow = bulkShape({
  index: importChunks.index,
  byteStart: importChunks.byteStart,
  byteEnd: importChunks.byteEnd,
  firstLine: importChunks.firstLine,
  rowCount: importChunks.rowCount,
  employeeRepeats: importChunks.employeeRepeats,
  emailRepeats: importChunks.emailRepeats,
});

/** The statements that insert an import's chunk plans, in order, where `when` holds. */
function insertChunkPlans(
  db: Db,
  importId: string,
  chunks: PlannedChunk[],
  when: SQL = sql`true`,
): D1PreparedStatement[] {
  return chunkPlanRow.encode(chunks.map((c, index) => ({ index, ...c }))).map((rows) =>
    statement(
      db,
      sql`INSERT INTO import_chunks (import_id, ${chunkPlanRow.names})
        SELECT ${importId}, ${chunkPlanRow.values} FROM json_each(${rows}) j WHERE ${when}`,
    ),
  );
}

/**
 * Records an uploaded file as a ready import with its chunk plans, in one batch; returns the
 * import. Its number is taken in the same statement, so two uploads at once cannot take the same
 * one; only a ready import can be deleted, and it has no lines yet, so a number taken again finds
 * none.
 */
export async function recordUpload(
  db: Db,
  values: Omit<typeof imports.$inferInsert, "seq" | "chunkCount">,
  chunks: PlannedChunk[],
): Promise<{ imp: Import; rowsWritten: number }> {
  const insert = db.insert(imports).values({
    ...values,
    seq: sql`(SELECT coalesce(max(${imports.seq}), 0) + 1 FROM ${imports})`,
    chunkCount: chunks.length,
  });
  const results = await db.$client.batch([
    statement(db, insert.getSQL()),
    ...insertChunkPlans(db, values.id ?? "", chunks),
  ]);
  const imp = values.id === undefined ? null : await findImportRow(db, values.id);
  if (!results[0]?.success || !imp) throw new Error("The import was not recorded.");
  return { imp, rowsWritten: results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0) };
}

/** Moves a queued import to processing, as its first chunk is about to be applied; returns the rows written. */
export async function markImportProcessing(db: Db, id: string, now: Date): Promise<number> {
  const result = await db
    .update(imports)
    .set({ status: "processing", progressAt: now, createdUsersFrom: sql`(SELECT coalesce(max(id), 0) FROM users)` })
    .where(and(eq(imports.id, id), eq(imports.status, "queued")))
    .run();
  return result.meta.rows_written;
}

/** Notes the last processing failure on a running import, so its page and the API can show it. */
export async function noteImportProblem(db: Db, id: string, note: string): Promise<void> {
  await db
    .update(imports)
    .set({ error: note })
    .where(and(eq(imports.id, id), inArray(imports.status, ["processing", "cancelling", "undoing"])));
}

/**
 * Marks every import that stopped making progress since `before` as moving again, and returns
 * their ids: the caller sends each a message.
 */
export async function claimStalledImports(
  db: Db,
  before: Date,
  now: Date,
): Promise<{ id: string; status: ImportStatus }[]> {
  return db
    .update(imports)
    .set({ progressAt: now })
    .where(
      and(
        inArray(imports.status, [...runningStatuses, "undoing"]),
        or(isNull(imports.progressAt), lt(imports.progressAt, before)),
      ),
    )
    .returning({ id: imports.id, status: imports.status });
}

/** Finished imports created before `cutoff` whose files and lines are still kept, a few at a time. */
export async function listPurgeableImports(db: Db, cutoff: Date, limit: number) {
  return db
    .select({ id: imports.id, seq: imports.seq, fileKey: imports.fileKey, workbook: imports.workbook })
    .from(imports)
    .where(
      and(
        lt(imports.createdAt, cutoff),
        isNull(imports.purgedAt),
        inArray(imports.status, [...finishedStatuses, "ready"]),
      ),
    )
    .limit(limit);
}

/**
 * Deletes up to `budget` of an import's kept lines, keys and chunk outcomes, and returns how
 * many went; once none are left, deletes its chunk plans and marks it purged. An import never
 * started cannot be started once its file is gone, so it ends as failed with `neverStarted`.
 */
export async function purgeImportLines(
  db: Db,
  imp: { id: string; seq: number },
  budget: number,
  now: Date,
  neverStarted: string,
): Promise<{ deleted: number; done: boolean }> {
  const seq = imp.seq;
  // Each a bounded delete by the table's own key; import_lines has a rowid, the others none.
  const deletes = [
    (n: number) =>
      sql`DELETE FROM import_lines WHERE rowid IN (SELECT rowid FROM import_lines WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM flagged_lines WHERE import_seq = ${seq} AND line IN (SELECT line FROM flagged_lines WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM import_keys WHERE import_seq = ${seq} AND (kind, key) IN (SELECT kind, key FROM import_keys WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM chunk_outcomes WHERE import_seq = ${seq} AND idx IN (SELECT idx FROM chunk_outcomes WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM projected_changes WHERE import_seq = ${seq} AND line IN (SELECT line FROM projected_changes WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM projected_users WHERE import_seq = ${seq} AND employee_key IN (SELECT employee_key FROM projected_users WHERE import_seq = ${seq} LIMIT ${n})`,
    (n: number) =>
      sql`DELETE FROM undo_notes WHERE import_seq = ${seq} AND line IN (SELECT line FROM undo_notes WHERE import_seq = ${seq} LIMIT ${n})`,
    // Whom a dry run of a sync would deactivate is its report's alone; a real sync's list stays,
    // as the statuses it set do.
    (n: number) =>
      sql`DELETE FROM sync_deactivations WHERE import_seq = ${seq}
      AND EXISTS (SELECT 1 FROM imports WHERE seq = ${seq} AND dry_run = 1)
      AND user_id IN (SELECT user_id FROM sync_deactivations WHERE import_seq = ${seq} LIMIT ${n})`,
  ];
  let deleted = 0;
  for (const remove of deletes) {
    const left = budget - deleted;
    if (left <= 0) return { deleted, done: false };
    const result = await db.run(remove(left));
    deleted += result.meta.changes ?? 0;
  }
  if (deleted >= budget) return { deleted, done: false };
  await db.batch([
    db.delete(importChunks).where(eq(importChunks.importId, imp.id)),
    db
      .update(imports)
      .set({
        purgedAt: now,
        status: sql`CASE WHEN ${imports.status} = 'ready' THEN 'failed' ELSE ${imports.status} END`,
        error: sql`CASE WHEN ${imports.status} = 'ready' THEN ${neverStarted} ELSE ${imports.error} END`,
      })
      .where(eq(imports.id, imp.id)),
  ]);
  return { deleted, done: true };
}

const importWithUploader = { imp: imports, uploadedByName: users.employeeNumber };

/** One import with who uploaded it, or null. */
export async function findImport(db: Db, id: string): Promise<ImportView | null> {
  const [row] = await db
    .select(importWithUploader)
    .from(imports)
    .innerJoin(users, eq(users.id, imports.uploadedBy))
    .where(eq(imports.id, id))
    .limit(1);
  return row ? { ...row.imp, uploadedByName: row.uploadedByName } : null;
}

/** The latest other import, started, of a file with this content hash: "you imported this exact file on …". */
export async function findEarlierImport(
  db: Db,
  contentHash: string,
  exceptId: string,
): Promise<Pick<Import, "id" | "createdAt"> | null> {
  const [row] = await db
    .select({ id: imports.id, createdAt: imports.createdAt })
    .from(imports)
    .where(
      and(
        eq(imports.contentHash, contentHash),
        ne(imports.id, exceptId),
        isNotNull(imports.startedAt),
        // A dry run imported nothing.
        eq(imports.dryRun, false),
      ),
    )
    .orderBy(desc(imports.createdAt))
    .limit(1);
  return row ?? null;
}

/** Imports newest first, a page at a time; the cursor is the last row's `createdAt|id`. */
export async function listImports(
  db: Db,
  page: { limit: number; cursor?: string },
): Promise<{ imports: ImportView[]; nextCursor: string | null }> {
  let where: SQL | undefined;
  if (page.cursor) {
    const [at, id] = page.cursor.split("|");
    const when = new Date(Number(at));
    if (id && !Number.isNaN(when.getTime())) {
      where = or(lt(imports.createdAt, when), and(eq(imports.createdAt, when), lt(imports.id, id)));
    }
  }
  const rows = await db
    .select(importWithUploader)
    .from(imports)
    .innerJoin(users, eq(users.id, imports.uploadedBy))
    .where(where)
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(page.limit + 1);
  const list = rows.slice(0, page.limit).map((r) => ({ ...r.imp, uploadedByName: r.uploadedByName }));
  const last = list.at(-1);
  return {
    imports: list,
    nextCursor: rows.length > page.limit && last ? `${last.createdAt.getTime()}|${last.id}` : null,
  };
}

export type LineFilter = {
  outcome?: LineOutcome;
  level?: "error" | "warning";
  limit: number;
  /** The line number of the last line of the previous page. */
  cursor?: number;
};

/** A line as the reports read it back from D1: a flagged line, or a line of a chunk applied before chunks kept outcomes. */
export type StoredLine = Pick<
  FlaggedLine,
  "line" | "employeeNumber" | "outcome" | "hasWarning" | "messages" | "values"
>;

/** A line range, both ends included; `to` open when null. */
export type LineRange = { from: number; to: number | null };

/**
 * A page of an import's stored lines in line order: its flagged lines, and every line of the
 * chunks applied before chunks kept outcomes (`legacy`, the import_lines ranges), filtered. Served
 * from the (import, line) keys and the partial failed and warning indexes.
 */
export async function listStoredLines(
  db: Db,
  importSeq: number,
  filter: LineFilter & { range?: LineRange; legacy?: boolean },
): Promise<StoredLine[]> {
  const pick = <T extends typeof flaggedLines | typeof importLines>(t: T) => {
    const where: SQL[] = [eq(t.importSeq, importSeq)];
    // Written as literals so SQLite can use the partial indexes that hold just those lines; errors
    // only ever fail a line, so level=error with another outcome finds nothing.
    if (filter.outcome === "failed" || filter.level === "error") where.push(sql`${t.outcome} = 'failed'`);
    if (filter.outcome && filter.outcome !== "failed") where.push(eq(t.outcome, filter.outcome));
    if (filter.level === "warning") where.push(sql`${t.hasWarning} = 1`);
    if (filter.cursor !== undefined) where.push(gt(t.line, filter.cursor));
    if (filter.range) {
      where.push(gte(t.line, filter.range.from));
      if (filter.range.to !== null) where.push(lte(t.line, filter.range.to));
    }
    return db
      .select({
        line: t.line,
        employeeNumber: t.employeeNumber,
        outcome: t.outcome,
        hasWarning: t.hasWarning,
        messages: t.messages,
        values: t.values,
      })
      .from(t)
      .where(and(...where))
      .orderBy(asc(t.line))
      .limit(filter.limit);
  };
  if (!filter.legacy) return pick(flaggedLines);
  const [flagged, legacy] = await db.batch([pick(flaggedLines), pick(importLines)]);
  return [...flagged, ...legacy].sort((a, b) => a.line - b.line).slice(0, filter.limit);
}

/**
 * Moves a ready import to queued, noting who started it, as a dry run or a sync, and returns the
 * rows it wrote: none for any call but the one that made the move, so starting twice queues one
 * message.
 */
export async function markImportQueued(
  db: Db,
  id: string,
  startedBy: number,
  now: Date,
  options: { dryRun?: boolean; sync?: boolean } = {},
): Promise<number> {
  const result = await db
    .update(imports)
    .set({
      status: "queued",
      startedBy,
      startedAt: now,
      progressAt: now,
      sync: options.sync ?? false,
      ...(options.dryRun ? { dryRun: true } : {}),
    })
    .where(and(eq(imports.id, id), eq(imports.status, "ready")))
    .run();
  return result.meta.changes > 0 ? result.meta.rows_written : 0;
}

/** Ends an import under way as failed with a reason people can act on; any other stays as it was. */
export async function markImportFailed(db: Db, id: string, reason: string, now: Date): Promise<void> {
  await db
    .update(imports)
    .set({ status: "failed", error: reason, finishedAt: now })
    .where(and(eq(imports.id, id), inArray(imports.status, [...runningStatuses])));
}

/**
 * Asks a queued or running import to stop, and returns its status afterwards: `cancelling`
 * when it is (or already was) asked to, otherwise the status that kept it from being asked,
 * or null when there is no such import.
 */
export async function requestImportCancel(db: Db, id: string): Promise<ImportStatus | null> {
  const [asked] = await db
    .update(imports)
    .set({ status: "cancelling" })
    .where(and(eq(imports.id, id), inArray(imports.status, ["queued", "processing"])))
    .returning({ status: imports.status });
  if (asked) return asked.status;
  const [row] = await db.select({ status: imports.status }).from(imports).where(eq(imports.id, id));
  return row?.status ?? null;
}

/** Ends an import asked to stop as cancelled, between chunks: only the consumer calls it. */
export async function markImportCancelled(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(imports)
    .set({ status: "cancelled", finishedAt: now, progressAt: now })
    .where(and(eq(imports.id, id), eq(imports.status, "cancelling")));
}

/** Deletes an import that was never started (Cancel on the preview); false if it had started. */
export async function deleteReadyImport(db: Db, id: string): Promise<Import | null> {
  const [row] = await db
    .delete(imports)
    .where(and(eq(imports.id, id), eq(imports.status, "ready")))
    .returning();
  return row ?? null;
}

/** What reading an upload found: the stored file the chunks address, how it reads, and its chunks. */
export type ImportFile = Pick<
  Import,
  | "fileKey"
  | "fileSize"
  | "filePieces"
  | "workbook"
  | "encoding"
  | "delimiter"
  | "columns"
  | "ignoredColumns"
  | "headerLine"
  | "preview"
  | "totalRows"
> & { chunks: PlannedChunk[] };

/**
 * Puts another reading of a ready import's upload (another sheet of its workbook) in place of
 * the one it has, chunk plans and all, in one batch. Null when the import is no longer ready (it
 * was started or cancelled meanwhile), and then nothing changed.
 */
export async function replaceImportFile(db: Db, id: string, file: ImportFile): Promise<Import | null> {
  const { chunks, ...columns } = file;
  const ready = and(eq(imports.id, id), eq(imports.status, "ready"));
  // The new file key is new to this import, so finding it tells the later statements the update took.
  const replaced = sql`EXISTS (SELECT 1 FROM ${imports} WHERE ${ready} AND ${imports.fileKey} = ${file.fileKey})`;
  const [updated] = await db.$client.batch([
    statement(
      db,
      db
        .update(imports)
        .set({ ...columns, chunkCount: chunks.length })
        .where(ready)
        .getSQL(),
    ),
    statement(db, sql`DELETE FROM ${importChunks} WHERE ${importChunks.importId} = ${id} AND ${replaced}`),
    ...insertChunkPlans(db, id, chunks, replaced),
  ]);
  if (!updated?.meta.changes) return null;
  return findImportRow(db, id);
}
