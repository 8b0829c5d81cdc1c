import { createRoute } from "@hono/zod-openapi";
import { issueAccountLink } from "../auth/account-links";
import { requireManageUsers } from "../auth/bearer";
import { roleChangeRefusal } from "../auth/permissions";
import { changeUserStatus } from "../auth/user-status";
import { findLocation } from "../db/locations";
import { findRole } from "../db/roles";
import { listUserHistory } from "../db/user-changes";
import type { Db } from "../db/client";
import { changeUser, findUser, listUsers, type UserChange, type UserView } from "../db/users";
import { accountLinkKinds, type AccountLinkKind } from "../db/schema";
import { AppError } from "../errors";
import { csvAttachment } from "../http/csv-attachment";
import { usersCsv } from "../http/users-csv";
import { createApiApp } from "./api-app";
import { decodeCursor, decodeHistoryCursor, encodeCursor, encodeHistoryCursor } from "./cursor";
import { presentHistoryEntry, presentUser } from "./present";
import { csvResponse, errorResponse, invalidInput, jsonResponse, tokenResponses } from "./responses";
import {
  accountLink,
  employeeParam,
  historyList,
  pageQuery,
  user,
  userChange,
  userList,
  usersCsvQuery,
  usersQuery,
} from "./schemas";

export const usersApi = createApiApp();
/** GET /api/users.csv, mounted beside /api/users. */
export const usersExportApi = createApiApp();

const userNotFound = { 404: errorResponse("`not_found`: there is no user with this employee number.") };

/** The user with this employee number, or the API's 404. */
async function requireUser(db: Db, employeeNumber: string): Promise<UserView> {
  const found = await findUser(db, employeeNumber);
  if (!found) throw new AppError(404, "not_found", "There is no user with this employee number.");
  return found;
}

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List users in employee-number order, filtered",
  request: { query: usersQuery },
  responses: { 200: jsonResponse("A page of users.", userList), ...invalidInput, ...tokenResponses },
});

usersApi.openapi(list, async (c) => {
  const q = c.req.valid("query");
  const page = await listUsers(c.var.db, {
    importId: q.import_id,
    importedOn: q.imported_on,
    q: q.q,
    locationId: q.location_id,
    roleId: q.role_id,
    status: q.status,
    limit: q.limit,
    cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
  });
  return c.json(
    {
      users: page.users.map(presentUser),
      next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor),
    },
    200,
  );
});

const show = createRoute({
  method: "get",
  path: "/{employee_number}",
  summary: "One user",
  request: { params: employeeParam },
  responses: { 200: jsonResponse("The user.", user), ...invalidInput, ...userNotFound, ...tokenResponses },
});

usersApi.openapi(show, async (c) => {
  return c.json(presentUser(await requireUser(c.var.db, c.req.valid("param").employee_number)), 200);
});

const history = createRoute({
  method: "get",
  path: "/{employee_number}/history",
  summary: "Every change to a user, newest first",
  description:
    "What each import line that created or updated the user changed, and what admins changed by hand (role, location, locks), field by field, old → new.",
  request: { params: employeeParam, query: pageQuery },
  responses: {
    200: jsonResponse("A page of the user's history.", historyList),
    ...invalidInput,
    ...userNotFound,
    ...tokenResponses,
  },
});

usersApi.openapi(history, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const { id } = await requireUser(c.var.db, c.req.valid("param").employee_number);
  const page = await listUserHistory(c.var.db, id, {
    limit,
    cursor: cursor === undefined ? undefined : decodeHistoryCursor(cursor),
  });
  return c.json(
    {
      history: page.entries.map(presentHistoryEntry),
      next_cursor: page.nextCursor === null ? null : encodeHistoryCursor(page.nextCursor),
    },
    200,
  );
});

const change = createRoute({
  method: "patch",
  path: "/{employee_number}",
  summary: "Set a user's role and location by id, the locks that keep them from imports, and their status",
  description:
    "Only roles within the token's own permissions can be given, and never to the token's own user. The same holds for `status`: never the token's own user, nor a user whose role allows more than the token's; deactivating ends the user's sessions and refuses their tokens until they are reactivated.",
  middleware: [requireManageUsers] as const,
  request: { params: employeeParam, body: { required: true, content: { "application/json": { schema: userChange } } } },
  responses: {
    200: jsonResponse("The user as changed.", user),
    ...invalidInput,
    403: errorResponse(
      "`forbidden`: the token's user lacks the permission, or may not give this role (or any role to themselves), or change this user's status (or their own). `account_deactivated`: the token's user is deactivated.",
    ),
    ...userNotFound,
    409: errorResponse(
      "`last_admin`: the user is the last active one who can import users (admin access and manage users), so cannot be deactivated.",
    ),
    415: errorResponse("`unsupported_media_type`: send the body as `application/json`."),
    422: errorResponse("`invalid_input`: there is no role or location with the id given."),
    401: tokenResponses[401],
    429: tokenResponses[429],
    500: tokenResponses[500],
  },
});

