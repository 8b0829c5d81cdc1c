import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../context";
import { AppError } from "../errors";
import { isTouchDue, touchApiToken } from "../db/tokens";
import { findViewerByTokenHash } from "../db/viewers";
import { canManageUsers, canViewUsers, type Viewer } from "./permissions";
import { hashSecret } from "./secrets";

/** The token an `Authorization: Bearer <token>` header carries, if it carries one. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1] ?? null;
}

/** API authentication: `Authorization: Bearer <token>`, or 401. */
export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) {
    throw new HTTPException(401, { message: "Send an API token as `Authorization: Bearer <token>`." });
  }
  const viewer = await findViewerByTokenHash(c.var.db, c.get("tokenHash") ?? (await hashSecret(token)));
  if (!viewer) throw new HTTPException(401, { message: "This API token is not valid or has been revoked." });
  const { tokenId, status, tokenLastUsedAt, ...rest } = viewer;
  if (status !== "active") {
    throw new AppError(
      403,
      "account_deactivated",
      `This token's user (${viewer.employeeNumber}) is deactivated. Ask an admin to reactivate them, or use another user's token.`,
    );
  }
  c.set("viewer", rest);
  c.set("tokenId", tokenId);
  // A poll every second must not cost a D1 statement each: the lookup says whether it is due.
  const now = new Date();
  if (isTouchDue(tokenLastUsedAt, now)) c.executionCtx.waitUntil(touchApiToken(c.var.db, tokenId, now));
  await next();
});

/** 403 unless the viewer may see users and imports (admin access). */
export const requireViewUsers = createMiddleware<AppEnv>(async (c, next) => {
  if (!canViewUsers(c.var.viewer)) throw forbidden(c.var.viewer, "admin access");
  await next();
});

/** 403 unless the viewer may import and change users (admin access and manage users). */
export const requireManageUsers = createMiddleware<AppEnv>(async (c, next) => {
  if (!canManageUsers(c.var.viewer)) throw forbidden(c.var.viewer, "admin access and the manage-users permission");
  await next();
});

function forbidden(viewer: Viewer, needs: string) {
  return new HTTPException(403, {
    message: `Your role (${viewer.roleName}) does not allow this: it needs ${needs}. Ask an admin to change your role.`,
  });
}
