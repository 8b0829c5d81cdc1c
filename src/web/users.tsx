import type { Context } from "hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireManageUsers, requireViewUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { canGiveRole, canManageUsers, isSelf, roleChangeRefusal } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import { findImport, listImports } from "../db/imports";
import type { Db } from "../db/client";
import { listKeyCollisions } from "../db/key-rebuilds";
import { findLocation, listLocations } from "../db/locations";
import { findRole, listRoles } from "../db/roles";
import { isTimeZone } from "../day-bounds";
import { listUserHistory } from "../db/user-changes";
import { changeUser, countUsers, findUser, listUsers, type UserView } from "../db/users";
import { decodeHistoryCursor, encodeHistoryCursor } from "../api/cursor";
import { csvAttachment } from "../http/csv-attachment";
import { usersCsv } from "../http/users-csv";
import { queryString } from "./format";
import { layout } from "./layout";
import type { UserHistoryProps } from "./user-history-view";
import { UserPage, type UserPageProps } from "./user-view";
import { userHref, UserListPage, type UserFilters } from "./users-view";
import type { WebEnv } from "./web-env";
import { positiveInt } from "./query";
import { accountLinkKinds, userStatuses, type UserStatus } from "../db/schema";
import { changeUserStatus } from "../auth/user-status";
import { issueAccountLink, type IssuedLink } from "../auth/account-links";
import { findPendingLink } from "../db/account-links";

export const usersApp = new Hono<WebEnv>();

usersApp.use(requireSession, verifyCsrf, layout, requireViewUsers);

const usersPerPage = 50;
/** The imports offered in the filter: enough to find a recent one; older ones link here from their report. */
const importChoices = 50;

/** The All Users filters a query string gives; what is not valid is left out. */
function readFilters(query: (name: string) => string | undefined): UserFilters {
  const day = query("imported_on") ?? "";
  const tz = query("tz") ?? "";
  return {
    q: (query("q") ?? "").trim().slice(0, 200),
    importedOn: /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : "",
    // The page script sends the reader's time zone, so a day means the day their times show.
    timeZone: isTimeZone(tz) ? tz : "",
    importId: (query("import") ?? "").trim(),
    locationId: positiveInt(query("location")),
    roleId: positiveInt(query("role")),
    status: userStatuses.find((s) => s === query("status")),
  };
}

/** The filters as the users query takes them. */
const userFilter = (filters: UserFilters) => ({
  q: filters.q || undefined,
  importedOn: filters.importedOn || undefined,
  timeZone: filters.timeZone || undefined,
  importId: filters.importId || undefined,
  locationId: filters.locationId,
  roleId: filters.roleId,
  status: filters.status,
});

/** The users the page's filters find, as a CSV download: the Export button. */
export const usersExportApp = new Hono<WebEnv>();
usersExportApp.get("/users.csv", requireSession, requireViewUsers, (c) => {
  const body = usersCsv(c.var.db, userFilter(readFilters((name) => c.req.query(name))));
  return c.body(body, 200, csvAttachment(`roster-users-${new Date().toISOString().slice(0, 10)}.csv`));
});

usersApp.get("/", async (c) => {
  const filters = readFilters((name) => c.req.query(name));
  const after = c.req.query("after") || undefined;
  const before = after ? undefined : c.req.query("before") || undefined;
  const db = c.var.db;
  const filter = userFilter(filters);
  const [page, total, locations, roles, recent, collisions] = await Promise.all([
    listUsers(db, { ...filter, limit: usersPerPage, cursor: after, before }),
    countUsers(db, filter),
    listLocations(db),
    listRoles(db),
    listImports(db, { limit: importChoices }),
    listKeyCollisions(db, "user"),
  ]);
  // A dry run changed no user, so it is no import to filter users by.
  const imports = recent.imports.filter((i) => !i.dryRun);
  if (filters.importId && !imports.some((i) => i.id === filters.importId)) {
    const chosen = await findImport(db, filters.importId);
    if (chosen) imports.push(chosen);
  }
  const params = {
    q: filters.q,
    imported_on: filters.importedOn,
    tz: filters.importedOn ? filters.timeZone : "",
    import: filters.importId,
    location: filters.locationId,
    role: filters.roleId,
    status: filters.status,
  };
  return c.render(
    <UserListPage
      users={page.users}
      total={total}
      filters={filters}
      locations={locations}
      roles={roles}
      imports={imports}
      exportHref={`/users.csv${queryString(params)}`}
      next={page.nextCursor ? `/users${queryString({ ...params, after: page.nextCursor })}` : null}
      previous={page.previousCursor ? `/users${queryString({ ...params, before: page.previousCursor })}` : null}
      first={page.previousCursor ? `/users${queryString(params)}` : null}
      collisions={collisions}
    />,
    { title: "All Users" },
  );
});

type UserForm = UserPageProps["form"];

const formOf = (user: UserView): UserForm => ({
  roleId: user.roleId,
  locationId: user.locationId,
  roleLocked: user.roleLocked,
  locationLocked: user.locationLocked,
});

async function requireUser(db: Db, employeeNumber: string): Promise<UserView> {
  const user = await findUser(db, employeeNumber);
  if (!user) throw new HTTPException(404, { message: "There is no user with this employee number." });
  return user;
}

/** The user's page, with the role and locks form holding `form`: the user's own values, or what was sent. */
const historyPerPage = 20;

