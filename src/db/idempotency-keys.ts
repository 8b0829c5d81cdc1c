import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "./client";
import { idempotencyKeys, type IdempotencyKey } from "./schema";

/** How long a key keeps its answer. */
export const idempotencyKeyHours = 24;
/** A claim whose upload never finished (its Worker stopped) is given up after this long. */
const abandonedClaimMinutes = 15;

/**
 * Claims a key for this token's upload. Returns null when this call claimed it (the caller now
 * uploads and completes or releases it), or the key as it was already stored. One statement
 * inserts, so of two concurrent requests with one key exactly one claims it.
 */
export async function claimIdempotencyKey(
  db: Db,
  tokenId: number,
  key: string,
  now: Date,
): Promise<IdempotencyKey | null> {
  const expired = new Date(now.getTime() - idempotencyKeyHours * 3_600_000);
  const abandoned = new Date(now.getTime() - abandonedClaimMinutes * 60_000);
  const mine = and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key));
  const [, claimed] = await db.batch([
    db
      .delete(idempotencyKeys)
      .where(
        and(
          mine,
          or(
            lt(idempotencyKeys.createdAt, expired),
            and(isNull(idempotencyKeys.importId), lt(idempotencyKeys.createdAt, abandoned)),
          ),
        ),
      ),
    db
      .insert(idempotencyKeys)
      .values({ tokenId, key, createdAt: now })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key }),
  ]);
  if (claimed.length) return null;
  const [stored] = await db.select().from(idempotencyKeys).where(mine);
  // Gone between the two statements (expired and deleted by another request): claim it again.
  return stored ?? claimIdempotencyKey(db, tokenId, key, now);
}

/** Records the import a claimed key made, with the answer to give its retries. */
export async function completeIdempotencyKey(
  db: Db,
  tokenId: number,
  key: string,
  done: { importId: string; contentHash: string; response: Record<string, unknown> },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set(done)
    .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)));
}

/** Frees a claimed key whose upload was refused: nothing was imported, so a retry starts afresh. */
export async function releaseIdempotencyKey(db: Db, tokenId: number, key: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.importId)));
}

/** Deletes keys past their 24 hours; the scheduled job calls it. */
export async function deleteExpiredIdempotencyKeys(db: Db, now: Date): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - idempotencyKeyHours * 3_600_000)));
}
