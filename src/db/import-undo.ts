import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql } from "drizzle-orm";
import { bulkShape, type RowOf } from "./bulk-rows";
import type { Db } from "./client";
import {
  chunkOutcomes,
  importChunks,
  imports,
  undoableStatuses,
  undoNotes,
  userChanges,
  users,
  type ImportChunk,
  type ImportStatus,
  type PackedChange,
  type UndoKept,
  type UserStatus,
} from "./schema";
import { rowsOf, statement } from "./statements";
import { endAccessStatements } from "./sync-deactivations";

/** Why an undo cannot start, beyond the import's status. */
export type UndoRefusal = "dry_run" | "purged" | "not_recorded";

/**
 * Moves a completed or cancelled import to undoing, noting who asked and the status it had; an
 * undo that stopped part-way resumes from its resume point. Returns the status afterwards:
 * `undoing` when it is (or already was) being undone, otherwise the status that kept it from
 * being, with `refusal` when the status would have allowed it; null when there is no such import.
 */
export async function requestImportUndo(
  db: Db,
  id: string,
  by: number,
  now: Date,
): Promise<{ status: ImportStatus; refusal?: UndoRefusal } | null> {
  // Each applied chunk must have kept its outcomes: a chunk applied before they were kept
  // per chunk, or purged by retention, leaves the undo no way to find its lines.
  const recorded = sql`(SELECT count(*) FROM ${chunkOutcomes} WHERE ${chunkOutcomes.importSeq} = ${imports.seq}) = ${imports.nextChunk}`;
  const [asked] = await db
    .update(imports)
    .set({
      status: "undoing",
      undoFrom: sql`${imports.status}`,
      undoBy: by,
      undoStartedAt: sql`coalesce(${imports.undoStartedAt}, ${now.getTime()})`,
      progressAt: now,
      error: null,
    })
    .where(
      and(
        eq(imports.id, id),
        // A dry run wrote no user: there is nothing to take back.
        eq(imports.dryRun, false),
        inArray(imports.status, [...undoableStatuses]),
        sql`${imports.purgedAt} IS NULL`,
        recorded,
      ),
    )
    .returning({ status: imports.status });
  if (asked) return { status: asked.status };
  const [row] = await db
    .select({
      status: imports.status,
      dryRun: imports.dryRun,
      purgedAt: imports.purgedAt,
      recorded: sql<number>`${recorded}`,
    })
    .from(imports)
    .where(eq(imports.id, id));
  if (!row) return null;
  if (row.dryRun) return { status: row.status, refusal: "dry_run" };
  const undoable = (undoableStatuses as readonly ImportStatus[]).includes(row.status);
  if (!undoable) return { status: row.status };
  return { status: row.status, refusal: row.purgedAt !== null ? "purged" : "not_recorded" };
}

/** An applied chunk's plan with its lines' outcomes, as the undo walks them. */
export type UndoChunk = ImportChunk & { outcomes: string };

/** The applied chunks an undo still has to take back, last first: those below `before`. */
export async function listUndoChunks(db: Db, imp: { id: string; seq: number }, before: number): Promise<UndoChunk[]> {
  return db
    .select({ ...getTableColumns(importChunks), outcomes: chunkOutcomes.outcomes })
    .from(importChunks)
    .innerJoin(chunkOutcomes, and(eq(chunkOutcomes.importSeq, imp.seq), eq(chunkOutcomes.index, importChunks.index)))
    .where(and(eq(importChunks.importId, imp.id), lt(importChunks.index, before)))
    .orderBy(desc(importChunks.index));
}

/** A user as the undo reads them: the fields an import changes, by name, and when they last changed. */
export type UndoUser = {
  id: number;
  employee_key: string;
  first_name: string;
  last_name: string;
  email: string;
  email_key: string;
  location_id: number | null;
  location: string | null;
  role_id: number;
  role: string;
  status: UserStatus;
  updated_at: number;
};

