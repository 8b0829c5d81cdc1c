import { Hono } from "hono";
import { requireManageUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import { changeUser, findUser, listUsers } from "../db/users";
import { AppError } from "../errors";
import { presentUser } from "./present";
import { employeeParam, userLocks, usersQuery } from "./schemas";
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
    cursor: q.cursor,
  });
  return c.json({ users: page.users.map(presentUser), next_cursor: page.nextCursor });
});

usersApi.get("/:employee_number", validate("param", employeeParam), async (c) => {
  const found = await findUser(c.var.db, c.req.valid("param").employee_number);
  if (!found) throw new AppError(404, "not_found", "There is no user with this employee number.");
  return c.json(presentUser(found));
});

usersApi.patch("/:employee_number", requireManageUsers, validate("param", employeeParam), validate("json", userLocks), async (c) => {
  const { employee_number } = c.req.valid("param");
  const locks = c.req.valid("json");
  const done = await changeUser(c.var.db, employee_number, { roleLocked: locks.role_locked, locationLocked: locks.location_locked });
  if (!done) throw new AppError(404, "not_found", "There is no user with this employee number.");
  const found = await findUser(c.var.db, employee_number);
  if (!found) throw new AppError(404, "not_found", "There is no user with this employee number.");
  return c.json(presentUser(found));
});
