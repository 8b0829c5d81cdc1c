import { and, eq, getTableColumns, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "./client";
import { importChunks, imports } from "./schema";

/**
 * Makes a queued import of a completed dry run's stored file, with the same chunk plans, started
 * by `startedBy` (a sync when the dry run was one), and notes it on the dry run, in one batch.
 * Returns the new import's id, or null when the dry run is not one to apply (not a dry run, not
 * completed, its file purged, or applied already): then nothing was written.
 */
export async function recordDryRunApplied(
  db: Db,
  dryRunId: string,
  startedBy: number,
  now: Date,
): Promise<{ id: string; rowsWritten: number } | null> {
  const id = crypto.randomUUID();
  const applicable = and(
    eq(imports.id, dryRunId),
    eq(imports.dryRun, true),
    eq(imports.status, "completed"),
    isNull(imports.purgedAt),
    isNull(imports.appliedImportId),
  );
  const zero = (name: string) => sql<number>`0`.as(name);
  const none = (name: string) => sql<null>`NULL`.as(name);
  const at = (name: string) => sql<number>`${now.getTime()}`.as(name);
  const made = sql`EXISTS (SELECT 1 FROM ${imports} WHERE ${imports.id} = ${id})`;
  const [inserted, chunks, noted] = await db.batch([
    db.insert(imports).select(
      db
        .select({
          // The file, how it reads and whether it is a sync are the dry run's; the state is a new
          // queued import's.
          ...getTableColumns(imports),
          id: sql<string>`${id}`.as("id"),
          seq: sql<number>`(SELECT coalesce(max(seq), 0) + 1 FROM imports)`.as("seq"),
          startedBy: sql<number>`${startedBy}`.as("started_by"),
          status: sql<"queued">`'queued'`.as("status"),
          processedRows: zero("processed_rows"),
          nextChunk: zero("next_chunk"),
          created: zero("created"),
          updated: zero("updated"),
          unchanged: zero("unchanged"),
          failed: zero("failed"),
          warnings: zero("warnings"),
          createdAt: at("created_at"),
          startedAt: at("started_at"),
          finishedAt: none("finished_at"),
          progressAt: at("progress_at"),
          purgedAt: none("purged_at"),
          error: none("error"),
          dryRun: zero("dry_run"),
          appliedImportId: none("applied_import_id"),
          createdUsersFrom: none("created_users_from"),
          createdUsersTo: none("created_users_to"),
          deactivated: zero("deactivated"),
          syncAfterId: zero("sync_after_id"),
          undoChunks: zero("undo_chunks"),
          undoRows: zero("undo_rows"),
          undoRemoved: zero("undo_removed"),
          undoRestored: zero("undo_restored"),
          undoKept: zero("undo_kept"),
          undoFrom: none("undo_from"),
          undoBy: none("undo_by"),
          undoStartedAt: none("undo_started_at"),
          undoFinishedAt: none("undo_finished_at"),
        })
        .from(imports)
        .where(applicable),
    ),
    db.insert(importChunks).select(
      db
        .select({ ...getTableColumns(importChunks), importId: sql<string>`${id}`.as("import_id") })
        .from(importChunks)
        .where(and(eq(importChunks.importId, dryRunId), made)),
    ),
    db.update(imports).set({ appliedImportId: id }).where(and(applicable, made)),
  ]);
  if (inserted.meta.changes === 0) return null;
  return { id, rowsWritten: inserted.meta.rows_written + chunks.meta.rows_written + noted.meta.rows_written };
}

/** Whether another import, not yet purged, reads the same stored file (a dry run and the import that applied it). */
export async function isFileSharedWithOther(db: Db, fileKey: string, importId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.fileKey, fileKey), ne(imports.id, importId), isNull(imports.purgedAt)))
    .limit(1);
  return row !== undefined;
}
