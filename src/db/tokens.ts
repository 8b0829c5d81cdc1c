import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { createSecret, hashSecret } from "../auth/secrets";
import { cleanText } from "../clean-text";
import type { Db } from "./client";
import { apiTokens } from "./schema";

const tokenPrefix = "rst_";

/**
 * Creates an API token for a user; the token is returned once and only its hash is stored.
 * With the `formKey` of the page form that asked for it, the same form sent again (a reload)
 * creates nothing and gives null.
 */
export async function createApiToken(db: Db, userId: number, name: string, formKey?: string): Promise<string | null> {
  const token = createSecret(tokenPrefix);
  const created = await db
    .insert(apiTokens)
    .values({ userId, name: cleanText(name), tokenHash: await hashSecret(token), prefix: token.slice(0, 10), formKey })
    .onConflictDoNothing({ target: apiTokens.formKey })
    .returning({ id: apiTokens.id });
  return created.length ? token : null;
}

/** A user's tokens, newest first, without their secrets. */
export async function listApiTokens(db: Db, userId: number) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.id));
}

/** Revokes one of a user's tokens; false when the user has no such live token. */
export async function revokeApiToken(db: Db, userId: number, tokenId: number): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/** How stale "last used" may be: an integration polling an import should not write on every poll. */
const touchEveryMs = 60_000;

/** Whether a token last used at `lastUsedAt` should be noted as used again at `now`. */
export function isTouchDue(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || lastUsedAt.getTime() < now.getTime() - touchEveryMs;
}

/** Notes when a token was last used, so a person can tell a live integration from a forgotten one. */
export async function touchApiToken(db: Db, tokenId: number, now: Date): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiTokens.id, tokenId),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - touchEveryMs))),
      ),
    );
}
