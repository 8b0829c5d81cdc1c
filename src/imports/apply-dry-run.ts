import type { Db } from "../db/client";
import { recordDryRunApplied } from "../db/dry-runs";
import { findImport, type ImportView } from "../db/imports";
import { isRunning } from "../db/schema";
import { AppError } from "../errors";
import { requireSyncConfirmed } from "./sync-guardrail";

/**
 * Imports a completed dry run's file for real, from the file it stored (no second upload), acting
 * for `startedBy`: a new queued import with the same chunk plans, whose message is sent. A dry run
 * of a sync makes a sync, under the guardrail as a start is: above it, only with
 * `confirmDeactivations` the number a sync started now would deactivate. A dry run is applied
 * once; anything else is refused with a code saying why. Returns the new import.
 */
export async function applyDryRun(
  env: Env,
  db: Db,
  dryRunId: string,
  startedBy: number,
  options: { confirmDeactivations?: number } = {},
): Promise<ImportView> {
  const dryRun = await findImport(db, dryRunId);
  if (dryRun?.sync && isApplicable(dryRun))
    await requireSyncConfirmed(env, db, dryRun, startedBy, options.confirmDeactivations);
  const made = await recordDryRunApplied(db, dryRunId, startedBy, new Date());
  if (!made) throw await refusalOf(db, dryRunId);
  console.log(`Import ${made.id}: queued from dry run ${dryRunId}, ${made.rowsWritten} rows written`);
  const imp = await findImport(db, made.id);
  if (!imp) throw new Error(`Import ${made.id} was made but cannot be read.`);
  await env.IMPORT_QUEUE.send({ importId: made.id });
  return imp;
}

/** Whether a dry run can be imported now (recordDryRunApplied checks it again as it writes). */
export const isApplicable = (imp: ImportView) =>
  imp.dryRun && imp.status === "completed" && imp.purgedAt === null && imp.appliedImportId === null;

/** Why a dry run could not be applied, as the error to answer with. */
async function refusalOf(db: Db, id: string): Promise<AppError> {
  const imp = await findImport(db, id);
  if (!imp) return new AppError(404, "not_found", "There is no import with this id.");
  if (!imp.dryRun)
    return new AppError(409, "not_a_dry_run", "This import is not a dry run: it has been imported already.");
  if (imp.appliedImportId !== null)
    return new AppError(
      409,
      "dry_run_applied",
      `This dry run's file has been imported already, as import ${imp.appliedImportId}.`,
    );
  if (imp.purgedAt !== null)
    return new AppError(
      409,
      "file_deleted",
      "The file is no longer in storage (the retention period deletes it). Upload it again instead.",
    );
  if (imp.status !== "completed")
    return new AppError(
      409,
      "dry_run_not_completed",
      imp.status === "ready" || isRunning(imp.status)
        ? "This dry run has not checked every line yet. Wait until it has completed, then import its file."
        : `This dry run ${imp.status === "failed" ? "failed" : "was cancelled"} before checking every line. Upload the file again and check it once more.`,
    );
  return new AppError(409, "dry_run_not_applicable", "This dry run cannot be imported. Upload the file again.");
}
