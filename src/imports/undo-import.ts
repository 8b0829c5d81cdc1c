import type { Db } from "../db/client";
import { findImport, findImportRow, type ImportView } from "../db/imports";
import {
  listUndoChunks,
  markImportUndone,
  markUndoStopped,
  readRestoreTargets,
  readUndoUsers,
  requestImportUndo,
  writeUndoChunk,
  type UndoChangeRow,
  type UndoChunk,
} from "../db/import-undo";
import type { Import } from "../db/schema";
import { AppError } from "../errors";
import { announceImportEnd } from "../webhooks/announce-import";
import { keysOf } from "./check-row";
import { pickImportRecords } from "./import-file";
import { decodeOutcomes } from "./line-outcomes";
import { planUndo, restoreKeysOf, type UndoLine } from "./plan-undo";
import { reactivateSyncPage } from "../db/sync-deactivations";
import { syncPageUsers } from "./limits";
import { yieldBetweenChunks, yieldToRequests } from "./yield-to-requests";

/**
 * Asks for a completed or cancelled import to be undone, by the user `by`, and queues the undo.
 * Asking again while it is undone, or once it is, changes nothing. Returns the import as it stands.
 */
export async function undoImport(env: Env, db: Db, id: string, by: number): Promise<ImportView> {
  const asked = await requestImportUndo(db, id, by, new Date());
  if (asked === null) throw new AppError(404, "not_found", "There is no import with this id.");
  const { status, refusal } = asked;
  if (refusal === "dry_run")
    throw new AppError(
      409,
      "dry_run",
      "This is a dry run: it changed nothing, so there is nothing to undo. Import its file for real first, then undo that import.",
    );
  if (refusal === "purged")
    throw new AppError(
      409,
      "import_purged",
      "This import's lines were deleted after the retention period, so it can no longer be undone.",
    );
  if (refusal === "not_recorded")
    throw new AppError(
      409,
      "import_not_recorded",
      "This import ran before Roster kept what each of its chunks did, so it cannot be undone.",
    );
  if (status === "ready" || status === "queued" || status === "processing" || status === "cancelling")
    throw new AppError(
      409,
      "import_not_finished",
      "This import has not finished. Cancel it first, or wait for it to complete, then undo it.",
    );
  if (status === "failed")
    throw new AppError(
      409,
      "import_failed",
      "This import failed, so it cannot be undone. Import a corrected file instead: lines already imported will show as unchanged.",
    );
  const imp = await findImport(db, id);
  if (!imp) throw new AppError(404, "not_found", "There is no import with this id.");
  // Sent whenever it is undoing: a second message finds the resume point and carries on, or stops.
  if (status === "undoing") await env.IMPORT_QUEUE.send({ importId: id, kind: "undo" });
  return imp;
}

const missingFileReason =
  "The undo stopped: the uploaded file is no longer in storage, so the lines it had not reached could not be found.";

/** The lines of one applied chunk that created or updated a user, read back from the stored file. */
async function readUndoLines(
  bucket: R2Bucket,
  imp: Import,
  chunk: Parameters<typeof pickImportRecords>[2] & { outcomes: string },
): Promise<UndoLine[] | null> {
  const outcomes = decodeOutcomes(chunk.outcomes);
  const applied = (i: number) => {
    const o = outcomes[i]?.outcome;
    return o === "created" || o === "updated";
  };
  const read = await pickImportRecords(bucket, imp, chunk, applied, chunk.rowCount);
  if (!read) return null;
  return read.picked.map(({ position, record }) => ({
    line: record.line,
    employeeNumber: record.values.employee_number,
    employeeKey: keysOf(record.values).employee,
    outcome: outcomes[position]?.outcome === "created" ? "created" : "updated",
  }));
}

/** How undoing one chunk ended: written, or not, because the undo stopped or another message did it. */
type ChunkUndo = "written" | "stopped" | "superseded";

/**
 * Takes back one applied chunk of an undoing import, in one batch that also moves the resume
 * point (writeUndoChunk). `undoChunks` is the resume point this chunk starts from.
 */
