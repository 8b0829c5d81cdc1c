import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  ne,
  notInArray,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import { dayBounds } from "../day-bounds";
import { cleanText } from "../clean-text";
import type { Db } from "./client";
import { legacyKeyOf, nameKeyOf, toKey } from "./keys";
import { accountLinks, imports, locations, roles, sessions, users, type FieldChange, type UserStatus } from "./schema";
import { recordHandChange } from "./user-changes";

export type UserView = {
  id: number;
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
  status: UserStatus;
  /** Whether they have set a password (or were given one by admin:create): they can sign in. */
  hasPassword: boolean;
  createdAt: Date;
  updatedAt: Date;
  createdImportId: string | null;
  lastImportId: string | null;
  lastImportedAt: Date | null;
};

export type UserFilter = {
  importId?: string;
  /** A calendar day, YYYY-MM-DD: users created or changed by an import started that day. */
  importedOn?: string;
  /** The IANA time zone whose day `importedOn` means; UTC when absent. */
  timeZone?: string;
  q?: string;
  locationId?: number;
  roleId?: number;
  status?: UserStatus;
};

type UserPageFilter = UserFilter & {
  limit: number;
  /** The employee key of the last user of the previous page. */
  cursor?: string;
  /** Instead of `cursor`: the employee key of the first user of the next page, to go back. */
  before?: string;
};

const userColumns = {
  id: users.id,
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
  status: users.status,
  hasPassword: sql<boolean>`${users.passwordHash} IS NOT NULL`.mapWith(Boolean),
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
    where.push(
      inArray(
        users.lastImportId,
        db
          .select({ id: imports.id })
          .from(imports)
          .where(and(gte(imports.startedAt, start), lt(imports.startedAt, end))),
      ),
    );
  }
  if (filter.locationId !== undefined) where.push(eq(users.locationId, filter.locationId));
  if (filter.roleId !== undefined) where.push(eq(users.roleId, filter.roleId));
  if (filter.status !== undefined) where.push(eq(users.status, filter.status));
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

/**
 * Which user an employee number names: the user with this key, or with the key as Roster made
 * it before keys folded look-alikes (a user not yet rebuilt, or kept apart by a collision). When
 * both exist, the one whose employee number is exactly this wins, then the one with the key.
 */
function employeeMatch(employeeNumber: string) {
  const key = toKey(employeeNumber);
  const legacy = legacyKeyOf(employeeNumber);
  return {
    where: key === legacy ? eq(users.employeeKey, key) : inArray(users.employeeKey, [key, legacy]),
    order: [desc(sql`${users.employeeNumber} = ${employeeNumber.trim()}`), desc(sql`${users.employeeKey} = ${key}`)],
  };
}

/** One user by employee number, compared as keys are (toKey). */
export async function findUser(db: Db, employeeNumber: string): Promise<UserView | null> {
  const match = employeeMatch(employeeNumber);
  const [row] = await db
    .select(userColumns)
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(locations, eq(locations.id, users.locationId))
    .where(match.where)
    .orderBy(...match.order)
    .limit(1);
  if (!row) return null;
  const { employeeKey: _key, ...user } = row;
  return user;
}

/** What a person may change on a user by hand: the locks, and the role and location an admin assigns. */
export type UserChange = {
  roleLocked?: boolean;
  locationLocked?: boolean;
  roleId?: number;
  locationId?: number | null;
};

/**
 * Changes a user by hand, and keeps what changed in their history under the admin who did it;
 * returns false when there is no such user. Locks keep the role and location from imports, not
 * from this.
 */
