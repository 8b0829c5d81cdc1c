import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireManageUsers, requireViewUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { canManageUsers } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import { findImport, listImports } from "../db/imports";
import { listLocations } from "../db/locations";
import { listRoles } from "../db/roles";
import { findUser, listUsers, setUserLocks } from "../db/users";
import { queryString } from "./format";
import { layout } from "./layout";
import { UserPage } from "./user-view";
import { userHref, UserListPage, type UserFilters } from "./users-view";
import type { WebEnv } from "./web-env";
import { positiveInt } from "./query";

export const usersApp = new Hono<WebEnv>();

usersApp.use(requireSession, verifyCsrf, layout, requireViewUsers);

const usersPerPage = 50;
/** The imports offered in the filter: enough to find a recent one; older ones link here from their report. */
const importChoices = 50;

usersApp.get("/", async (c) => {
  const day = c.req.query("imported_on") ?? "";
  const filters: UserFilters = {
    q: (c.req.query("q") ?? "").trim().slice(0, 200),
    importedOn: /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : "",
    importId: (c.req.query("import") ?? "").trim(),
    locationId: positiveInt(c.req.query("location")),
    roleId: positiveInt(c.req.query("role")),
  };
  const after = c.req.query("after");
  const db = c.var.db;
  const [page, locations, roles, recent] = await Promise.all([
    listUsers(db, {
      q: filters.q || undefined,
      importedOn: filters.importedOn || undefined,
      importId: filters.importId || undefined,
      locationId: filters.locationId,
      roleId: filters.roleId,
      limit: usersPerPage,
      cursor: after || undefined,
    }),
    listLocations(db),
    listRoles(db),
    listImports(db, { limit: importChoices }),
  ]);
  const imports = recent.imports;
  if (filters.importId && !imports.some((i) => i.id === filters.importId)) {
    const chosen = await findImport(db, filters.importId);
    if (chosen) imports.push(chosen);
  }
  const params = {
    q: filters.q,
    imported_on: filters.importedOn,
    import: filters.importId,
    location: filters.locationId,
    role: filters.roleId,
  };
  return c.render(
    <UserListPage
      users={page.users}
      filters={filters}
      locations={locations}
      roles={roles}
      imports={imports}
      next={page.nextCursor ? `/users${queryString({ ...params, after: page.nextCursor })}` : null}
      first={after ? `/users${queryString(params)}` : null}
    />,
    { title: "All Users" },
  );
});

usersApp.get("/:employeeNumber", async (c) => {
  const user = await findUser(c.var.db, c.req.param("employeeNumber"));
  if (!user) throw new HTTPException(404, { message: "There is no user with this employee number." });
  // A user no import has changed since it created them names the same import twice: read it once.
  const createdBy = user.createdImportId ? await findImport(c.var.db, user.createdImportId) : null;
  const lastImportedBy =
    user.lastImportId === user.createdImportId ? createdBy : user.lastImportId ? await findImport(c.var.db, user.lastImportId) : null;
  return c.render(
    <UserPage
      user={user}
      createdBy={createdBy}
      lastImportedBy={lastImportedBy}
      canManage={canManageUsers(c.var.viewer)}
      csrfToken={c.var.csrfToken}
      saved={c.req.query("saved") === "1"}
    />,
    { title: `${user.firstName} ${user.lastName}` },
  );
});

usersApp.post("/:employeeNumber/locks", requireManageUsers, async (c) => {
  const employeeNumber = c.req.param("employeeNumber");
  const body = await c.req.parseBody();
  const found = await setUserLocks(c.var.db, employeeNumber, {
    roleLocked: body.role_locked === "on",
    locationLocked: body.location_locked === "on",
  });
  if (!found) throw new HTTPException(404, { message: "There is no user with this employee number." });
  return c.redirect(`${userHref(employeeNumber)}?saved=1`, 303);
});
