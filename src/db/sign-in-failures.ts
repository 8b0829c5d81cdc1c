import { and, count, eq, gte, lt } from "drizzle-orm";
import type { Db } from "./client";
import { toKey } from "./keys";
import { signInFailures } from "./schema";

/** How many wrong passwords a username may take in the window before sign-in pauses for it. */
const maxFailures = 10;
export const failureWindowMs = 15 * 60_000;

/** Whether a username has had too many failed sign-ins lately to try again now. */
export async function isSignInPaused(db: Db, username: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(signInFailures)
    .where(and(eq(signInFailures.usernameKey, toKey(username)), gte(signInFailures.failedAt, new Date(now.getTime() - failureWindowMs))));
  return (row?.n ?? 0) >= maxFailures;
}

/** Notes a failed sign-in for a username, known or not, so guessing either is slowed alike. */
export async function recordSignInFailure(db: Db, username: string, now: Date): Promise<void> {
  await db.insert(signInFailures).values({ usernameKey: toKey(username), failedAt: now });
}

/** Forgets a username's failures after it signs in. */
export async function clearSignInFailures(db: Db, username: string): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.usernameKey, toKey(username)));
}

/** Drops failures older than the window; the scheduled job runs it. */
export async function purgeSignInFailures(db: Db, now: Date): Promise<void> {
  await db.delete(signInFailures).where(lt(signInFailures.failedAt, new Date(now.getTime() - failureWindowMs)));
}
