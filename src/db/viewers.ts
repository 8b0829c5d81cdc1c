import { and, eq, gt, isNull } from "drizzle-orm";
import type { Viewer } from "../auth/permissions";
import type { Importer } from "../imports/check-row";
import type { Db } from "./client";
import { apiTokens, roles, sessions, users } from "./schema";

const viewerColumns = {
  id: users.id,
  employeeNumber: users.employeeNumber,
  firstName: users.firstName,
  lastName: users.lastName,
  roleName: roles.name,
  permissions: roles.permissions,
};

/** The user behind an API token's hash, if the token exists and is not revoked. */
export async function findViewerByTokenHash(db: Db, tokenHash: string): Promise<(Viewer & { tokenId: number }) | null> {
  const [row] = await db
    .select({ ...viewerColumns, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return row ?? null;
}

/** The user behind a session id's hash, if the session is live, with the session's CSRF token. */
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
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** The user an import acts for, by id: their key and their role's permissions, or null. */
export async function findImporter(db: Db, userId: number): Promise<Importer | null> {
  const [row] = await db
    .select({ employeeKey: users.employeeKey, permissions: roles.permissions })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(users.id, userId))
    .limit(1);
  return row ?? null;
}
