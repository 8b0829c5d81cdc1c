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

/** Importing and changing users needs both admin access and the manage-users permission. */
export function canManageUsers(viewer: Viewer): boolean {
  return viewer.permissions.includes("admin_access") && viewer.permissions.includes("manage_users");
}
