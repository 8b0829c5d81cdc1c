import { Hono } from "hono";
import { requireToken, requireViewUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import { listRoles } from "../db/roles";
import { attachment, xlsxType } from "../http/csv-attachment";
import { templateDownload } from "../http/template-download";
import { templateXlsx } from "../imports/template-xlsx";
import { importsApi } from "./imports";
import { locationsApi } from "./locations";
import { openApiDocument } from "./openapi";
import { usersApi } from "./users";

export const api = new Hono<AppEnv>();

api.get("/openapi.json", (c) => c.json(openApiDocument()));
api.get("/template.csv", () => templateDownload());
api.get("/template.xlsx", (c) => c.body(templateXlsx(), 200, attachment("users-template.xlsx", xlsxType)));

api.use(requireToken, requireViewUsers);
api.route("/imports", importsApi);
api.route("/users", usersApi);
api.route("/locations", locationsApi);
api.get("/roles", async (c) => {
  const roles = await listRoles(c.var.db);
  return c.json({ roles: roles.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: r.permissions })) });
});
