import type { Db } from "../db/client";
import { deleteReadyImport, findImport, markImportQueued, requestImportCancel, type ImportView } from "../db/imports";
import { AppError } from "../errors";
import { storedKeysOf } from "./employee-hashes";
import { requireSyncConfirmed } from "./sync-guardrail";

/** How an import is started: as a dry run or not, as a sync or not, and the number of deactivations the admin confirmed. */
export type StartOptions = { dryRun?: boolean; sync?: boolean; confirmDeactivations?: number };

/**
 * Starts a ready import for the user `startedBy`: marks it queued and sends its message; with
 * `dryRun`, as a dry run, which writes no user. Starting an import that is already under way or
 * finished changes nothing. A sync that would deactivate more users than the guardrail allows
 * starts only with that exact number confirmed; otherwise it is refused (409
 * too_many_deactivations) and stays ready; a dry run of a sync needs no confirmation, as it
 * deactivates no one. Returns the import as it stands.
 */
export async function startImport(
  env: Env,
  db: Db,
  id: string,
  startedBy: number,
  options: StartOptions = {},
): Promise<ImportView> {
  const sync = options.sync ?? false;
  if (sync) {
    const ready = await findImport(db, id);
    if (!ready) throw new AppError(404, "not_found", "There is no import with this id.");
    // A dry run of a sync deactivates no one, so it needs no confirmation: its report says the number.
    if (ready.status === "ready" && !(options.dryRun || ready.dryRun))
      await requireSyncConfirmed(env, db, ready, startedBy, options.confirmDeactivations);
  }
  const queued = await markImportQueued(db, id, startedBy, new Date(), { dryRun: options.dryRun, sync });
  if (queued > 0) console.log(`Import ${id}: queued, ${queued} rows written`);
  // Read before the message goes: once the consumer runs, local D1 answers only between deliveries.
  const imp = await findImport(db, id);
  if (!imp) throw new AppError(404, "not_found", "There is no import with this id.");
  if (queued > 0) await env.IMPORT_QUEUE.send({ importId: id });
  return imp;
}

/** Discards an import that was never started, with its file (and its workbook); false when there was none to discard. */
export async function discardReadyImport(env: Env, db: Db, id: string): Promise<boolean> {
  const removed = await deleteReadyImport(db, id);
  if (!removed) return false;
  await env.FILES.delete([...storedKeysOf(removed.fileKey), ...(removed.workbook ? [removed.workbook.key] : [])]);
  return true;
}

/**
 * Asks a queued or running import to stop at its next chunk boundary, where the consumer ends it
 * as cancelled. Asking again while it stops changes nothing; an import that has not started or
 * has ended cannot be cancelled. Returns the import as it stands.
 */
export async function cancelRunningImport(db: Db, id: string): Promise<ImportView> {
  const status = await requestImportCancel(db, id);
  if (status === null) throw new AppError(404, "not_found", "There is no import with this id.");
  if (status === "ready")
    throw new AppError(
      409,
      "import_not_started",
      "This import has not started, so there is nothing to cancel. Delete it from its preview instead.",
    );
  if (status !== "cancelling") {
    const ended =
      { completed: "has already completed", cancelled: "was already cancelled" }[status as string] ??
      "has already stopped";
    throw new AppError(409, "import_finished", `This import ${ended}, so it cannot be cancelled.`);
  }
  const imp = await findImport(db, id);
  if (!imp) throw new AppError(404, "not_found", "There is no import with this id.");
  console.log(`Import ${id}: asked to stop`);
  return imp;
}
