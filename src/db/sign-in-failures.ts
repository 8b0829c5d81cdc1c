import { and, count, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { toKey } from "./keys";
import { signInFailures } from "./schema";

/** How many wrong passwords a username may take in the window before sign-in pauses for it. */
const maxFailures = 10;
/**
 * How many wrong passwords one address may give in the window, whatever the usernames: it slows
 * trying one password on many usernames. High enough for an office behind one address.
 */
const maxClientFailures = 50;
export const failureWindowMs = 15 * 60_000;

export type SignInAttempt = { paused: null } | { paused: "username" | "client" };

/**
 * Counts a sign-in attempt before its password is checked, as a failure until it succeeds
 * (clearSignInFailures). Counting first, in one batch with the counts, is what holds the limit
 * against attempts sent all at once: each sees every attempt counted before it. An attempt
 * refused because sign-in is paused is not counted.
 */
export async function beginSignInAttempt(
  db: Db,
  username: string,
  client: string | null,
  now: Date,
): Promise<SignInAttempt> {
  const usernameKey = toKey(username);
  const since = gte(signInFailures.failedAt, new Date(now.getTime() - failureWindowMs));
  const failures = (where: SQL) => db.select({ n: count() }).from(signInFailures).where(and(where, since));
  const [inserted, byUsername, byClient] = await db.batch([
    db.insert(signInFailures).values({ usernameKey, client, failedAt: now }).returning({ id: signInFailures.id }),
    failures(eq(signInFailures.usernameKey, usernameKey)),
    // Without an address there is nothing to count by it.
    failures(client === null ? sql`false` : eq(signInFailures.client, client)),
  ]);
  const over = (rows: { n: number }[], max: number) => (rows[0]?.n ?? 0) > max;
  const paused = over(byUsername, maxFailures) ? "username" : over(byClient, maxClientFailures) ? "client" : null;
  const id = inserted[0]?.id;
  if (paused && id !== undefined) await db.delete(signInFailures).where(eq(signInFailures.id, id));
  return { paused };
}

/** Forgets a username's failures after it signs in. */
export async function clearSignInFailures(db: Db, username: string): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.usernameKey, toKey(username)));
}

/** Drops failures older than the window; the scheduled job runs it. */
export async function purgeSignInFailures(db: Db, now: Date): Promise<void> {
  await db.delete(signInFailures).where(lt(signInFailures.failedAt, new Date(now.getTime() - failureWindowMs)));
}
