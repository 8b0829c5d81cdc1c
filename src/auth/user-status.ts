import type { Db } from "../db/client";
import { listRoles } from "../db/roles";
import type { UserStatus } from "../db/schema";
import { setUserStatus, type UserView } from "../db/users";
import { importerRoleIds, statusChangeRefusal, type Viewer } from "./permissions";

/** Why a status change was refused: 403 for the viewer's rights, 409 for the last admin. */
export type StatusRefusal = { status: 403 | 409; code: "forbidden" | "last_admin"; message: string };

/**
 * Deactivates or reactivates a user for the viewer, on the user page and in the API alike;
 * returns why not, or null once done (setting the status a user already has changes nothing).
 */
export async function changeUserStatus(
  db: Db,
  viewer: Viewer,
  user: UserView,
  status: UserStatus,
): Promise<StatusRefusal | null> {
  if (status === user.status) return null;
  const roles = await listRoles(db);
  const role = roles.find((r) => r.id === user.roleId);
  if (!role) throw new Error(`User ${user.employeeNumber} has a role that does not exist.`);
  const refusal = statusChangeRefusal(viewer, user, role);
  if (refusal) return { status: 403, code: "forbidden", message: refusal };
  const outcome = await setUserStatus(db, user.id, status, importerRoleIds(roles), new Date(), viewer.id);
  if (outcome === "last_admin") {
    return {
      status: 409,
      code: "last_admin",
      message: `${user.employeeNumber} is the last active user who can import users. Give another user a role with admin access and manage users first.`,
    };
  }
  return null;
}
