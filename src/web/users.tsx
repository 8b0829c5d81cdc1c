import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireManageUsers, requireViewUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { canGiveRole, canManageUsers, isSelf, roleChangeRefusal } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import { findImport, listImports } from "../db/imports";
import type { Db } from "../db/client";
import { findLocation, listLocations } from "../db/locations";
import { findRole, listRoles } from "../db/roles";
import { changeUser, findUser, listUsers } from "../db/users";
import { csvAttachment } from "../http/csv-attachment";
import { usersCsv } from "../http/users-csv";
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

/** The All Users filters a query string gives; what is not valid is left out. */
function readFilters(query: (name: string) => string | undefined): UserFilters {
  const day = query("imported_on") ?? "";
  return {
    q: (query("q") ?? "").trim().slice(0, 200),
    importedOn: /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : "",
    importId: (query("import") ?? "").trim(),
    locationId: positiveInt(query("location")),
    roleId: positiveInt(query("role")),
  };
}

/** The filters as the users query takes them. */
const userFilter = (filters: UserFilters) => ({
  q: filters.q || undefined,
  importedOn: filters.importedOn || undefined,
  importId: filters.importId || undefined,
  locationId: filters.locationId,
  roleId: filters.roleId,
});

/** The users the page's filters find, as a CSV download: the Export button. */
export const usersExportApp = new Hono<WebEnv>();
usersExportApp.get("/users.csv", requireSession, requireViewUsers, (c) => {
  const body = usersCsv(c.var.db, userFilter(readFilters((name) => c.req.query(name))));
  return c.body(body, 200, csvAttachment(`roster-users-${new Date().toISOString().slice(0, 10)}.csv`));
});

usersApp.get("/", async (c) => {
  const filters = readFilters((name) => c.req.query(name));
  const after = c.req.query("after");
  const db = c.var.db;
  const [page, locations, roles, recent] = await Promise.all([
    listUsers(db, { ...userFilter(filters), limit: usersPerPage, cursor: after || undefined }),
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
      exportHref={`/users.csv${queryString(params)}`}
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
  const canManage = canManageUsers(c.var.viewer);
  const [roles, locations] = canManage ? await Promise.all([listRoles(c.var.db), listLocations(c.var.db)]) : [[], []];
  const saved = c.req.query("saved");
  return c.render(
    <UserPage
      user={user}
      createdBy={createdBy}
      lastImportedBy={lastImportedBy}
      canManage={canManage}
      isViewer={isSelf(c.var.viewer, user)}
      roles={roles.filter((r) => canGiveRole(c.var.viewer, r))}
      locations={locations}
      csrfToken={c.var.csrfToken}
      saved={saved === "1" ? "locks" : saved === "assignment" ? "assignment" : null}
    />,
    { title: `${user.firstName} ${user.lastName}` },
  );
});

/** The form's location: null for "No location", undefined when it names no location there is. */
async function chosenLocation(db: Db, value: unknown): Promise<{ id: number } | null | undefined> {
  if (value === "") return null;
  const id = typeof value === "string" ? positiveInt(value) : undefined;
  return id === undefined ? undefined : ((await findLocation(db, id)) ?? undefined);
}

usersApp.post("/:employeeNumber/assignment", requireManageUsers, async (c) => {
  const employeeNumber = c.req.param("employeeNumber");
  const user = await findUser(c.var.db, employeeNumber);
  if (!user) throw new HTTPException(404, { message: "There is no user with this employee number." });
  const body = await c.req.parseBody();
  const roleId = typeof body.role_id === "string" ? positiveInt(body.role_id) : undefined;
  const role = roleId === undefined ? null : await findRole(c.var.db, roleId);
  const location = await chosenLocation(c.var.db, body.location_id);
  if (!role || location === undefined) {
    throw new HTTPException(422, { message: "Choose the role and the location from the lists on the user's page." });
  }
  const refusal = roleChangeRefusal(c.var.viewer, user, role);
  if (refusal) throw new HTTPException(403, { message: refusal });
  await changeUser(c.var.db, employeeNumber, { roleId: role.id, locationId: location?.id ?? null });
  return c.redirect(`${userHref(employeeNumber)}?saved=assignment`, 303);
});

usersApp.post("/:employeeNumber/locks", requireManageUsers, async (c) => {
  const employeeNumber = c.req.param("employeeNumber");
  const body = await c.req.parseBody();
  const found = await changeUser(c.var.db, employeeNumber, {
    roleLocked: body.role_locked === "on",
    locationLocked: body.location_locked === "on",
  });
  if (!found) throw new HTTPException(404, { message: "There is no user with this employee number." });
  return c.redirect(`${userHref(employeeNumber)}?saved=1`, 303);
});