export async function changeUser(
  db: Db,
  employeeNumber: string,
  change: UserChange,
  byUserId: number,
): Promise<boolean> {
  const match = employeeMatch(employeeNumber);
  const [before] = await db
    .select({ ...userColumns, id: users.id })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(locations, eq(locations.id, users.locationId))
    .where(match.where)
    .orderBy(...match.order)
    .limit(1);
  if (!before) return false;
  const names = await db
    .select({
      role: roles.name,
      location: sql<string | null>`(SELECT name FROM locations WHERE id = ${change.locationId ?? null})`,
    })
    .from(roles)
    .where(eq(roles.id, change.roleId ?? before.roleId));
  const after = names[0];
  const changes: FieldChange[] = [];
  const note = (field: FieldChange["field"], from: string | null, to: string | null) => {
    if (from !== to) changes.push({ field, from, to });
  };
  if (change.roleId !== undefined) note("role", before.role, after?.role ?? null);
  if (change.locationId !== undefined)
    note("location", before.location, change.locationId === null ? null : (after?.location ?? null));
  if (change.roleLocked !== undefined) note("role_locked", String(before.roleLocked), String(change.roleLocked));
  if (change.locationLocked !== undefined)
    note("location_locked", String(before.locationLocked), String(change.locationLocked));
  const now = new Date();
  const update = db
    .update(users)
    .set({ ...change, updatedAt: now })
    .where(eq(users.id, before.id));
  if (changes.length === 0) {
    await update;
    return true;
  }
  await db.batch([update, recordHandChange(db, before.id, byUserId, changes, now)]);
  return true;
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

/**
 * Finds the one user a username names for signing in, with the password hash: the same user
 * findUser finds, so two users kept apart by a key collision each sign in as themselves.
 */
export async function findUserForSignIn(db: Db, employeeNumber: string) {
  const match = employeeMatch(employeeNumber);
  const [row] = await db
    .select({ id: users.id, passwordHash: users.passwordHash, status: users.status })
    .from(users)
    .where(match.where)
    .orderBy(...match.order)
    .limit(1);
  return row ?? null;
}

/** The id of the user with this employee number (the one findUser finds), or null. */
export async function findUserId(db: Db, employeeNumber: string): Promise<number | null> {
  const match = employeeMatch(employeeNumber);
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(match.where)
    .orderBy(...match.order)
    .limit(1);
  return row?.id ?? null;
}

/** An admin as the command line makes one: the username is the employee number. */
export type AdminFields = {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
};

export type AdminOutcome = { outcome: "created" | "updated" | "kept" } | { outcome: "email_taken"; owner: string };

/**
 * Makes the user with this username an active admin with these details and password, creating
 * the user when the username is new; with `keepExisting`, an existing user is left as it is ("kept"). An
 * email that is another user's changes nothing and names that user ("email_taken").
 */
export async function upsertAdmin(
  db: Db,
  fields: AdminFields,
  options: { keepExisting?: boolean } = {},
): Promise<AdminOutcome> {
  const username = cleanText(fields.username);
  const email = cleanText(fields.email);
  const employeeKey = toKey(username);
  const emailKey = toKey(email);
  const match = employeeMatch(username);
  const [[existing], [owner], [admin]] = await db.batch([
    db
      .select({ id: users.id })
      .from(users)
      .where(match.where)
      .orderBy(...match.order)
      .limit(1),
    db
      .select({ id: users.id, employeeNumber: users.employeeNumber })
      .from(users)
      .where(eq(users.emailKey, emailKey))
      .limit(1),
    db
      .select({ id: roles.id })
      .from(roles)
      .where(eq(roles.nameKey, toKey("Admin")))
      .limit(1),
  ]);
  if (existing && options.keepExisting) return { outcome: "kept" };
  if (owner && owner.id !== existing?.id) return { outcome: "email_taken", owner: owner.employeeNumber };
  if (!admin) throw new Error("The database has no Admin role: its migrations have not all been applied.");
  const firstName = cleanText(fields.firstName);
  const lastName = cleanText(fields.lastName);
  const details = {
    firstName,
    lastName,
    nameKey: nameKeyOf(firstName, lastName),
    email,
    emailKey,
    roleId: admin.id,
    passwordHash: fields.passwordHash,
    // The command line is the way back in, so the admin it makes can sign in.
    status: "active" as const,
  };
  // The user findUser finds, by id: of two users kept apart by a key collision, the one named, never the other.
  if (existing) {
    const now = new Date();
    // A new password ends every session signed in with the old one, and the link that would
    // have set another, in the same batch.
    await db.batch([
      db
        .update(users)
        .set({ ...details, updatedAt: now })
        .where(eq(users.id, existing.id)),
      db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.userId, existing.id), isNull(sessions.revokedAt))),
      db.delete(accountLinks).where(eq(accountLinks.userId, existing.id)),
    ]);
  } else {
    await db
      .insert(users)
      .values({ employeeNumber: username, employeeKey, ...details })
      .onConflictDoUpdate({ target: users.employeeKey, set: { ...details, updatedAt: new Date() } });
  }
  return { outcome: existing ? "updated" : "created" };
}

/** How many active users hold one of these roles (one statement; it reads every user). */
export async function countActiveUsersWithRoles(db: Db, roleIds: number[], atMost: number): Promise<number> {
  if (roleIds.length === 0) return 0;
  // Counting stops at atMost: no role has an index, and a million users are read only when
  // fewer than that hold these roles.
  const holders = db
    .select({ one: sql`1` })
    .from(users)
    .where(and(eq(users.status, "active"), inArray(users.roleId, roleIds)))
    .limit(atMost)
    .as("holders");
  const [row] = await db.select({ n: count() }).from(holders);
  return row?.n ?? 0;
}

/**
 * Deactivates or reactivates a user by hand, and ends a deactivated user's sessions and voids
 * their waiting account link, in one batch. Refuses ("last_admin") to deactivate the last active user holding one of
 * `importerRoleIds`, the roles that can import users: the check is part of the update, so two
 * admins deactivating each other at once cannot both succeed.
 */
export async function setUserStatus(
  db: Db,
  userId: number,
  status: UserStatus,
  importerRoleIds: number[],
  now: Date,
  byUserId: number,
): Promise<"changed" | "last_admin"> {
  const otherImporters = db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.status, "active"), inArray(users.roleId, importerRoleIds), ne(users.id, userId)));
  const keepsAnImporter =
    status === "active" || importerRoleIds.length === 0
      ? sql`true`
      : or(notInArray(users.roleId, importerRoleIds), sql`(${otherImporters}) > 0`);
  const [changed] = await db.batch([
    db
      .update(users)
      // By hand, the decision is the admin's: a later sync does not reactivate them.
      .set({ status, updatedAt: now, deactivatedBySync: null })
      .where(and(eq(users.id, userId), keepsAnImporter))
      .returning({ id: users.id }),
    db
      .update(sessions)
      .set({ revokedAt: now })
      .where(
        and(
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          sql`(SELECT ${users.status} FROM ${users} WHERE ${users.id} = ${userId}) = 'deactivated'`,
        ),
      ),
    // A leaver's waiting link must not work again should they come back: a new one is made then.
    db
      .delete(accountLinks)
      .where(
        and(
          eq(accountLinks.userId, userId),
          sql`(SELECT ${users.status} FROM ${users} WHERE ${users.id} = ${userId}) = 'deactivated'`,
        ),
      ),
    // Kept in the user's history only when the status did change.
    recordHandChange(db, userId, byUserId, [{ field: "status", from: otherStatus(status), to: status }], now, {
      status,
    }),
  ]);
  return changed.length > 0 ? "changed" : "last_admin";
}

const otherStatus = (status: UserStatus): UserStatus => (status === "active" ? "deactivated" : "active");
