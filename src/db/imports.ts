import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from "drizzle-orm";
import type { ChunkPlan } from "../imports/read";
import type { Db } from "./client";
import { importChunks, importLines, imports, users, type Import, type ImportLine, type LineOutcome } from "./schema";
import { statement } from "./statements";

export type ImportView = Import & { uploadedByName: string };

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

/** The line outcomes of the import with this id: they are keyed by its number, read once per query. */
export const linesOfImport = (importId: string): SQL =>
  sql`${importLines.importSeq} = (SELECT ${imports.seq} FROM ${imports} WHERE ${imports.id} = ${importId})`;

/** A page of an import's line outcomes in line order, served from the (import, outcome|warning, line) indexes. */
export async function listImportLines(
  db: Db,
  importId: string,
  filter: LineFilter,
): Promise<{ lines: ImportLine[]; nextCursor: number | null }> {
  const where: SQL[] = [linesOfImport(importId)];
  // The failed and warning filters are written as literals so SQLite can use the partial
  // indexes that hold just those lines; errors only ever fail a line, so level=error with another
  // outcome finds nothing.
  if (filter.outcome === "failed" || filter.level === "error") where.push(sql`${importLines.outcome} = 'failed'`);
  if (filter.outcome && filter.outcome !== "failed") where.push(eq(importLines.outcome, filter.outcome));
  if (filter.level === "warning") where.push(sql`${importLines.hasWarning} = 1`);
  if (filter.cursor !== undefined) where.push(gt(importLines.line, filter.cursor));
  const rows = await db
    .select()
    .from(importLines)
    .where(and(...where))
    .orderBy(asc(importLines.line))
    .limit(filter.limit + 1);
  const lines = rows.slice(0, filter.limit);
  const last = lines.at(-1);
  return { lines, nextCursor: rows.length > filter.limit && last ? last.line : null };
}

/**
 * Moves a ready import to queued. Returns true only for the call that made the move, so
 * starting twice queues one message.
 */
export async function markImportQueued(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(imports)
    .set({ status: "queued", startedAt: now, progressAt: now })
    .where(and(eq(imports.id, id), eq(imports.status, "ready")))
    .returning({ id: imports.id });
  return rows.length > 0;
}

/** Ends an import as failed with a reason people can act on; a finished import stays as it was. */
export async function markImportFailed(db: Db, id: string, reason: string, now: Date): Promise<void> {
  await db
    .update(imports)
    .set({ status: "failed", error: reason, finishedAt: now })
    .where(and(eq(imports.id, id), sql`${imports.status} NOT IN ('completed', 'failed')`));
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
  "fileKey" | "fileSize" | "filePieces" | "workbook" | "encoding" | "delimiter" | "columns" | "ignoredColumns" | "headerLine" | "preview" | "totalRows"
> & { chunks: ChunkPlan[] };

/** The chunk plan as rows of import_chunks, in one JSON parameter however many chunks there are. */
const insertChunks = (id: string, chunks: ChunkPlan[]) =>
  sql`INSERT INTO import_chunks (import_id, idx, byte_start, byte_end, first_line, row_count)
    SELECT ${id}, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4
    FROM json_each(${JSON.stringify(chunks.map((c, i) => [i, c.byteStart, c.byteEnd, c.firstLine, c.rowCount]))}) j`;

/** Records a read upload as a ready import, with its chunk plan, all or nothing. */
export async function insertImport(
  db: Db,
  values: { id: string; uploadedBy: number; fileName: string },
  file: ImportFile,
): Promise<Import> {
  const { chunks, ...columns } = file;
  const insert = db.insert(imports).values({
    ...values,
    ...columns,
    // One statement, so two uploads at once cannot take the same number. Only a ready import
    // can be deleted, and it has no lines yet, so a number taken again finds none.
    seq: sql`(SELECT coalesce(max(${imports.seq}), 0) + 1 FROM ${imports})`,
    chunkCount: chunks.length,
  });
  const [inserted] = await db.$client.batch([statement(db, insert.getSQL()), statement(db, insertChunks(values.id, chunks))]);
  const [row] = await db.select().from(imports).where(eq(imports.id, values.id));
  if (!inserted?.success || !row) throw new Error("The import was not recorded.");
  return row;
}

/**
 * Puts another reading of a ready import's upload (another sheet of its workbook) in place of
 * the one it has, chunk plan and all. Null when the import is no longer ready (it was started
 * or cancelled meanwhile), and then nothing changed.
 */
export async function replaceImportFile(db: Db, id: string, file: ImportFile): Promise<Import | null> {
  const { chunks, ...columns } = file;
  const ready = and(eq(imports.id, id), eq(imports.status, "ready"));
  // The new file key is new to this import, so finding it tells the later statements the update took.
  const replaced = sql`EXISTS (SELECT 1 FROM ${imports} WHERE ${ready} AND ${imports.fileKey} = ${file.fileKey})`;
  const [updated] = await db.$client.batch([
    statement(db, db.update(imports).set({ ...columns, chunkCount: chunks.length }).where(ready).getSQL()),
    statement(db, sql`DELETE FROM ${importChunks} WHERE ${importChunks.importId} = ${id} AND ${replaced}`),
    statement(db, sql`${insertChunks(id, chunks)} WHERE ${replaced}`),
  ]);
  if (!updated?.meta.changes) return null;
  const [row] = await db.select().from(imports).where(eq(imports.id, id));
  return row ?? null;
}
