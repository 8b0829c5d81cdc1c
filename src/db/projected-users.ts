import { sql } from "drizzle-orm";
import { bulkShape, type RowOf } from "./bulk-rows";
import type { Db } from "./client";
import type { StoredUser } from "./import-chunks";
import { projectedChanges, projectedUsers, type FieldChange, type PackedChange } from "./schema";
import { rowsOf, statement } from "./statements";
import { unpackChanges } from "./user-changes";

/*
 * A dry run writes no user. Its later chunks still have to read users as an import's would, after
 * its earlier chunks' writes, so each chunk records what it would have written here (projected_users),
 * and the rules read the users through it. The record lives as long as the dry run runs.
 */

/** A user as a dry run's line would have written it. */
export const projectedUser = bulkShape({
  employeeKey: projectedUsers.employeeKey,
  employeeNumber: projectedUsers.employeeNumber,
  firstName: projectedUsers.firstName,
  lastName: projectedUsers.lastName,
  email: projectedUsers.email,
  emailKey: projectedUsers.emailKey,
  locationId: projectedUsers.locationId,
  roleId: projectedUsers.roleId,
  status: projectedUsers.status,
});
export type ProjectedUser = RowOf<typeof projectedUser>;

/** What a dry run's updating line would change, for its report. */
export const projectedChange = bulkShape({ line: projectedChanges.line, changes: projectedChanges.changes });
export type ProjectedChange = RowOf<typeof projectedChange>;

/**
 * The statements that record a dry run chunk's would-be writes, for the chunk's batch: its users,
 * for the chunks after it, and its updating lines' changes, for the report.
 */
export function projectChunkStatements(
  db: Db,
  importSeq: number,
  users: ProjectedUser[],
  changes: ProjectedChange[],
): D1PreparedStatement[] {
  return [
    ...projectedUser.encode(users).map((rows) =>
      statement(
        db,
        sql`INSERT INTO projected_users (import_seq, ${projectedUser.names})
        SELECT ${importSeq}, ${projectedUser.values} FROM json_each(${rows}) j WHERE true
        ON CONFLICT (import_seq, employee_key) DO UPDATE SET ${projectedUser.setFromExcluded([
          "firstName",
          "lastName",
          "email",
          "emailKey",
          "locationId",
          "roleId",
          "status",
        ])}`,
      ),
    ),
    ...projectedChange
      .encode(changes)
      .map((rows) =>
        statement(
          db,
          sql`INSERT INTO projected_changes (import_seq, ${projectedChange.names}) SELECT ${importSeq}, ${projectedChange.values} FROM json_each(${rows}) j`,
        ),
      ),
  ];
}

/** A projected user as read back, with their location's name for messages. */
type ProjectedRow = Omit<StoredUser, "id" | "role_locked" | "location_locked" | "deactivated_by_sync">;

/**
 * The statement reading a dry run's projected users that a chunk's keys name (JSON arrays of
 * keys), by employee key or email, and the projection of every stored user one of its emails
 * names: that user may have given the email up in an earlier chunk.
 */
export function readProjectedUsersStatement(
  db: Db,
  importSeq: number,
  employeeKeys: string,
  emailKeys: string,
): D1PreparedStatement {
  return statement(
    db,
    sql`SELECT p.employee_number, p.employee_key, p.first_name, p.last_name, p.email, p.email_key,
      p.location_id, l.name AS location_name, p.role_id, p.status
    FROM projected_users p LEFT JOIN locations l ON l.id = p.location_id
    WHERE p.import_seq = ${importSeq} AND (
      p.employee_key IN (SELECT value FROM json_each(${employeeKeys}))
      OR p.email_key IN (SELECT value FROM json_each(${emailKeys}))
      OR p.employee_key IN (SELECT employee_key FROM users WHERE email_key IN (SELECT value FROM json_each(${emailKeys}))))`,
  );
}

