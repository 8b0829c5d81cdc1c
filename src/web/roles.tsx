import { Hono } from "hono";
import { requireViewUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { requireSession } from "../auth/sessions";
import { listRoles } from "../db/roles";
import { layout } from "./layout";
import { RolesPage } from "./roles-view";
import type { WebEnv } from "./web-env";

export const rolesApp = new Hono<WebEnv>();

rolesApp.use(requireSession, verifyCsrf, layout, requireViewUsers);

rolesApp.get("/", async (c) => c.render(<RolesPage roles={await listRoles(c.var.db)} />, { title: "Roles" }));
