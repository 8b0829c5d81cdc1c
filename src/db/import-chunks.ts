import { and, asc, eq, gte, sql } from "drizzle-orm";
import { bulkShape, type RowOf } from "./bulk-rows";
import type { Db } from "./client";
import {
  chunkOutcomes,
  finishedStatuses,
  flaggedLines,
  importChunks,
  importKeys,
  userChanges,
  users,
  type ImportChunk,
  type ImportStatus,
  type UserStatus,
} from "./schema";
import {
  dropProjectedUsersStatement,
  overlayProjectedUsers,
  projectChunkStatements,
  readProjectedUsersStatement,
  type ProjectedChange,
} from "./projected-users";
import { rowsOf, statement } from "./statements";

/** A user as an import writes it: created, or updated where the employee key exists. */
export const userWrite = bulkShape({
  employeeNumber: users.employeeNumber,
  employeeKey: users.employeeKey,
  firstName: users.firstName,
  lastName: users.lastName,
  nameKey: users.nameKey,
  email: users.email,
  emailKey: users.emailKey,
  locationId: users.locationId,
  roleId: users.roleId,
  status: users.status,
});
export type UserWrite = RowOf<typeof userWrite>;

/** A line that needs attention, with what a report and a failed-lines file show of it. */
export const flaggedWrite = bulkShape({
  line: flaggedLines.line,
  employeeNumber: flaggedLines.employeeNumber,
  outcome: flaggedLines.outcome,
  hasWarning: flaggedLines.hasWarning,
  messages: flaggedLines.messages,
  values: flaggedLines.values,
});
export type FlaggedWrite = RowOf<typeof flaggedWrite>;

/** What one line changed of its user, who is found by employee key once the users are written. */
export const changeWrite = bulkShape({
  employeeKey: users.employeeKey,
  line: userChanges.line,
  changes: userChanges.changes,
});
export type ChangeWrite = RowOf<typeof changeWrite>;

/** The first line of the file to claim a key that the file holds more than once. */
export const keyClaim = bulkShape({ kind: importKeys.kind, key: importKeys.key, line: importKeys.line });
export type KeyClaim = RowOf<typeof keyClaim>;

/** A stored user as the rules read it, with the name of their location for messages. */
export type StoredUser = {
  id: number;
  employee_number: string;
  employee_key: string;
  first_name: string;
  last_name: string;
  email: string;
  email_key: string;
  location_id: number | null;
  location_name: string | null;
  role_id: number;
  role_locked: number;
  location_locked: number;
  status: UserStatus;
  deactivated_by_sync: number | null;
};

/** The keys one chunk looks up; each list is sent as one JSON parameter. */
export type ChunkLookups = {
  employeeKeys: string[];
  emailKeys: string[];
  locationKeys: string[];
  /** The chunk's keys that the file holds more than once: only they can have been claimed by an earlier line. */
  repeatedEmployeeKeys: string[];
  repeatedEmailKeys: string[];
};

export type ChunkContextRows = {
  users: StoredUser[];
  locations: { key: string; id: number; name: string }[];
  employeeClaims: { key: string; line: number }[];
  emailClaims: { key: string; line: number }[];
};

/** The non-empty keys, each once, as one JSON parameter. */
const distinct = (values: string[]) => JSON.stringify([...new Set(values.filter((v) => v !== ""))]);

/**
 * Reads what the rules need for one chunk in a single round trip: the users its employee
 * numbers and emails name, the locations it mentions, and the earlier lines of this import that
 * claimed its repeated keys. Every query takes one JSON parameter, so any chunk stays within
 * D1's 100 bound parameters.
 */
export async function readChunkContext(
  db: Db,
  importSeq: number,
  lookups: ChunkLookups,
  options: { dryRun?: boolean } = {},
): Promise<ChunkContextRows> {
  const userColumns = sql`u.employee_number, u.employee_key, u.first_name, u.last_name, u.email, u.email_key,
    u.location_id, l.name AS location_name, u.role_id, u.role_locked, u.location_locked, u.status,
    u.id, u.deactivated_by_sync`;
  const claims = (kind: "employee" | "email", keys: string[]) =>
    statement(
      db,
      sql`SELECT key, line FROM import_keys WHERE import_seq = ${importSeq} AND kind = ${kind}
      AND key IN (SELECT value FROM json_each(${distinct(keys)}))`,
    );
  const results = await db.$client.batch([
    // One query for both keys (SQLite's multi-index OR), so a line naming its own user by
    // employee number and email reads that user once, not twice.
    statement(
      db,
      sql`SELECT ${userColumns} FROM users u LEFT JOIN locations l ON l.id = u.location_id
      WHERE u.employee_key IN (SELECT value FROM json_each(${distinct(lookups.employeeKeys)}))
      OR u.email_key IN (SELECT value FROM json_each(${distinct(lookups.emailKeys)}))`,
    ),
    statement(
      db,
      sql`SELECT k.key, l.id, l.name FROM location_keys k
      JOIN locations l ON l.id = k.location_id WHERE k.key IN (SELECT value FROM json_each(${distinct(lookups.locationKeys)}))`,
    ),
    claims("employee", lookups.repeatedEmployeeKeys),
    claims("email", lookups.repeatedEmailKeys),
    ...(options.dryRun
      ? [readProjectedUsersStatement(db, importSeq, distinct(lookups.employeeKeys), distinct(lookups.emailKeys))]
      : []),
  ]);
  const stored = rowsOf<StoredUser>(results[0]);
  return {
    users: options.dryRun ? overlayProjectedUsers(stored, results[4], lookups) : stored,
    locations: rowsOf(results[1]),
    employeeClaims: rowsOf(results[2]),
    emailClaims: rowsOf(results[3]),
  };
}

