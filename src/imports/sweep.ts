import type { Db } from "../db/client";
import { isFileSharedWithOther } from "../db/dry-runs";
import { claimStalledImports, listPurgeableImports, purgeImportLines } from "../db/imports";
import { storedKeysOf } from "./employee-hashes";
import { staleAfterMs } from "./limits";

/**
 * Re-sends the message of every import, or undo, that stopped making progress (a crashed
 * consumer, or local queue messages lost with a restart). A duplicate message is harmless: the
 * consumer resumes from the import's next chunk, or the undo's.
 */
export async function restartStalledImports(env: Env, db: Db, now: Date): Promise<string[]> {
  const stale = await claimStalledImports(db, new Date(now.getTime() - staleAfterMs), now);
  if (stale.length)
    await env.IMPORT_QUEUE.sendBatch(
      stale.map(({ id, status }) => ({
        body: status === "undoing" ? { importId: id, kind: "undo" } : { importId: id },
      })),
    );
  return stale.map((s) => s.id);
}

/** Deletion work per run is bounded so the job fits a single invocation's limits. */
const purgeLinesPerRun = 50_000;

/**
 * Deletes source files, chunk plans and kept lines of finished imports older than the
 * retention period; each import's summary (its counts) stays.
 */
export async function purgeOldImports(env: Env, db: Db, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const old = await listPurgeableImports(db, cutoff, 20);
  let budget = purgeLinesPerRun;
  let purged = 0;
  for (const imp of old) {
    // A dry run and the import that applied it read one stored file: the last one purged deletes it.
    if (!(await isFileSharedWithOther(db, imp.fileKey, imp.id)))
      await env.FILES.delete([...storedKeysOf(imp.fileKey), ...(imp.workbook ? [imp.workbook.key] : [])]);
    const { deleted, done } = await purgeImportLines(
      db,
      imp,
      budget,
      now,
      `Never started, and discarded after ${retentionDays} days.`,
    );
    budget -= deleted;
    if (!done) break;
    purged++;
  }
  return purged;
}