/** A change kept in user_changes, as the undo reads it. */
export type UndoChangeRow = {
  user_id: number;
  at: number;
  source: string;
  import_seq: number;
  line: number;
  changes: string;
};

const json = (values: unknown[]) => JSON.stringify([...new Set(values)]);

/**
 * Reads, in one round trip, the users a chunk's lines name by employee key and every change to
 * them from `since` on (a range of each user's key in user_changes), and which of them Roster
 * must keep because other rows point at them (imports they uploaded, started or undid; webhooks
 * they created).
 */
export async function readUndoUsers(
  db: Db,
  employeeKeys: string[],
  since: number,
): Promise<{ users: UndoUser[]; changes: UndoChangeRow[]; inUse: Set<number> }> {
  const keys = json(employeeKeys);
  const ids = sql`SELECT id FROM users WHERE employee_key IN (SELECT value FROM json_each(${keys}))`;
  const [found, changes, inUse] = await db.$client.batch([
    statement(
      db,
      sql`SELECT u.id, u.employee_key, u.first_name, u.last_name, u.email, u.email_key, u.location_id,
        l.name AS location, u.role_id, r.name AS role, u.status, u.updated_at
      FROM users u LEFT JOIN locations l ON l.id = u.location_id JOIN roles r ON r.id = u.role_id
      WHERE u.employee_key IN (SELECT value FROM json_each(${keys}))`,
    ),
    statement(
      db,
      sql`SELECT user_id, at, source, import_seq, line, changes FROM user_changes
      WHERE user_id IN (${ids}) AND at >= ${since} ORDER BY user_id, at, source, import_seq, line`,
    ),
    statement(
      db,
      sql`SELECT uploaded_by AS id FROM imports WHERE uploaded_by IN (${ids})
      UNION SELECT started_by FROM imports WHERE started_by IN (${ids})
      UNION SELECT undo_by FROM imports WHERE undo_by IN (${ids})
      UNION SELECT created_by FROM webhook_endpoints WHERE created_by IN (${ids})`,
    ),
  ]);
  return {
    users: rowsOf<UndoUser>(found),
    changes: rowsOf<UndoChangeRow>(changes),
    inUse: new Set(rowsOf<{ id: number }>(inUse).map((r) => r.id)),
  };
}

/**
 * What earlier values need to be put back: the ids of locations and roles by their name keys
 * (a location's name is one of its keys), the users who hold these email keys now, and for each
 * user a sync's line reactivated, the latest sync before it that deactivated them (that sync's
 * undo reactivates them again, so the user must be its own once more).
 */
export async function readRestoreTargets(
  db: Db,
  keys: { locations: string[]; roles: string[]; emails: string[]; reactivated: number[] },
  importSeq: number,
): Promise<{
  locations: Map<string, number>;
  roles: Map<string, number>;
  emailHolders: Map<string, number>;
  earlierSyncs: Map<number, number>;
}> {
  const [locations, roles, holders, syncs] = await db.$client.batch([
    statement(
      db,
      sql`SELECT key, location_id AS id FROM location_keys WHERE kind = 'name'
      AND key IN (SELECT value FROM json_each(${json(keys.locations)}))`,
    ),
    statement(
      db,
      sql`SELECT name_key AS key, id FROM roles WHERE name_key IN (SELECT value FROM json_each(${json(keys.roles)}))`,
    ),
    statement(
      db,
      sql`SELECT email_key AS key, id FROM users WHERE email_key IN (SELECT value FROM json_each(${json(keys.emails)}))`,
    ),
    // Leavers only, so a scan of the table is small; most chunks ask for no user at all. A dry
    // run of a sync lists whom it would deactivate there too, and deactivated no one.
    statement(
      db,
      sql`SELECT user_id, max(import_seq) AS import_seq FROM sync_deactivations
      WHERE import_seq < ${importSeq} AND user_id IN (SELECT value FROM json_each(${json(keys.reactivated)}))
        AND import_seq IN (SELECT seq FROM imports WHERE NOT dry_run)
      GROUP BY user_id`,
    ),
  ]);
  const mapOf = (result: D1Result | undefined) =>
    new Map(rowsOf<{ key: string; id: number }>(result).map((r) => [r.key, r.id]));
  return {
    locations: mapOf(locations),
    roles: mapOf(roles),
    emailHolders: mapOf(holders),
    earlierSyncs: new Map(rowsOf<{ user_id: number; import_seq: number }>(syncs).map((r) => [r.user_id, r.import_seq])),
  };
}

