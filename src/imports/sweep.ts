import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { importChunks, imports } from "../db/schema";
import { staleAfterMs } from "./limits";

/**
 * Re-sends the message of every import that stopped making progress (a crashed consumer, or
 * local queue messages lost with a restart). A duplicate message is harmless: the consumer
 * resumes from the import's next chunk.
 */
export async function restartStalledImports(env: Env, db: Db, now: Date): Promise<string[]> {
  const stale = await db
    .update(imports)
    .set({ progressAt: now })
    .where(
      and(
        inArray(imports.status, ["queued", "processing"]),
        or(isNull(imports.progressAt), lt(imports.progressAt, new Date(now.getTime() - staleAfterMs))),
      ),
    )
    .returning({ id: imports.id });
  if (stale.length) await env.IMPORT_QUEUE.sendBatch(stale.map((s) => ({ body: { importId: s.id } })));
  return stale.map((s) => s.id);
}

/** Deletion work per run is bounded so the job fits a single invocation's limits. */
const purgeLinesPerRun = 50_000;

/**
 * Deletes source files, chunk plans and line outcomes of finished imports older than the
 * retention period; each import's summary (its counts) stays.
 */
export async function purgeOldImports(env: Env, db: Db, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const old = await db
    .select({ id: imports.id, seq: imports.seq, fileKey: imports.fileKey, workbook: imports.workbook })
    .from(imports)
    .where(and(lt(imports.createdAt, cutoff), isNull(imports.purgedAt), inArray(imports.status, ["completed", "failed", "ready"])))
    .limit(20);
  let budget = purgeLinesPerRun;
  let purged = 0;
  for (const imp of old) {
    await env.FILES.delete(imp.workbook ? [imp.fileKey, imp.workbook.key] : imp.fileKey);
    const deleted = await db.run(sql`DELETE FROM import_lines WHERE rowid IN
      (SELECT rowid FROM import_lines WHERE import_seq = ${imp.seq} LIMIT ${budget})`);
    const count = deleted.meta.changes ?? 0;
    budget -= count;
    if (budget <= 0) break;
    await db.batch([
      db.delete(importChunks).where(eq(importChunks.importId, imp.id)),
      db
        .update(imports)
        .set({
          purgedAt: now,
          // An upload never started cannot be started once its file is gone.
          status: sql`CASE WHEN ${imports.status} = 'ready' THEN 'failed' ELSE ${imports.status} END`,
          error: sql`CASE WHEN ${imports.status} = 'ready' THEN ${`Never started, and discarded after ${retentionDays} days.`} ELSE ${imports.error} END`,
        })
        .where(eq(imports.id, imp.id)),
    ]);
    purged++;
  }
  return purged;
}