async function undoChunk(
  env: Env,
  db: Db,
  imp: Import,
  chunk: UndoChunk,
  undoChunks: number,
): Promise<{ result: ChunkUndo; rowsWritten: number }> {
  const lines = await readUndoLines(env.FILES, imp, chunk);
  if (!lines) {
    await markUndoStopped(db, imp.id, missingFileReason, new Date());
    return { result: "stopped", rowsWritten: 0 };
  }
  const read = await readUndoUsers(
    db,
    lines.map((l) => l.employeeKey),
    imp.startedAt?.getTime() ?? 0,
  );
  const users = new Map(read.users.map((u) => [u.employee_key, u]));
  const changes = new Map<number, UndoChangeRow[]>();
  for (const row of read.changes) changes.set(row.user_id, [...(changes.get(row.user_id) ?? []), row]);
  const targets = await readRestoreTargets(db, restoreKeysOf(lines, users, changes, imp.seq), imp.seq);
  const plan = planUndo(lines, {
    import: { seq: imp.seq, id: imp.id },
    undoBy: imp.undoBy ?? 0,
    users,
    changes,
    inUse: read.inUse,
    ...targets,
  });
  await yieldToRequests();
  try {
    const rowsWritten = await writeUndoChunk(db, {
      importId: imp.id,
      importSeq: imp.seq,
      undoChunks,
      isLast: undoChunks + 1 === imp.nextChunk,
      rowCount: chunk.rowCount,
      at: Date.now(),
      ...plan,
    });
    return { result: "written", rowsWritten };
  } catch (err) {
    // Refused by its guard: another message undid this chunk, the undo stopped, or a user
    // changed since they were read. The first two end this message; the last is retried.
    const now = await findImportRow(db, imp.id);
    if (now?.status !== "undoing" || now.undoChunks !== undoChunks) return { result: "superseded", rowsWritten: 0 };
    throw err;
  }
}

/**
 * Takes back an undoing import's applied chunks, last first, from its resume point, until it is
 * undone or the time budget is spent, or `maxChunks` are done; then hands over to a new queue
 * message. Each chunk is one batch that also moves the resume point, so a repeated, stale or
 * retried message carries on where the last one committed and never undoes a chunk twice.
 */
export async function advanceUndo(
  env: Env,
  db: Db,
  importId: string,
  budgetMs: number,
  maxChunks = Number.POSITIVE_INFINITY,
): Promise<"done" | "continues"> {
  const deadline = Date.now() + budgetMs;
  const imp = await findImportRow(db, importId);
  if (!imp || imp.status !== "undoing") return "done";
  const chunks = await listUndoChunks(db, imp, imp.nextChunk - imp.undoChunks);
  if (chunks.length !== imp.nextChunk - imp.undoChunks) throw new Error(`Import ${imp.id} is missing chunk outcomes.`);
  if (chunks.length === 0) {
    await markImportUndone(db, imp.id, new Date());
    await announceEnd(env, db, imp.id);
    return "done";
  }
  let undoChunks = imp.undoChunks;
  let rowsWritten = 0;
  // A sync's deactivations came after its last line, so they are given back before any line is.
  // Until the first chunk is undone, every delivery goes through them again: a user already
  // reactivated is passed over, so nothing is given back twice.
  if (imp.sync && imp.deactivated > 0 && undoChunks === 0) {
    for (let afterId = 0; ;) {
      if (Date.now() >= deadline) {
        await env.IMPORT_QUEUE.send({ importId, kind: "undo" });
        return "continues";
      }
      await yieldBetweenChunks();
      const page = await reactivateSyncPage(db, {
        importId: imp.id,
        importSeq: imp.seq,
        afterId,
        limit: syncPageUsers,
        at: Date.now(),
      });
      if (page.lastUserId === null) break;
      rowsWritten += page.rowsWritten;
      afterId = page.lastUserId;
    }
  }
  // What D1 bills, as each delivery of an import logs it; "Undo of import" keeps the two apart.
  const report = () =>
    console.log(`Undo of import ${imp.id}: ${undoChunks - imp.undoChunks} chunks undone, ${rowsWritten} rows written`);
  for (const [done, chunk] of chunks.entries()) {
    if (done >= maxChunks) return "continues";
    if (Date.now() >= deadline) {
      report();
      await env.IMPORT_QUEUE.send({ importId, kind: "undo" });
      return "continues";
    }
    await yieldBetweenChunks();
    const undone = await undoChunk(env, db, imp, chunk, undoChunks);
    if (undone.result !== "written") return "done";
    rowsWritten += undone.rowsWritten;
    undoChunks++;
  }
  report();
  await announceEnd(env, db, imp.id);
  return "done";
}

/** Announces an undo's end once it is committed; a failure here is logged, never retried as the undo's. */
async function announceEnd(env: Env, db: Db, importId: string): Promise<void> {
  try {
    await announceImportEnd(env, db, importId, new Date());
  } catch (err) {
    console.error(`Import ${importId}: its webhooks could not be queued`, err);
  }
}

/** Stops an undo whose message kept failing and went to the dead-letter queue: undoing it again resumes it. */
export async function failDeadUndo(db: Db, importId: string): Promise<void> {
  const imp = await findImportRow(db, importId);
  const problem = imp?.error ? ` Last problem: ${imp.error.replace(/\.?$/, ".")}` : "";
  await markUndoStopped(
    db,
    importId,
    `The undo failed repeatedly and was stopped.${problem} Undo the import again to carry on where it stopped.`,
    new Date(),
  );
}