/** A page of the user's history, from the page's `history_after` cursor on. */
async function userHistoryOf(c: Context<WebEnv>, user: UserView): Promise<UserHistoryProps> {
  const after = c.req.query("history_after");
  const page = await listUserHistory(c.var.db, user.id, {
    limit: historyPerPage,
    cursor: after === undefined ? undefined : decodeHistoryCursor(after),
  });
  const base = userHref(user.employeeNumber);
  return {
    entries: page.entries,
    olderHref:
      page.nextCursor === null
        ? null
        : `${base}${queryString({ history_after: encodeHistoryCursor(page.nextCursor) })}#history-heading`,
    paged: after !== undefined,
    firstHref: `${base}#history-heading`,
  };
}

async function renderUserPage(
  c: Context<WebEnv>,
  user: UserView,
  form: UserForm,
  notice: { saved?: boolean; statusSaved?: UserStatus; error?: string; link?: IssuedLink } = {},
) {
  const db = c.var.db;
  // A user no import has changed since it created them names the same import twice: read it once.
  const createdBy = user.createdImportId ? await findImport(db, user.createdImportId) : null;
  const lastImportedBy =
    user.lastImportId === user.createdImportId
      ? createdBy
      : user.lastImportId
        ? await findImport(db, user.lastImportId)
        : null;
  const canManage = canManageUsers(c.var.viewer);
  const [roles, locations] = canManage ? await Promise.all([listRoles(db), listLocations(db)]) : [[], []];
  const history = await userHistoryOf(c, user);
  const pendingLink = canManage ? await findPendingLink(db, user.id, new Date()) : null;
  return c.render(
    <UserPage
      user={user}
      createdBy={createdBy}
      lastImportedBy={lastImportedBy}
      canManage={canManage}
      isViewer={isSelf(c.var.viewer, user)}
      roles={roles.filter((r) => canGiveRole(c.var.viewer, r) || r.id === form.roleId)}
      locations={locations}
      csrfToken={c.var.csrfToken}
      form={form}
      saved={notice.saved ?? false}
      statusSaved={notice.statusSaved}
      error={notice.error}
      history={history}
      pendingLink={pendingLink}
      issuedLink={notice.link}
    />,
    { title: `${user.firstName} ${user.lastName}` },
  );
}

usersApp.get("/:employeeNumber", async (c) => {
  const user = await requireUser(c.var.db, c.req.param("employeeNumber"));
  return renderUserPage(c, user, formOf(user), {
    saved: c.req.query("saved") === "1",
    statusSaved: userStatuses.find((s) => s === c.req.query("status_saved")),
  });
});

usersApp.post("/:employeeNumber/status", requireManageUsers, async (c) => {
  const user = await requireUser(c.var.db, c.req.param("employeeNumber"));
  const body = await c.req.parseBody();
  const status = userStatuses.find((s) => s === body.status);
  if (!status) {
    c.status(422);
    return renderUserPage(c, user, formOf(user), {
      error: "Use the Deactivate or Reactivate button on the user's page.",
    });
  }
  const refused = await changeUserStatus(c.var.db, c.var.viewer, user, status);
  if (refused) {
    c.status(refused.status);
    return renderUserPage(c, user, formOf(user), { error: refused.message });
  }
  return c.redirect(`${userHref(user.employeeNumber)}?status_saved=${status}`, 303);
});

// Rendered, not redirected: the link is shown this once, and must not travel in an address.
usersApp.post("/:employeeNumber/link", requireManageUsers, async (c) => {
  const user = await requireUser(c.var.db, c.req.param("employeeNumber"));
  const body = await c.req.parseBody();
  const kind = accountLinkKinds.find((k) => k === body.kind);
  if (!kind) {
    c.status(422);
    return renderUserPage(c, user, formOf(user), { error: "Use the link button on the user's page." });
  }
  const issued = await issueAccountLink(c.var.db, c.env, new URL(c.req.url).origin, c.var.viewer, user, kind);
  if ("refused" in issued) {
    c.status(issued.refused.status);
    return renderUserPage(c, user, formOf(user), { error: issued.refused.message });
  }
  return renderUserPage(c, user, formOf(user), { link: issued.link });
});

/** The form's location: null for "No location", undefined when it names no location there is. */
async function chosenLocation(db: Db, value: unknown): Promise<{ id: number } | null | undefined> {
  if (value === "") return null;
  const id = typeof value === "string" ? positiveInt(value) : undefined;
  return id === undefined ? undefined : ((await findLocation(db, id)) ?? undefined);
}

// One form holds the role, the location and their locks, so saving one never drops another.
// A refusal shows the page again with what was chosen, and says what to change.
usersApp.post("/:employeeNumber", requireManageUsers, async (c) => {
  const user = await requireUser(c.var.db, c.req.param("employeeNumber"));
  const body = await c.req.parseBody();
  const roleId = typeof body.role_id === "string" ? positiveInt(body.role_id) : undefined;
  const role = roleId === undefined ? null : await findRole(c.var.db, roleId);
  const location = await chosenLocation(c.var.db, body.location_id);
  const form: UserForm = {
    roleId: role?.id ?? user.roleId,
    locationId: location === undefined ? user.locationId : (location?.id ?? null),
    roleLocked: body.role_locked === "on",
    locationLocked: body.location_locked === "on",
  };
  const refuse = (status: 403 | 422, error: string) => {
    c.status(status);
    return renderUserPage(c, user, form, { error });
  };
  if (!role || location === undefined)
    return refuse(422, "Choose the role and the location from the lists on the user's page.");
  // Keeping a role the viewer could not give is no change of role: the locks may still be saved.
  const refusal = role.id === user.roleId ? null : roleChangeRefusal(c.var.viewer, user, role);
  if (refusal) return refuse(403, refusal);
  await changeUser(c.var.db, user.employeeNumber, form, c.var.viewer.id);
  return c.redirect(`${userHref(user.employeeNumber)}?saved=1`, 303);
});
