import { Hono } from "hono";
import { requireManageUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import { roleChangeRefusal } from "../auth/permissions";
import { findLocation } from "../db/locations";
import { findRole } from "../db/roles";
import { changeUser, findUser, listUsers, type UserChange } from "../db/users";
import { AppError } from "../errors";
import { decodeCursor, encodeCursor } from "./cursor";
import { presentUser } from "./present";
import { employeeParam, userChange, usersQuery } from "./schemas";
import { validate } from "./validate";

export const usersApi = new Hono<AppEnv>();

usersApi.get("/", validate("query", usersQuery), async (c) => {
  const q = c.req.valid("query");
  const page = await listUsers(c.var.db, {
    importId: q.import_id,
    importedOn: q.imported_on,
    q: q.q,
    locationId: q.location_id,
    roleId: q.role_id,
    limit: q.limit,
    cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
  });
  return c.json({ users: page.users.map(presentUser), next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) });
});

usersApi.get("/:employee_number", validate("param", employeeParam), async (c) => {
  const found = await findUser(c.var.db, c.req.valid("param").employee_number);
  if (!found) throw new AppError(404, "not_found", "There is no user with this employee number.");
  return c.json(presentUser(found));
});

usersApi.patch("/:employee_number", requireManageUsers, validate("param", employeeParam), validate("json", userChange), async (c) => {
  const { employee_number } = c.req.valid("param");
  const body = c.req.valid("json");
  const user = await findUser(c.var.db, employee_number);
  if (!user) throw new AppError(404, "not_found", "There is no user with this employee number.");
  const change: UserChange = { roleLocked: body.role_locked, locationLocked: body.location_locked };
  if (body.role_id !== undefined) {
    const role = await findRole(c.var.db, body.role_id);
    if (!role) throw new AppError(422, "invalid_input", `There is no role with id ${body.role_id}. GET /api/roles lists them.`);
    const refusal = roleChangeRefusal(c.var.viewer, user, role);
    if (refusal) throw new AppError(403, "forbidden", refusal);
    change.roleId = role.id;
  }
  if (body.location_id !== undefined) {
    if (body.location_id !== null && !(await findLocation(c.var.db, body.location_id))) {
      throw new AppError(422, "invalid_input", `There is no location with id ${body.location_id}. GET /api/locations lists them.`);
    }
    change.locationId = body.location_id;
  }
  await changeUser(c.var.db, employee_number, change);
  const found = await findUser(c.var.db, employee_number);
  if (!found) throw new AppError(404, "not_found", "There is no user with this employee number.");
  return c.json(presentUser(found));
});
