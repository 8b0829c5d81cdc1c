import { and, asc, count, eq, gt, isNotNull, lt, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { chunkOutcomes, locations, roles, syncDeactivations, users, type ImportStatus } from "./schema";
import { packChanges } from "./user-changes";
import { rowsOf, statement } from "./statements";

/** The named-users lists of an import's chunks from `fromIndex` on, `limit` at a time. */
export async function listNamedUsers(
  db: Db,
  importSeq: number,
  fromIndex: number,
  limit: number,
): Promise<{ index: number; namedUsers: string | null }[]> {
  return db
    .select({ index: chunkOutcomes.index, namedUsers: chunkOutcomes.namedUsers })
    .from(chunkOutcomes)
    .where(and(eq(chunkOutcomes.importSeq, importSeq), sql`${chunkOutcomes.index} >= ${fromIndex}`))
    .orderBy(asc(chunkOutcomes.index))
    .limit(limit);
}

/**
 * Who a sync may deactivate: active users an import created (never one made by hand), other
 * than the user who started it (an import never changes its own starter's status).
 */
function candidateFilter(exceptUserId: number, createdBefore?: Date): SQL | undefined {
  return and(
    eq(users.status, "active"),
    isNotNull(users.createdImportId),
    ne(users.id, exceptUserId),
    createdBefore === undefined ? undefined : lt(users.createdAt, createdBefore),
  );
}

/**
 * The next `limit` candidates of a sync after user id `afterId`, in id order, with their
 * employee keys. With `createdBefore` (the sync's start), users created since are left out: the
 * file could not have named them.
 */
export async function listSyncCandidates(
  db: Db,
  page: { afterId: number; exceptUserId: number; createdBefore?: Date; limit: number },
): Promise<{ id: number; employeeKey: string }[]> {
  return db
    .select({ id: users.id, employeeKey: users.employeeKey })
    .from(users)
    .where(and(gt(users.id, page.afterId), candidateFilter(page.exceptUserId, page.createdBefore)))
    .orderBy(asc(users.id))
    .limit(page.limit);
}

/** How many users are active: the guardrail's threshold is a share of them. */
export async function countActiveUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.status, "active"));
  return row?.n ?? 0;
}

const deactivation = JSON.stringify(packChanges([{ field: "status", from: "active", to: "deactivated" }]));

/**
 * What deactivating users ends besides their status, for the users `ids` selects: their sessions,
 * and the account link they had waiting, which must not work again should they come back.
 */
export function endAccessStatements(db: Db, ids: SQL, at: number) {
  return [
    statement(db, sql`UPDATE sessions SET revoked_at = ${at} WHERE user_id IN (${ids}) AND revoked_at IS NULL`),
    statement(db, sql`DELETE FROM account_links WHERE user_id IN (${ids})`),
  ];
}

/**
 * Applies one page of a sync's final step in one batch: deactivates `userIds` (those still
 * active), ending their sessions and voiding their waiting account link, keeping a history entry
 * (the import's, line 0) and a sync_deactivations row for each, and moves the import's resume point from `afterId` to
 * `nextAfterId`; with `last`, completes the import. A dry run's page keeps only the
 * sync_deactivations rows, the users it would deactivate, and changes no user. The first
 * statement refuses the whole batch (null into a NOT NULL column) unless the import still stands
 * at `afterId`, so a page applied twice, by a retried or doubled message, changes nothing.
 * Returns the import's status after, or null when the page was refused.
 */
export async function applySyncPage(
  db: Db,
  page: {
    importId: string;
    importSeq: number;
    afterId: number;
    nextAfterId: number;
    userIds: number[];
    last: boolean;
    at: number;
    dryRun?: boolean;
  },
): Promise<{ status: ImportStatus; rowsWritten: number } | null> {
  const { importId, importSeq: seq, at } = page;
  const ids = JSON.stringify(page.userIds);
  const mine = sql`SELECT user_id FROM sync_deactivations WHERE import_seq = ${seq}
    AND user_id IN (SELECT value FROM json_each(${ids}))`;
  const recording = statement(
    db,
    sql`INSERT INTO sync_deactivations (import_seq, user_id)
    SELECT ${seq}, u.id FROM json_each(${ids}) j JOIN users u ON u.id = j.value WHERE u.status = 'active'`,
  );
  const deactivating =
    page.userIds.length === 0
      ? []
      : page.dryRun
        ? [recording]
        : [
            recording,
            statement(
              db,
              sql`UPDATE users SET status = 'deactivated', deactivated_by_sync = ${seq}, updated_at = ${at}
            WHERE id IN (${mine}) AND status = 'active'`,
            ),
            statement(
              db,
              sql`INSERT INTO user_changes (user_id, at, source, import_seq, line, changes)
            SELECT user_id, ${at}, 'import', ${seq}, 0, ${deactivation} FROM (${mine})`,
            ),
            ...endAccessStatements(db, mine, at),
          ];
  try {
    const results = await db.$client.batch([
      statement(
        db,
        sql`UPDATE imports SET sync_after_id = CASE WHEN sync_after_id = ${page.afterId}
          AND status IN ('processing', 'cancelling') THEN ${page.nextAfterId} END WHERE id = ${importId}`,
      ),
      ...deactivating,
      statement(
        db,
        sql`UPDATE imports SET
          deactivated = deactivated + ${page.userIds.length === 0 ? 0 : sql`(SELECT count(*) FROM (${mine}))`},
          progress_at = ${at}, error = NULL
          ${page.last ? sql`, status = 'completed', finished_at = ${at}` : sql``}
        WHERE id = ${importId} RETURNING status`,
      ),
    ]);
    const [row] = rowsOf<{ status: ImportStatus }>(results[results.length - 1]);
    if (!row) return null;
    return { status: row.status, rowsWritten: results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0) };
  } catch (err) {
    if (err instanceof Error && /NOT NULL constraint failed: imports\.sync_after_id/.test(err.message)) return null;
    throw err;
  }
}