usersApi.openapi(change, async (c) => {
  const { employee_number } = c.req.valid("param");
  const body = c.req.valid("json");
  const found = await requireUser(c.var.db, employee_number);
  const change: UserChange = { roleLocked: body.role_locked, locationLocked: body.location_locked };
  if (body.role_id !== undefined) {
    const role = await findRole(c.var.db, body.role_id);
    if (!role)
      throw new AppError(422, "invalid_input", `There is no role with id ${body.role_id}. GET /api/roles lists them.`);
    const refusal = roleChangeRefusal(c.var.viewer, found, role);
    if (refusal) throw new AppError(403, "forbidden", refusal);
    change.roleId = role.id;
  }
  if (body.location_id !== undefined) {
    if (body.location_id !== null && !(await findLocation(c.var.db, body.location_id))) {
      throw new AppError(
        422,
        "invalid_input",
        `There is no location with id ${body.location_id}. GET /api/locations lists them.`,
      );
    }
    change.locationId = body.location_id;
  }
  // The status goes first, the only change that can still be refused: a refusal then saves nothing.
  if (body.status !== undefined) {
    const refused = await changeUserStatus(c.var.db, c.var.viewer, found, body.status);
    if (refused) throw new AppError(refused.status, refused.code, refused.message);
  }
  await changeUser(c.var.db, employee_number, change, c.var.viewer.id);
  return c.json(presentUser(await requireUser(c.var.db, employee_number)), 200);
});

/** The two link routes: the same but for the kind of link, and the 409 that says to use the other. */
function linkRoute(kind: AccountLinkKind) {
  const activation = kind === "activation";
  return createRoute({
    method: "post",
    path: activation ? "/{employee_number}/activation" : "/{employee_number}/password-reset",
    summary: activation
      ? "Make an activation link, with which a user who has no password sets one and signs in"
      : "Make a password reset link, with which a user who has a password sets a new one and signs in",
    description: `Single-use, and valid for ACCOUNT_LINK_DAYS (7 by default). Making a link replaces the user's earlier link of either kind, which stops working. Nothing changes until the link is used; using it sets the password and ends the user's other sessions.${
      activation ? "" : " Their current password keeps working until then."
    } Only for an active user whose role is within the token's own permissions.`,
    middleware: [requireManageUsers] as const,
    request: { params: employeeParam },
    responses: {
      201: jsonResponse("The link, shown once.", accountLink),
      ...invalidInput,
      403: errorResponse(
        "`forbidden`: the token's user lacks the permission, or the user's role allows more than theirs. `account_deactivated`: the token's user is deactivated.",
      ),
      ...userNotFound,
      409: errorResponse(
        activation
          ? "`has_password`: the user has a password already (make a password reset link). `user_deactivated`: the user is deactivated."
          : "`no_password`: the user has no password yet (make an activation link). `user_deactivated`: the user is deactivated.",
      ),
      401: tokenResponses[401],
      429: tokenResponses[429],
      500: tokenResponses[500],
    },
  });
}

for (const kind of accountLinkKinds) {
  usersApi.openapi(linkRoute(kind), async (c) => {
    const found = await requireUser(c.var.db, c.req.valid("param").employee_number);
    const issued = await issueAccountLink(c.var.db, c.env, new URL(c.req.url).origin, c.var.viewer, found, kind);
    if ("refused" in issued) throw new AppError(issued.refused.status, issued.refused.code, issued.refused.message);
    c.header("Cache-Control", "no-store");
    return c.json({ url: issued.link.url, expires_at: issued.link.expiresAt.toISOString() }, 201);
  });
}

const exportCsv = createRoute({
  method: "get",
  path: "/users.csv",
  summary: "Export users as CSV, with the filters of the users list",
  description:
    "The template's columns, then role_locked, location_locked, created_at, updated_at, last_import_id and last_imported_at. Streamed; importing the file again changes nothing.",
  request: { query: usersCsvQuery },
  responses: { 200: csvResponse("The users."), ...invalidInput, ...tokenResponses },
});

usersExportApi.openapi(exportCsv, (c) => {
  const q = c.req.valid("query");
  const body = usersCsv(c.var.db, {
    importId: q.import_id,
    importedOn: q.imported_on,
    q: q.q,
    locationId: q.location_id,
    roleId: q.role_id,
    status: q.status,
  });
  return c.body(body, 200, csvAttachment(`roster-users-${new Date().toISOString().slice(0, 10)}.csv`));
});