/** A user put back as they were, whole, with what changed for their history. */
export const restoreWrite = bulkShape({
  id: users.id,
  firstName: users.firstName,
  lastName: users.lastName,
  nameKey: users.nameKey,
  email: users.email,
  emailKey: users.emailKey,
  locationId: users.locationId,
  roleId: users.roleId,
});
export type RestoreWrite = RowOf<typeof restoreWrite>;

const historyWrite = bulkShape({ userId: userChanges.userId, line: userChanges.line, changes: userChanges.changes });
const noteWrite = bulkShape({
  line: undoNotes.line,
  employeeNumber: undoNotes.employeeNumber,
  kept: undoNotes.kept,
});

/** Everything one chunk's undo writes. */
export type UndoChunkWrite = {
  importId: string;
  importSeq: number;
  /** The resume point this chunk's undo starts from: the import's undo_chunks. */
  undoChunks: number;
  isLast: boolean;
  rowCount: number;
  /** Every user the undo removes or restores, as last read: none may have changed since. */
  touched: { id: number; updatedAt: number }[];
  removed: number[];
  /** Restores in the order they must run, in statements: one whose email another frees comes after it. */
  restores: RestoreWrite[][];
  /** Users a sync's line reactivated, deactivated again, each as the earlier sync's. */
  deactivations: { id: number; bySync: number }[];
  history: { userId: number; line: number; changes: PackedChange[] }[];
  notes: { line: number; employeeNumber: string; kept: UndoKept[] }[];
  restoredCount: number;
  at: number;
};

const rowsWrittenOf = (results: D1Result[]) => results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);

/**
 * Writes one chunk's undo in one D1 batch, which is one transaction. The first statement moves
 * the resume point on, and sets it to null (which the column refuses, rolling the whole batch
 * back) unless the import is still undoing at this chunk and every user it touches is as it was
 * read: a chunk is undone once, by one message, from what it saw. Removals go before restores, so
 * an email a removed user held is free for the user who had it before. Returns the rows written.
 */
