import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "./client";
import { sessions } from "./schema";

/** Records a new session by the hash of its cookie secret; the secret itself is never stored. */
export async function insertSession(
  db: Db,
  session: { idHash: string; userId: number; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db.insert(sessions).values(session);
}

/** Revokes one live session; false when it was already revoked or never existed. */
export async function revokeSession(db: Db, idHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt)))
    .returning({ idHash: sessions.idHash });
  return rows.length > 0;
}
