import type { Db } from "../db/client";
import { listChunkPlans } from "../db/import-chunks";
import { isRunning } from "../db/schema";
import {
  findImportRow,
  markImportCancelled,
  markImportFailed,
  markImportProcessing,
  noteImportProblem,
} from "../db/imports";
import { dropProjectedUsers } from "../db/projected-users";
import { forgetDryRunDeactivations } from "../db/sync-deactivations";
import { listRoles } from "../db/roles";
import { findImporter } from "../db/viewers";
import { applyChunk, type RoleBook } from "./apply-chunk";
import { finishSync } from "./finish-sync";
import { readImportChunk } from "./import-file";
import { yieldBetweenChunks } from "./yield-to-requests";
import { announceImportEnd } from "../webhooks/announce-import";

/** The roles for one delivery: each chunk's rules read them from here, not from D1. */
export async function loadRoleBook(db: Db): Promise<RoleBook> {
  const roles = await listRoles(db);
  const standard = roles.find((r) => r.nameKey === "standard");
  if (!standard) throw new Error("The Standard role is missing; the migrations seed it.");
  const names = roles.map((r) => r.name);
  return {
    standard: { id: standard.id, name: standard.name, permissions: standard.permissions },
    byKey: new Map(roles.map((r) => [r.nameKey, { id: r.id, name: r.name, permissions: r.permissions }])),
    byId: new Map(roles.map((r) => [r.id, { id: r.id, name: r.name, permissions: r.permissions }])),
    names: names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : (names[0] ?? ""),
  };
}

const missingFileReason =
  "The uploaded file is no longer in storage, so the import could not go on. Upload the file again to import the remaining lines.";

/**
 * Applies an import's chunks in order, from where it stands, until it is done or the time
 * budget is spent; then hands over to a new queue message. Everything it needs to resume
 * is in D1 (the next chunk's index), so a repeated or retried message just carries on.
 * Returns whether the import still has chunks to apply.
 */
export async function advanceImport(
  env: Env,
  db: Db,
  importId: string,
  budgetMs: number,
): Promise<"done" | "continues"> {
  const deadline = Date.now() + budgetMs;
  const imp = await findImportRow(db, importId);
  if (!imp || !isRunning(imp.status)) return "done";
  // Asked to stop before this delivery (or before it ever started): nothing more is applied.
  if (imp.status === "cancelling") return endCancelled(env, db, imp.id);
  const started = imp.status === "queued" ? await markImportProcessing(db, imp.id, new Date()) : 0;
  if (imp.status === "queued" && started === 0) {
    // It moved on since it was read: asked to stop in between, most likely.
    const now = await findImportRow(db, importId);
    if (now?.status === "cancelling") return endCancelled(env, db, imp.id);
    if (now?.status !== "processing") return "done";
  }
  const roles = await loadRoleBook(db);
  // Read at every delivery: a role changed while the import runs counts from the next one.
  const importer = await findImporter(db, imp.startedBy ?? imp.uploadedBy);
  if (!importer) throw new Error(`Import ${imp.id}: the user who started it is missing.`);

  // The plans of every chunk still to apply, in one read rather than one per chunk.
  const plans = await listChunkPlans(db, imp.id, imp.nextChunk);
  if (plans.length !== imp.chunkCount - imp.nextChunk) throw new Error(`Import ${imp.id} is missing chunk plans.`);
  // What D1 bills: each delivery says what it wrote, for the logs and the benchmark.
  let applied = 0;
  let rowsWritten = started;
  let historyRowsWritten = 0;
  const report = () =>
    console.log(
      `Import ${imp.id}: ${applied} chunks ${imp.dryRun ? "checked (dry run)" : "applied"}, ${rowsWritten} rows written, ${historyRowsWritten} of them history`,
    );
  for (const chunk of plans) {
    if (Date.now() >= deadline) {
      report();
      await env.IMPORT_QUEUE.send({ importId });
      return "continues";
    }
    await yieldBetweenChunks();
    const records = await readImportChunk(env.FILES, imp, chunk);
    if (!records) {
      await markImportFailed(db, imp.id, missingFileReason, new Date());
      await forgetDryRun(db, imp.id);
      await announceEnd(env, db, imp.id);
      return "done";
    }
    const result = await applyChunk(db, imp, chunk, records, roles, importer, new Date());
    rowsWritten += result.rowsWritten;
    historyRowsWritten += result.historyRowsWritten;
    applied++;
    if (result.cancelling) {
      report();
      return endCancelled(env, db, imp.id);
    }
  }
  if (imp.sync) {
    const finished = await finishSync(db, imp, deadline);
    rowsWritten += finished.rowsWritten;
    report();
    if (finished.state === "continues") {
      await env.IMPORT_QUEUE.send({ importId });
      return "continues";
    }
    if (finished.state === "cancelling") return endCancelled(env, db, imp.id);
    await announceEnd(env, db, imp.id);
    return "done";
  }
  report();
  await announceEnd(env, db, imp.id);
  return "done";
}

/** Forgets what a dry run that ended early recorded: its projected users, and whom its sync would deactivate. */
async function forgetDryRun(db: Db, importId: string): Promise<void> {
  await dropProjectedUsers(db, importId);
  await forgetDryRunDeactivations(db, importId);
}

/** Ends an import asked to stop, at a chunk boundary: what it applied stays, the rest was not reached. */
async function endCancelled(env: Env, db: Db, importId: string): Promise<"done"> {
  await markImportCancelled(db, importId, new Date());
  await forgetDryRun(db, importId);
  console.log(`Import ${importId}: cancelled`);
  await announceEnd(env, db, importId);
  return "done";
}

/**
 * Announces an import's end to webhooks once its final state is committed. The import is
 * done whatever happens here: a failure is logged, never retried as the import's.
 */
async function announceEnd(env: Env, db: Db, importId: string): Promise<void> {
  try {
    await announceImportEnd(env, db, importId, new Date());
  } catch (err) {
    console.error(`Import ${importId}: its webhooks could not be queued`, err);
  }
}

/** How a running import's last failure reads while it is retried; the dead-letter reason reuses the problem. */
const retryNote = "Processing hit a problem and will retry: ";

/** Notes the last processing failure on a running import, so its page and the API can show it. */
export async function noteImportError(db: Db, importId: string, message: string): Promise<void> {
  await noteImportProblem(db, importId, `${retryNote}${message}`);
}

/** Ends an import whose message kept failing and went to the dead-letter queue. */
export async function failDeadImport(env: Env, db: Db, importId: string): Promise<void> {
  const imp = await findImportRow(db, importId);
  // Asked to stop already: it ends as it was asked to, with the rest offered as not reached.
  if (imp?.status === "cancelling") {
    await endCancelled(env, db, importId);
    return;
  }
  const problem = imp?.error?.startsWith(retryNote) ? imp.error.slice(retryNote.length) : imp?.error;
  const last = problem ? ` Last problem: ${problem.replace(/\.?$/, ".")}` : "";
  const where = imp
    ? ` after ${imp.processedRows.toLocaleString("en")} of ${imp.totalRows.toLocaleString("en")} lines`
    : "";
  // Applying a line again changes nothing, so the whole file can simply be imported again.
  const next = " Upload the same file again to import the rest: lines already imported will show as unchanged.";
  await markImportFailed(
    db,
    importId,
    `Processing failed repeatedly and was stopped${where}.${last}${next}`,
    new Date(),
  );
  await forgetDryRun(db, importId);
  await announceEnd(env, db, importId);
}