export async function writeUndoChunk(db: Db, w: UndoChunkWrite): Promise<number> {
  const touched = JSON.stringify(w.touched.map((t) => [t.id, t.updatedAt]));
  const guard = sql`undo_chunks = ${w.undoChunks} AND status = 'undoing'
    AND (SELECT count(*) FROM users u JOIN json_each(${touched}) j ON u.id = j.value->>0 AND u.updated_at = j.value->>1) = ${w.touched.length}`;
  const results = await db.$client.batch([
    statement(
      db,
      sql`UPDATE imports SET
        undo_chunks = CASE WHEN ${guard} THEN undo_chunks + 1 END,
        undo_rows = undo_rows + ${w.rowCount},
        undo_removed = undo_removed + ${w.removed.length},
        undo_restored = undo_restored + ${w.restoredCount},
        undo_kept = undo_kept + ${w.notes.length},
        status = ${w.isLast ? sql`'undone'` : sql`status`},
        undo_finished_at = ${w.isLast ? w.at : null},
        progress_at = ${w.at}, error = NULL
      WHERE id = ${w.importId}`,
    ),
    ...(w.removed.length
      ? [statement(db, sql`DELETE FROM users WHERE id IN (SELECT value FROM json_each(${JSON.stringify(w.removed)}))`)]
      : []),
    ...w.restores.flatMap((wave) =>
      restoreWrite.encode(wave).map((rows) =>
        statement(
          db,
          sql`UPDATE users SET first_name = ${restoreWrite.value("firstName")}, last_name = ${restoreWrite.value("lastName")},
            name_key = ${restoreWrite.value("nameKey")}, email = ${restoreWrite.value("email")},
            email_key = ${restoreWrite.value("emailKey")}, location_id = ${restoreWrite.value("locationId")},
            role_id = ${restoreWrite.value("roleId")}, updated_at = ${w.at}
          FROM json_each(${rows}) j WHERE users.id = ${restoreWrite.value("id")}`,
        ),
      ),
    ),
    ...(w.deactivations.length ? deactivationStatements(db, w.deactivations, w.at) : []),
    ...historyWrite.encode(w.history).map((rows) =>
      statement(
        db,
        sql`INSERT INTO user_changes (user_id, at, source, import_seq, line, changes)
        SELECT ${historyWrite.value("userId")}, ${w.at}, 'undo', ${w.importSeq}, ${historyWrite.value("line")},
          ${historyWrite.value("changes")} FROM json_each(${rows}) j`,
      ),
    ),
    ...noteWrite
      .encode(w.notes)
      .map((rows) =>
        statement(
          db,
          sql`INSERT INTO undo_notes (import_seq, ${noteWrite.names}) SELECT ${w.importSeq}, ${noteWrite.values} FROM json_each(${rows}) j`,
        ),
      ),
  ]);
  return rowsWrittenOf(results);
}

/**
 * Deactivates users again, as the given syncs', ending their sessions and voiding their waiting
 * account link, as deactivation does.
 */
function deactivationStatements(db: Db, deactivations: { id: number; bySync: number }[], at: number) {
  const rows = JSON.stringify(deactivations.map((d) => [d.id, d.bySync]));
  const ids = sql`SELECT j.value->>0 FROM json_each(${rows}) j`;
  return [
    statement(
      db,
      sql`UPDATE users SET status = 'deactivated', deactivated_by_sync = j.value->>1, updated_at = ${at}
      FROM json_each(${rows}) j WHERE users.id = j.value->>0`,
    ),
    ...endAccessStatements(db, ids, at),
  ];
}

/** Ends an undo with nothing (left) to take back: an import that reached no chunk, or all taken back. */
export async function markImportUndone(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(imports)
    .set({ status: "undone", undoFinishedAt: now, progressAt: now })
    .where(and(eq(imports.id, id), eq(imports.status, "undoing")));
}

/**
 * Stops an undo that cannot go on: the import returns to the status it had, with the reason, and
 * keeps its resume point, so undoing it again carries on where this one stopped.
 */
export async function markUndoStopped(db: Db, id: string, reason: string, now: Date): Promise<void> {
  await db
    .update(imports)
    .set({ status: sql`coalesce(${imports.undoFrom}, 'completed')`, error: reason, progressAt: now })
    .where(and(eq(imports.id, id), eq(imports.status, "undoing")));
}

/** A line the undo kept whole or in part, and why. */
export type UndoNote = { line: number; employeeNumber: string; kept: UndoKept[] };

/** An undone import's kept lines in line order, `limit` at a time after line `cursor`. */
export async function listUndoNotes(
  db: Db,
  importSeq: number,
  page: { limit: number; cursor?: number },
): Promise<{ notes: UndoNote[]; nextCursor: number | null }> {
  const rows = await db
    .select({ line: undoNotes.line, employeeNumber: undoNotes.employeeNumber, kept: undoNotes.kept })
    .from(undoNotes)
    .where(
      and(eq(undoNotes.importSeq, importSeq), page.cursor === undefined ? undefined : gt(undoNotes.line, page.cursor)),
    )
    .orderBy(asc(undoNotes.line))
    .limit(page.limit + 1);
  const notes = rows.slice(0, page.limit);
  const last = notes.at(-1);
  return { notes, nextCursor: rows.length > page.limit && last ? last.line : null };
}
