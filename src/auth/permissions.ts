import { toKey } from "../db/keys";

/** The signed-in person, as every page and endpoint sees them. */
export type Viewer = {
  id: number;
  employeeNumber: string;
  firstName: string;
  lastName: string;
  roleName: string;
  permissions: string[];
};

/** Seeing users and imports needs admin access. */
export function canViewUsers(viewer: Viewer): boolean {
  return viewer.permissions.includes("admin_access");
}

/** What a person may do follows from their role's permissions. */
type Permitted = Pick<Viewer, "permissions">;

/**
 * Importing and changing users needs both admin access and the manage-users permission. Said of a
 * role, it is what the system must always keep one active user with, so that admins are never
 * locked out.
 */
export function canManageUsers(viewer: Permitted): boolean {
  return viewer.permissions.includes("admin_access") && viewer.permissions.includes("manage_users");
}

/** A role may be given only by someone whose own permissions include all of the role's. */
export function canGiveRole(viewer: Permitted, role: { permissions: string[] }): boolean {
  return role.permissions.every((p) => viewer.permissions.includes(p));
}

/** The permissions that make someone an admin: a role gaining either is worth a second look. */
export const adminPermissions = ["admin_access", "manage_users"] as const;

/** Whether a user's page or record is the viewer's own. */
export function isSelf(viewer: Viewer, user: { employeeNumber: string }): boolean {
  return toKey(user.employeeNumber) === toKey(viewer.employeeNumber);
}

/**
 * Why the viewer may not give `role` to `user` by hand, or null when they may. Nobody changes
 * their own role: not to lose their access by mistake, nor to raise it.
 */
export function roleChangeRefusal(
  viewer: Viewer,
  user: { employeeNumber: string; roleId: number },
  role: { id: number; name: string; permissions: string[] },
): string | null {
  if (!canGiveRole(viewer, role)) return `Your role cannot give the ${role.name} role: it allows more than yours does.`;
  if (isSelf(viewer, user) && role.id !== user.roleId) {
    return "You cannot change your own role. Ask another admin.";
  }
  return null;
}

/** The ids of the roles that can import users (canManageUsers). */
export function importerRoleIds(roles: { id: number; permissions: string[] }[]): number[] {
  return roles.filter(canManageUsers).map((r) => r.id);
}

/**
 * Why the viewer may not deactivate or reactivate `user` by hand, or null when they may: the
 * rules of roles. Nobody changes their own status, nor that of a user whose role allows more than
 * their own.
 */
export function statusChangeRefusal(
  viewer: Viewer,
  user: { employeeNumber: string },
  role: { name: string; permissions: string[] },
): string | null {
  if (isSelf(viewer, user)) return "You cannot deactivate or reactivate your own account. Ask another admin.";
  if (!canGiveRole(viewer, role)) {
    return `Your role cannot change the status of a user with the ${role.name} role: it allows more than yours does.`;
  }
  return null;
}
