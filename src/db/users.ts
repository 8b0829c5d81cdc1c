import { and, asc, count, desc, eq, gt, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { dayBounds } from "../day-bounds";
import type { Db } from "./client";
import { nameKeyOf, toKey } from "./keys";
import { imports, locations, roles, users } from "./schema";

export type UserView = {
  employeeNumber: string;
  firstName: string;
  lastName: string;
  email: string;
  location: string | null;
  locationId: number | null;
  role: string;
  roleId: number;
  roleLocked: boolean;
  locationLocked: boolean;
  createdAt: Date;
  updatedAt: Date;
  createdImportId: string | null;
  lastImportId: string | null;
  lastImportedAt: Date | null;
};

type UserFilter = {
  importId?: string;
  /** A calendar day, YYYY-MM-DD: users created or changed by an import started that day. */
  importedOn?: string;
  /** The IANA time zone whose day `importedOn` means; UTC when absent. */
  timeZone?: string;
  q?: string;
  locationId?: number;
  roleId?: number;
};

type UserPageFilter = UserFilter & {
  limit: number;
  /** The employee key of the last user of the previous page. */
  cursor?: string;
  /** Instead of `cursor`: the employee key of the first user of the next page, to go back. */
  before?: string;
};

const userColumns = {
  employeeKey: users.employeeKey,
  employeeNumber: users.employeeNumber,
  firstName: users.firstName,
  lastName: users.lastName,
  email: users.email,
  location: locations.name,
  locationId: users.locationId,
  role: roles.name,
  roleId: users.roleId,
  roleLocked: users.roleLocked,
  locationLocked: users.locationLocked,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  createdImportId: users.createdImportId,
  lastImportId: users.lastImportId,
  lastImportedAt: users.lastImportedAt,
};

function userConditions(db: Db, filter: UserFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.importId) where.push(eq(users.lastImportId, filter.importId));
  if (filter.importedOn) {
    // Through the day's imports, so the look-up rides the (last_import_id, employee_key) index.
    const { start, end } = dayBounds(filter.importedOn, filter.timeZone);
    where.push(inArray(users.lastImportId, db.select({ id: imports.id }).from(imports).where(and(gte(imports.startedAt, start), lt(imports.startedAt, end)))));
  }
  if (filter.locationId !== undefined) where.push(eq(users.locationId, filter.locationId));
  if (filter.roleId !== undefined) where.push(eq(users.roleId, filter.roleId));
  if (filter.q?.trim()) {
    // Compared as plain text (substr, instr) rather than LIKE: no wildcards to escape, and D1
    // refuses LIKE and GLOB patterns over 50 bytes.
    const q = toKey(filter.q);
    const term = or(
      sql`substr(${users.employeeKey}, 1, length(${q})) = ${q}`,
      sql`substr(${users.emailKey}, 1, length(${q})) = ${q}`,
      sql`instr(${users.nameKey}, ${q}) > 0`,
    );
    if (term) where.push(term);
  }
  return where;
}

/**
 * A page of users in employee-number order, filtered; keyset pagination keeps every page fast,
 * forwards from `cursor` or backwards from `before`. The cursors say where the next and the
 * previous pages start, or null where there is none.
 */
export async function listUsers(
  db: Db,
  filter: UserPageFilter,
): Promise<{ users: UserView[]; nextCursor: string | null; previousCursor: string | null }> {
  const where = userConditions(db, filter);
  const back = !filter.cursor && !!filter.before;
  if (filter.cursor) where.push(gt(users.employeeKey, filter.cursor));
  else if (filter.before) where.push(lt(users.employeeKey, filter.before));
  const rows = await db
    .select(userColumns)
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(locations, eq(locations.id, users.locationId))
    .where(and(...where))
    .orderBy(back ? desc(users.employeeKey) : asc(users.employeeKey))
    .limit(filter.limit + 1);
  const more = rows.length > filter.limit;
  const page = rows.slice(0, filter.limit);
  if (back) page.reverse();
  const first = page[0]?.employeeKey ?? null;
  const last = page.at(-1)?.employeeKey ?? null;
  return {
    users: page.map(({ employeeKey: _key, ...u }) => u),
    // Going back, the page came from one after it; going forward from a cursor, from one before.
    nextCursor: back || more ? last : null,
    previousCursor: back ? (more ? first : null) : filter.cursor ? first : null,
  };
}

