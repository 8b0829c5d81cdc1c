import type { FC } from "hono/jsx";
import type { Role } from "../db/schema";
import { DataTable } from "./components";

/** What each permission lets a person do, in words. */
const permissionWords: Record<string, { name: string; allows: string }> = {
  admin_access: {
    name: "Admin access",
    allows: "See All Users, every import and its report, Locations and Roles.",
  },
  manage_users: {
    name: "Manage users",
    allows:
      "Together with admin access: import users, start and cancel imports, lock a user's role or location, and add or edit locations.",
  },
};

/**
 * What a role allows, from its permissions, which are what the pages and API check. The role's
 * stored description says the same in other words, so the page shows only this one.
 */
function canDo(permissions: string[]): string {
  const admin = permissions.includes("admin_access");
  const manage = permissions.includes("manage_users");
  if (admin && manage)
    return "Sees users and imports, and imports and changes users. Import Users is in their User menu.";
  if (admin) return "Sees users, imports and their reports, but cannot import or change users.";
  return "Uses the platform only: cannot see other users or imports here. May create API tokens, but the API refuses them.";
}

/** Roles: each role and what it allows. */
export const RolesPage: FC<{ roles: Role[] }> = ({ roles }) => (
  <>
    <div class="page-head">
      <h1>Roles</h1>
    </div>
    <p class="lead">
      Every user has one role. An import sets it from the file's role column; a role the system doesn't recognise
      becomes {roles[0]?.name ?? "Standard"}, with a warning in the report.
    </p>
    <DataTable
      caption="What the different roles allow"
      columns={["Role", "Permissions", "What it allows"]}
      rows={roles.map((role) => (
        <tr>
          <th scope="row">{role.name}</th>
          <td>
            {role.permissions.length ? (
              <ul class="messages">
                {role.permissions.map((p) => (
                  <li>{permissionWords[p]?.name ?? p}</li>
                ))}
              </ul>
            ) : (
              <span class="muted">None</span>
            )}
          </td>
          <td>{canDo(role.permissions)}</td>
        </tr>
      ))}
    />
    <section class="card" aria-labelledby="permissions-heading">
      <h2 id="permissions-heading">The permissions</h2>
      <dl class="facts">
        {Object.values(permissionWords).map((p) => (
          <>
            <dt>{p.name}</dt>
            <dd>{p.allows}</dd>
          </>
        ))}
      </dl>
    </section>
  </>
);
