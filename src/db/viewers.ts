import { and, eq, gt, isNull } from "drizzle-orm";
import type { Viewer } from "../auth/permissions";
import type { Importer } from "../imports/check-row";
import type { Db } from "./client";
import { apiTokens, roles, sessions, users, type UserStatus } from "./schema";

const viewerColumns = {
  id: users.id,
  employeeNumber: users.employeeNumber,
  firstName: users.firstName,
  lastName: users.lastName,
  roleName: roles.name,
  permissions: roles.permissions,
};

/**
 * The user behind an API token's hash, if the token exists and is not revoked, with whether the
 * user is active: a deactivated user's token is refused, and works again if they are reactivated.
 * With when the token was last used, so a request writes that only when it is stale.
 */
export async function findViewerByTokenHash(
  db: Db,
  tokenHash: string,
): Promise<(Viewer & { tokenId: number; status: UserStatus; tokenLastUsedAt: Date | null }) | null> {
  const [row] = await db
    .select({ ...viewerColumns, tokenId: apiTokens.id, status: users.status, tokenLastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return row ?? null;
}

/**
 * The user behind a session id's hash, if the session is live and the user active, with the
 * session's CSRF token. Deactivating ends a user's sessions; the status is checked here as well,
 * so that no session outlives it.
 */
export async function findViewerBySessionHash(
  db: Db,
  idHash: string,
  now: Date,
): Promise<(Viewer & { csrfToken: string }) | null> {
  const [row] = await db
    .select({ ...viewerColumns, csrfToken: sessions.csrfToken })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(
      and(
        eq(sessions.idHash, idHash),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        eq(users.status, "active"),
      ),
    )
    .limit(1);
  return row ?? null;
}

/**
 * The user an import acts for, by id: their key and their role's permissions, or null. A
 * deactivated user has no permissions, so their running import gives no role that has any.
 */
export async function findImporter(db: Db, userId: number): Promise<Importer | null> {
  const [row] = await db
    .select({ employeeKey: users.employeeKey, permissions: roles.permissions, status: users.status })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(users.id, userId))
    .limit(1);
  if (!row) return null;
  return { employeeKey: row.employeeKey, permissions: row.status === "active" ? row.permissions : [] };
}
