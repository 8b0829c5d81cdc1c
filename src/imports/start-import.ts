import type { Db } from "../db/client";
import { deleteReadyImport, findImport, markImportQueued } from "../db/imports";
import { AppError } from "../errors";

/**
 * Starts a ready import: marks it queued and sends its message. Starting an import that is
 * already under way or finished changes nothing.
 */
export async function startImport(env: Env, db: Db, id: string): Promise<void> {
  const now = new Date();
  if (await markImportQueued(db, id, now)) {
    await env.IMPORT_QUEUE.send({ importId: id });
    return;
  }
  if (!(await findImport(db, id))) throw new AppError(404, "not_found", "There is no import with this id.");
}

/** Discards an import that was never started, with its file; false when there was none to discard. */
export async function cancelImport(env: Env, db: Db, id: string): Promise<boolean> {
  const removed = await deleteReadyImport(db, id);
  if (!removed) return false;
  await env.FILES.delete(removed.fileKey);
  return true;
}
