import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { bulkShape, type RowOf } from "./bulk-rows";
import { accountLinks, sessions, users, type AccountLinkKind } from "./schema";
import { statement } from "./statements";

const linkWrite = bulkShape({ userId: accountLinks.userId, tokenHash: accountLinks.tokenHash });

/** A link to store: its user and the hash of its secret, never the secret. */
export type AccountLinkRow = RowOf<typeof linkWrite>;

/** What the links made together share. */
export type AccountLinkTerms = { kind: AccountLinkKind; createdBy: number; expiresAt: Date };

/**
 * Stores links, each replacing the link its user had (one live link per user: the newest), in
 * one statement per D1 value's worth of rows.
 */
export async function saveAccountLinks(
  db: Db,
  rows: readonly AccountLinkRow[],
  terms: AccountLinkTerms,
): Promise<void> {
  if (rows.length === 0) return;
  const { kind, createdBy, expiresAt } = terms;
  await db.$client.batch(
    linkWrite.encode(rows).map((json) =>
      statement(
        db,
        // "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the upsert, not to the SELECT.
        sql`INSERT INTO account_links (${linkWrite.names}, kind, created_by, expires_at)
        SELECT ${linkWrite.values}, ${kind}, ${createdBy}, ${expiresAt.getTime()} FROM json_each(${json}) j WHERE true
        ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, kind = excluded.kind,
        created_by = excluded.created_by, expires_at = excluded.expires_at, created_at = unixepoch('subsec') * 1000`,
      ),
    ),
  );
}

/**
 * A link's user while the link can be used: not expired, the user active, and an activation link
 * only while its user still has no password. Used, replaced and unknown links are simply absent.
 */
const usable = (tokenHash: string, now: Date) =>
  and(
    eq(accountLinks.tokenHash, tokenHash),
    gt(accountLinks.expiresAt, now),
    eq(users.status, "active"),
    or(eq(accountLinks.kind, "reset"), isNull(users.passwordHash)),
  );

export type UsableLink = {
  userId: number;
  kind: AccountLinkKind;
  employeeNumber: string;
  firstName: string;
  email: string;
  expiresAt: Date;
};

/** The link with this secret's hash and its user, if it can be used now; one indexed look-up. */
export async function findUsableLink(db: Db, tokenHash: string, now: Date): Promise<UsableLink | null> {
  const [row] = await db
    .select({
      userId: accountLinks.userId,
      kind: accountLinks.kind,
      employeeNumber: users.employeeNumber,
      firstName: users.firstName,
      email: users.email,
      expiresAt: accountLinks.expiresAt,
    })
    .from(accountLinks)
    .innerJoin(users, eq(users.id, accountLinks.userId))
    .where(usable(tokenHash, now))
    .limit(1);
  return row ?? null;
}

/**
 * Uses a link: sets its user's password, ends every session they have and deletes the link, in
 * one batch whose every step requires the link to be usable still, so two requests racing with
 * one link set one password. Returns the user's id, or null when the link was not usable.
 */
export async function useAccountLink(
  db: Db,
  tokenHash: string,
  passwordHash: string,
  now: Date,
): Promise<number | null> {
  const linkUser = db
    .select({ id: accountLinks.userId })
    .from(accountLinks)
    .innerJoin(users, eq(users.id, accountLinks.userId))
    .where(usable(tokenHash, now));
  const [, updated] = await db.batch([
    // First: once the password is set, an activation link no longer finds its user.
    db
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(inArray(sessions.userId, linkUser), isNull(sessions.revokedAt))),
    db.update(users).set({ passwordHash }).where(inArray(users.id, linkUser)).returning({ id: users.id }),
    db.delete(accountLinks).where(eq(accountLinks.tokenHash, tokenHash)),
  ]);
  return updated[0]?.id ?? null;
}

/** The link a user has waiting, without its secret (Roster has only its hash), or null. */
export async function findPendingLink(
  db: Db,
  userId: number,
  now: Date,
): Promise<{ kind: AccountLinkKind; createdAt: Date; expiresAt: Date } | null> {
  const [row] = await db
    .select({ kind: accountLinks.kind, createdAt: accountLinks.createdAt, expiresAt: accountLinks.expiresAt })
    .from(accountLinks)
    .where(and(eq(accountLinks.userId, userId), gt(accountLinks.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** A user who may be sent an activation link for an import: created by it, active, with no password yet. */
export type ActivationCandidate = {
  id: number;
  employeeNumber: string;
  firstName: string;
  lastName: string;
  email: string;
};

/** An import, with the range of user ids its created users have (see imports.createdUsersFrom). */
export type CreatingImport = { id: string; createdUsersFrom: number | null; createdUsersTo: number | null };

/**
 * A page of the active users an import created who still have no password, in id order after
 * `afterId`, with a role among `roleIds`. It reads the table by id within the range of the ids
 * the import gave, so a page costs the rows created while the import ran, however many users
 * Roster holds. An import that ran before the range was recorded is looked for in every user.
 */
export async function listActivationCandidates(
  db: Db,
  imp: CreatingImport,
  roleIds: number[],
  afterId: number,
  limit: number,
): Promise<ActivationCandidate[]> {
  if (roleIds.length === 0) return [];
  // A recorded start and no end: it created no one.
  if (imp.createdUsersFrom !== null && imp.createdUsersTo === null) return [];
  return db
    .select({
      id: users.id,
      employeeNumber: users.employeeNumber,
      firstName: users.firstName,
      lastName: users.lastName,
      email: users.email,
    })
    .from(users)
    .where(
      and(
        eq(users.createdImportId, imp.id),
        gt(users.id, Math.max(afterId, imp.createdUsersFrom ?? 0)),
        imp.createdUsersTo === null ? undefined : lte(users.id, imp.createdUsersTo),
        isNull(users.passwordHash),
        eq(users.status, "active"),
        inArray(users.roleId, roleIds),
      ),
    )
    .orderBy(asc(users.id))
    .limit(limit);
}