/** Rows of a dry run's list deleted per statement: a wrong file's list may name every user. */
const forgetPerStatement = 20_000;

/**
 * Forgets whom a dry run of a sync found it would deactivate, when it ends before its final step
 * is done (cancelled or failed): a part of the list would read as the whole. Its count goes first,
 * so a list not yet all deleted is not reported; then the list, a bounded delete at a time. A real
 * import's deactivations stand, so only a dry run's rows go.
 */
export async function forgetDryRunDeactivations(db: Db, importId: string): Promise<number> {
  const dryRun = sql`(SELECT seq FROM imports WHERE id = ${importId} AND dry_run = 1)`;
  const counted = await db.$client.batch([
    statement(db, sql`UPDATE imports SET deactivated = 0 WHERE id = ${importId} AND dry_run = 1 AND deactivated > 0`),
  ]);
  let rowsWritten = counted.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
  for (;;) {
    const [deleted] = await db.$client.batch([
      statement(
        db,
        sql`DELETE FROM sync_deactivations WHERE import_seq = ${dryRun} AND user_id IN
          (SELECT user_id FROM sync_deactivations WHERE import_seq = ${dryRun} LIMIT ${forgetPerStatement})`,
      ),
    ]);
    rowsWritten += deleted?.meta.rows_written ?? 0;
    if ((deleted?.meta.changes ?? 0) < forgetPerStatement) return rowsWritten;
  }
}

/** A user a sync deactivated, as its report lists them. */
export type DeactivatedUser = {
  id: number;
  employeeNumber: string;
  firstName: string;
  lastName: string;
  email: string;
  location: string | null;
  role: string;
  status: "active" | "deactivated";
};

/** The users a sync deactivated, in id order, `limit` at a time after user id `afterId`. */
export async function listSyncDeactivations(
  db: Db,
  importSeq: number,
  page: { afterId: number; limit: number },
): Promise<DeactivatedUser[]> {
  return db
    .select({
      id: users.id,
      employeeNumber: users.employeeNumber,
      firstName: users.firstName,
      lastName: users.lastName,
      email: users.email,
      location: locations.name,
      role: roles.name,
      status: users.status,
    })
    .from(syncDeactivations)
    .innerJoin(users, eq(users.id, syncDeactivations.userId))
    .innerJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(locations, eq(locations.id, users.locationId))
    .where(and(eq(syncDeactivations.importSeq, importSeq), gt(syncDeactivations.userId, page.afterId)))
    .orderBy(asc(syncDeactivations.userId))
    .limit(page.limit);
}

const reactivation = JSON.stringify(packChanges([{ field: "status", from: "deactivated", to: "active" }]));

/**
 * One page of an undo giving back what a sync took: reactivates, of the users the sync
 * deactivated after user id `afterId` (`limit` of them, in id order), those it still holds
 * deactivated (nobody changed their status since), each with a history entry of the undo (line 0,
 * as the sync's own), and counts them as restored on the import. A page applied twice changes
 * nothing the second time: a user reactivated is no longer the sync's. Returns the last user id
 * of the page (null when there are no more) and the rows written.
 */
export async function reactivateSyncPage(
  db: Db,
  page: { importId: string; importSeq: number; afterId: number; limit: number; at: number },
): Promise<{ lastUserId: number | null; rowsWritten: number }> {
  const { importSeq: seq, at } = page;
  const listed = await db
    .select({ userId: syncDeactivations.userId })
    .from(syncDeactivations)
    .where(and(eq(syncDeactivations.importSeq, seq), gt(syncDeactivations.userId, page.afterId)))
    .orderBy(asc(syncDeactivations.userId))
    .limit(page.limit);
  if (listed.length === 0) return { lastUserId: null, rowsWritten: 0 };
  const ids = JSON.stringify(listed.map((r) => r.userId));
  // Only while the import is undoing: a delivery still here after the undo stopped changes no one.
  const still = sql`SELECT id FROM users WHERE id IN (SELECT value FROM json_each(${ids}))
    AND status = 'deactivated' AND deactivated_by_sync = ${seq}
    AND EXISTS (SELECT 1 FROM imports WHERE id = ${page.importId} AND status = 'undoing')`;
  const results = await db.$client.batch([
    // Counted first, while the users are still the sync's.
    statement(
      db,
      sql`UPDATE imports SET undo_restored = undo_restored + (SELECT count(*) FROM (${still})), progress_at = ${at}
      WHERE id = ${page.importId} AND status = 'undoing'`,
    ),
    statement(
      db,
      sql`INSERT INTO user_changes (user_id, at, source, import_seq, line, changes)
      SELECT id, ${at}, 'undo', ${seq}, 0, ${reactivation} FROM (${still})`,
    ),
    statement(
      db,
      sql`UPDATE users SET status = 'active', deactivated_by_sync = NULL, updated_at = ${at} WHERE id IN (${still})`,
    ),
  ]);
  return {
    lastUserId: listed.at(-1)?.userId ?? null,
    rowsWritten: results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0),
  };
}