/** How many users match the filters, for the count above the list. */
export async function countUsers(db: Db, filter: UserFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(...userConditions(db, filter)));
  return row?.n ?? 0;
}

/** One user by employee number, compared case-insensitively. */
export async function findUser(db: Db, employeeNumber: string): Promise<UserView | null> {
  const [row] = await db
    .select(userColumns)
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(locations, eq(locations.id, users.locationId))
    .where(eq(users.employeeKey, toKey(employeeNumber)))
    .limit(1);
  if (!row) return null;
  const { employeeKey: _key, ...user } = row;
  return user;
}

/** What a person may change on a user by hand: the locks, and the role and location an admin assigns. */
export type UserChange = { roleLocked?: boolean; locationLocked?: boolean; roleId?: number; locationId?: number | null };

/**
 * Changes a user by hand; returns false when there is no such user. Locks keep the role and
 * location from imports, not from this.
 */
export async function changeUser(db: Db, employeeNumber: string, change: UserChange): Promise<boolean> {
  const changed = await db
    .update(users)
    .set({ ...change, updatedAt: new Date() })
    .where(eq(users.employeeKey, toKey(employeeNumber)))
    .returning({ id: users.id });
  return changed.length > 0;
}

/**
 * Which of these employee numbers belong to users, as given: the report links only those. One
 * statement for a page of report lines (at most 100, D1's limit on bound parameters).
 */
export async function findExistingEmployeeNumbers(db: Db, employeeNumbers: string[]): Promise<Set<string>> {
  const byKey = new Map(employeeNumbers.filter(Boolean).map((n) => [toKey(n), n]));
  if (byKey.size === 0) return new Set();
  const rows = await db
    .select({ key: users.employeeKey })
    .from(users)
    .where(inArray(users.employeeKey, [...byKey.keys()].slice(0, 100)));
  return new Set(rows.flatMap(({ key }) => byKey.get(key) ?? []));
}

/** Finds a user for signing in, with the password hash. */
export async function findUserForSignIn(db: Db, employeeNumber: string) {
  const [row] = await db
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.employeeKey, toKey(employeeNumber)))
    .limit(1);
  return row ?? null;
}

/** Name keys remade per statement: one JSON parameter of a few hundred kilobytes at most. */
const nameKeysPerStatement = 1_000;

/**
 * Remakes the name keys flagged stale (see users.nameKeyStale), at most `limit` per call, and
 * returns how many it remade. A user renamed between the read and the write is skipped: the
 * write that renamed it made its key, and the flag brings it back next time.
 */
export async function refreshStaleNameKeys(db: Db, limit: number): Promise<number> {
  let refreshed = 0;
  for (let done = 0; done < limit; ) {
    const stale = await db
      .select({ id: users.id, firstName: users.firstName, lastName: users.lastName })
      .from(users)
      // Written out, not bound, so SQLite can use the partial index on flagged users.
      .where(sql`${users.nameKeyStale} = 1`)
      .orderBy(asc(users.id))
      .limit(Math.min(nameKeysPerStatement, limit - done));
    if (stale.length === 0) break;
    const keys = JSON.stringify(stale.map((u) => [u.id, u.firstName, u.lastName, nameKeyOf(u.firstName, u.lastName)]));
    const result = await db.run(sql`UPDATE users SET name_key = j.value->>3, name_key_stale = 0 FROM json_each(${keys}) j
      WHERE users.id = j.value->>0 AND users.first_name = j.value->>1 AND users.last_name = j.value->>2`);
    refreshed += result.meta.changes ?? 0;
    done += stale.length;
  }
  return refreshed;
}
