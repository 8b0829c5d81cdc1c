import type { Db } from "../db/client";
import type { Import } from "../db/schema";
import { applySyncPage, listNamedUsers, listSyncCandidates } from "../db/sync-deactivations";
import { syncPageUsers } from "./limits";
import { UserIdSet } from "./named-users";
import { yieldBetweenChunks } from "./yield-to-requests";

/** Chunks whose named users are read per query: each list is a few KB. */
const namedListsPerRead = 100;

/** Every user the sync's lines named, from each chunk's list. */
async function readNamedUsers(db: Db, imp: Pick<Import, "id" | "seq" | "chunkCount">): Promise<UserIdSet> {
  const named = new UserIdSet();
  let lists = 0;
  for (let from = 0; ;) {
    const rows = await listNamedUsers(db, imp.seq, from, namedListsPerRead);
    for (const row of rows) {
      // Without a chunk's list, users it named would look missing: better to stop than guess.
      if (row.namedUsers === null) throw new Error(`Import ${imp.id}: chunk ${row.index} kept no named users.`);
      named.addEncoded(row.namedUsers);
      lists++;
    }
    const last = rows.at(-1);
    if (!last || rows.length < namedListsPerRead) break;
    from = last.index + 1;
  }
  if (lists !== imp.chunkCount) throw new Error(`Import ${imp.id}: ${lists} of ${imp.chunkCount} chunks are applied.`);
  return named;
}

/**
 * A sync's final step, once all its lines are applied: deactivates every active user an import
 * created before the sync started that no line of its file named, never a user made by hand nor
 * the one who started it; a dry run only records whom it would deactivate. Goes through the
 * candidates by id, a page per batch, from where the import's resume point stands, so it carries
 * on across deliveries and a page is never applied twice; the last page completes the import. Returns "continues" when the time budget ran out,
 * "cancelling" when it was asked to stop, else "done".
 */
export async function finishSync(
  db: Db,
  imp: Import,
  deadline: number,
  pageUsers = syncPageUsers,
): Promise<{ state: "done" | "continues" | "cancelling"; rowsWritten: number }> {
  const named = await readNamedUsers(db, imp);
  const starter = imp.startedBy ?? imp.uploadedBy;
  const createdBefore = imp.startedAt ?? imp.createdAt;
  let afterId = imp.syncAfterId;
  let rowsWritten = 0;
  for (;;) {
    if (Date.now() >= deadline) return { state: "continues", rowsWritten };
    await yieldBetweenChunks();
    const candidates = await listSyncCandidates(db, {
      afterId,
      exceptUserId: starter,
      createdBefore,
      limit: pageUsers,
    });
    const last = candidates.length < pageUsers;
    const nextAfterId = candidates.at(-1)?.id ?? afterId;
    const applied = await applySyncPage(db, {
      importId: imp.id,
      importSeq: imp.seq,
      afterId,
      nextAfterId,
      userIds: candidates.filter((c) => !named.has(c.id)).map((c) => c.id),
      last,
      at: Date.now(),
      dryRun: imp.dryRun,
    });
    // Moved on meanwhile: another delivery applied this page, and carries on from there.
    if (applied === null) return { state: "done", rowsWritten };
    rowsWritten += applied.rowsWritten;
    if (last) return { state: "done", rowsWritten };
    if (applied.status === "cancelling") return { state: "cancelling", rowsWritten };
    afterId = nextAfterId;
  }
}