export type ChunkTally = { created: number; updated: number; unchanged: number; failed: number; warnings: number };

/** Everything one applied chunk writes. */
export type ChunkWrite = {
  importId: string;
  importSeq: number;
  chunkIndex: number;
  /** The file's last chunk. */
  isLast: boolean;
  /** Whether this chunk completes the import: the last, unless a sync's final step follows. */
  completes: boolean;
  rowCount: number;
  tally: ChunkTally;
  /** The chunk's results, encoded (line-outcomes.ts). */
  outcomes: string;
  /** For a sync, the ids of the users its lines name (named-users.ts); else null. */
  namedUsers: string | null;
  flagged: FlaggedWrite[];
  claims: KeyClaim[];
  users: UserWrite[];
  /** What each created or updated line changed, for the users' history. */
  changes: ChangeWrite[];
  at: number;
  /**
   * A dry run's chunk, which writes no user: its users are recorded as projected for the chunks
   * after it, and its updating lines' changes for its report.
   */
  dryRun?: { changes: ProjectedChange[] };
};

/**
 * A write says active for a user the rules reactivate (a sync naming a user an earlier sync
 * deactivated); it takes only if a sync still holds them deactivated, so a hand deactivation made
 * since the chunk was read stands. Only a sync's chunk carries it: another import, which may have
 * read a user active just before a sync running beside it deactivated them, leaves the status as
 * stored. Any other status stays as stored: imports never set it.
 */
const reactivation = sql.raw(`status = CASE WHEN excluded.status = 'active' AND users.deactivated_by_sync IS NOT NULL
            THEN 'active' ELSE users.status END,
          deactivated_by_sync = CASE WHEN excluded.status = 'active' THEN NULL ELSE users.deactivated_by_sync END`);

const rowsWrittenOf = (results: D1Result[]) => results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);

/**
 * Writes one chunk in one D1 batch, which is one transaction: the chunk's outcomes, its flagged
 * lines and key claims, the users, and the import's progress. The outcomes row comes first and is
 * keyed by (import, chunk), so a chunk applied twice fails at once and changes nothing, and
 * refused for an import no longer running at this chunk. Rows go in
 * line order, so a later line may take an email an earlier line gave up; a lock set after the
 * chunk's users were read still holds, because the write itself keeps a locked field. Returns
 * the rows written, as D1 bills them (and how many of them the users' history took), and
 * whether the import was asked to stop meanwhile (a last chunk completes the import all the
 * same: every line was applied).
 */
