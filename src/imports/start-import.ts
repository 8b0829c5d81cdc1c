import type { Db } from "../db/client";
import { deleteReadyImport, findImport, markImportQueued, requestImportCancel, type ImportView } from "../db/imports";
import { AppError } from "../errors";
import { storedKeysOf } from "./employee-hashes";
import { forecastSync } from "./sync-guardrail";

/** How an import is started: as a dry run or not, as a sync or not, and the number of deactivations the admin confirmed. */
export type StartOptions = { dryRun?: boolean; sync?: boolean; confirmDeactivations?: number };

/** A dry run deactivates no one, so it cannot stand for a sync; the sync's forecast says what one would do. */
export function dryRunSyncRefused(): AppError {
  return new AppError(
    400,
    "dry_run_sync",
    "A dry run cannot be a sync. The preview (or GET /api/imports/{id}/sync-forecast) says how many users a sync would deactivate: check every line as a dry run, then start the import itself as a sync.",
  );
}

/**
 * Starts a ready import for the user `startedBy`: marks it queued and sends its message; with
 * `dryRun`, as a dry run, which writes no user. Starting an import that is already under way or
 * finished changes nothing. A sync that would deactivate more users than the guardrail allows
 * starts only with that exact number confirmed; otherwise it is refused (409
 * too_many_deactivations) and stays ready; a dry run cannot be a sync. Returns the import as it
 * stands.
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
    if (options.dryRun || ready.dryRun) throw dryRunSyncRefused();
    if (ready.status === "ready") {
      const forecast = await forecastSync(env, db, ready, startedBy);
      if (forecast.needsConfirmation && options.confirmDeactivations !== forecast.deactivations) {
        const asked =
          options.confirmDeactivations === undefined
            ? ""
            : ` The number confirmed, ${options.confirmDeactivations.toLocaleString("en")}, is not that number: the users changed since, or it was mistyped.`;
        throw new AppError(
          409,
          "too_many_deactivations",
          `This sync would deactivate ${forecast.deactivations.toLocaleString("en")} users, more than the ${forecast.limit.toLocaleString("en")} (${forecast.percent}% of ${forecast.activeUsers.toLocaleString("en")} active users) a sync may deactivate unconfirmed.${asked} Check that the file holds the whole organisation; if it does, confirm ${forecast.deactivations.toLocaleString("en")} to start it.`,
        );
      }
    }
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