/**
 * The users a chunk's keys name as they would be after the dry run's earlier chunks: stored users
 * with their projections in place, and the projected users not stored. Locks are the stored
 * user's, as an import never changes them; the status is the projection's, which only a sync's
 * reactivation changes; a created user is active and unlocked.
 */
export function overlayProjectedUsers(
  stored: StoredUser[],
  projected: D1Result | undefined,
  keys: { employeeKeys: string[]; emailKeys: string[] },
): StoredUser[] {
  const byKey = new Map(stored.map((u) => [u.employee_key, u]));
  for (const p of rowsOf<ProjectedRow>(projected)) {
    const s = byKey.get(p.employee_key);
    byKey.set(p.employee_key, {
      ...p,
      // A user only the dry run would create has no id yet: no sync can have deactivated them.
      id: s?.id ?? 0,
      employee_number: s?.employee_number ?? p.employee_number,
      deactivated_by_sync: p.status === "active" ? null : (s?.deactivated_by_sync ?? null),
      role_locked: s?.role_locked ?? 0,
      location_locked: s?.location_locked ?? 0,
    });
  }
  // Only the users the keys name now, as an import's read would find them after the earlier chunks.
  const employees = new Set(keys.employeeKeys);
  const emails = new Set(keys.emailKeys);
  return [...byKey.values()].filter((u) => employees.has(u.employee_key) || emails.has(u.email_key));
}

/**
 * How many active users would hold one of these roles after the dry run's chunks so far (one
 * statement, stopping at atMost, as countActiveUsersWithRoles does).
 */
export async function countProjectedActiveUsersWithRoles(
  db: Db,
  importSeq: number,
  roleIds: number[],
  atMost: number,
): Promise<number> {
  if (roleIds.length === 0) return 0;
  const roles = JSON.stringify(roleIds);
  const [row] = rowsOf<{ n: number }>(
    await statement(
      db,
      sql`SELECT count(*) AS n FROM (
        SELECT 1 FROM users u LEFT JOIN projected_users p ON p.import_seq = ${importSeq} AND p.employee_key = u.employee_key
        WHERE coalesce(p.status, u.status) = 'active' AND coalesce(p.role_id, u.role_id) IN (SELECT value FROM json_each(${roles}))
        UNION ALL
        SELECT 1 FROM projected_users p WHERE p.import_seq = ${importSeq}
        AND p.role_id IN (SELECT value FROM json_each(${roles}))
        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.employee_key = p.employee_key)
        LIMIT ${atMost})`,
    ).run(),
  );
  return row?.n ?? 0;
}

/** The statement that forgets a dry run's projected users, once it has no chunk left to read them. */
export function dropProjectedUsersStatement(db: Db, importSeq: number): D1PreparedStatement {
  return statement(db, sql`DELETE FROM projected_users WHERE import_seq = ${importSeq}`);
}

/** Forgets the projected users of the import with this id, when it ends before its last chunk; a real import has none. */
export async function dropProjectedUsers(db: Db, importId: string): Promise<number> {
  const result = await statement(
    db,
    sql`DELETE FROM projected_users WHERE import_seq = (SELECT seq FROM imports WHERE id = ${importId})`,
  ).run();
  return result.meta.rows_written ?? 0;
}

/** What a dry run's updating lines would change, by line. */
export async function listProjectedChanges(
  db: Db,
  importSeq: number,
  lines: number[],
): Promise<Map<number, FieldChange[]>> {
  const result = await statement(
    db,
    sql`SELECT line, changes FROM projected_changes WHERE import_seq = ${importSeq}
    AND line IN (SELECT value FROM json_each(${JSON.stringify(lines)}))`,
  ).run();
  return new Map(
    rowsOf<{ line: number; changes: string }>(result).map((r) => [
      r.line,
      unpackChanges(JSON.parse(r.changes) as PackedChange[]),
    ]),
  );
}