export async function writeChunk(
  db: Db,
  w: ChunkWrite,
): Promise<{ rowsWritten: number; historyRowsWritten: number; cancelling: boolean }> {
  const { tally, at } = w;
  const changeParts = w.dryRun ? [] : changeWrite.encode(w.changes);
  const changeStatements = changeParts.length;
  const userStatements = w.dryRun
    ? [
        ...projectChunkStatements(db, w.importSeq, w.users, w.dryRun.changes),
        // Its last chunk read them: a dry run keeps no more than an import would.
        ...(w.isLast ? [dropProjectedUsersStatement(db, w.importSeq)] : []),
      ]
    : userWrite.encode(w.users).map((rows) =>
        statement(
          db,
          sql`INSERT INTO users (${userWrite.names}, created_at, updated_at, created_import_id, last_import_id, last_imported_at)
        SELECT ${userWrite.values}, ${at}, ${at}, ${w.importId}, ${w.importId}, ${at} FROM json_each(${rows}) j WHERE true
        ON CONFLICT (employee_key) DO UPDATE SET ${userWrite.setFromExcluded(["firstName", "lastName", "nameKey", "email", "emailKey"])},
          location_id = CASE WHEN users.location_locked THEN users.location_id ELSE excluded.location_id END,
          role_id = CASE WHEN users.role_locked THEN users.role_id ELSE excluded.role_id END,
          ${w.namedUsers === null ? sql`` : sql`${reactivation},`}
          updated_at = excluded.updated_at, last_import_id = excluded.last_import_id, last_imported_at = excluded.last_imported_at`,
        ),
      );
  const results = await db.$client.batch([
    statement(
      db,
      // Null, which the column refuses, rolls the whole batch back when the import is no longer
      // at this chunk or has ended: another message moved or ended it meanwhile.
      sql`INSERT INTO chunk_outcomes (import_seq, idx, named_users, outcomes) VALUES (${w.importSeq}, ${w.chunkIndex}, ${w.namedUsers},
        CASE WHEN EXISTS (SELECT 1 FROM imports WHERE id = ${w.importId} AND next_chunk = ${w.chunkIndex}
          AND status NOT IN (${sql.join(
            [...finishedStatuses, "undoing"].map((s) => sql`${s}`),
            sql`, `,
          )})) THEN ${w.outcomes} END)`,
    ),
    ...flaggedWrite
      .encode(w.flagged)
      .map((rows) =>
        statement(
          db,
          sql`INSERT INTO flagged_lines (import_seq, ${flaggedWrite.names}) SELECT ${w.importSeq}, ${flaggedWrite.values} FROM json_each(${rows}) j`,
        ),
      ),
    ...keyClaim
      .encode(w.claims)
      .map((rows) =>
        statement(
          db,
          sql`INSERT INTO import_keys (import_seq, ${keyClaim.names}) SELECT ${w.importSeq}, ${keyClaim.values} FROM json_each(${rows}) j`,
        ),
      ),
    ...userStatements,
    // After the users, so a created user has the id their change is kept under.
    ...changeParts.map((rows) =>
      statement(
        db,
        sql`INSERT INTO user_changes (user_id, at, source, import_seq, line, changes)
        SELECT u.id, ${at}, 'import', ${w.importSeq}, ${changeWrite.value("line")}, ${changeWrite.value("changes")}
        FROM json_each(${rows}) j JOIN users u ON u.employee_key = ${changeWrite.value("employeeKey")}`,
      ),
    ),
    statement(
      db,
      sql`UPDATE imports SET
        next_chunk = next_chunk + 1,
        processed_rows = processed_rows + ${w.rowCount},
        created = created + ${tally.created}, updated = updated + ${tally.updated}, unchanged = unchanged + ${tally.unchanged},
        failed = failed + ${tally.failed}, warnings = warnings + ${tally.warnings},
        status = ${w.completes ? sql`'completed'` : sql`CASE WHEN status = 'cancelling' THEN 'cancelling' ELSE 'processing' END`},
        finished_at = ${w.completes ? at : null},
        progress_at = ${at}, error = NULL${w.dryRun ? sql`` : sql`, created_users_to = (SELECT max(id) FROM users)`}
      WHERE id = ${w.importId} AND next_chunk = ${w.chunkIndex}
      RETURNING status`,
    ),
  ]);
  const [progress] = rowsOf<{ status: ImportStatus }>(results[results.length - 1]);
  const changesFrom = results.length - 1 - changeStatements;
  return {
    rowsWritten: rowsWrittenOf(results),
    historyRowsWritten: rowsWrittenOf(results.slice(changesFrom, results.length - 1)),
    cancelling: progress?.status === "cancelling",
  };
}

/** The plans of an import's chunks from `from` on, in order, in one read. */
export async function listChunkPlans(db: Db, importId: string, from: number): Promise<ImportChunk[]> {
  return db
    .select()
    .from(importChunks)
    .where(and(eq(importChunks.importId, importId), gte(importChunks.index, from)))
    .orderBy(asc(importChunks.index));
}

/** A chunk's plan with what its lines came to: outcomes null while it is not applied, or applied before outcomes were kept per chunk. */
export type ChunkReport = ImportChunk & { outcomes: string | null };

/** Chunk plans and outcomes of an import, from the chunk holding `afterLine` + 1 on, in order, at most `limit`. */
export async function listChunkReports(
  db: Db,
  importId: string,
  importSeq: number,
  afterLine: number,
  limit: number,
): Promise<ChunkReport[]> {
  const rows = await db
    .select({ chunk: importChunks, outcomes: chunkOutcomes.outcomes })
    .from(importChunks)
    .leftJoin(chunkOutcomes, and(eq(chunkOutcomes.importSeq, importSeq), eq(chunkOutcomes.index, importChunks.index)))
    .where(
      and(
        eq(importChunks.importId, importId),
        // The chunk holding the line after the cursor, and those after it.
        gte(
          importChunks.index,
          sql`coalesce((SELECT max(c.idx) FROM import_chunks c WHERE c.import_id = ${importId} AND c.first_line <= ${afterLine + 1}), 0)`,
        ),
      ),
    )
    .orderBy(asc(importChunks.index))
    .limit(limit);
  return rows.map((r) => ({ ...r.chunk, outcomes: r.outcomes }));
}
