import { Hono } from "hono";
import { requireToken, requireViewUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import { keyRebuildPending, listKeyCollisions } from "../db/key-rebuilds";
import { listRoles } from "../db/roles";
import { templateDownload } from "../http/template-download";
import { importsApi } from "./imports";
import { locationsApi } from "./locations";
import { openApiDocument } from "./openapi";
import { presentKeyCollision } from "./present";
import { usersApi } from "./users";

export const api = new Hono<AppEnv>();

api.get("/openapi.json", (c) => c.json(openApiDocument()));
api.get("/template.csv", () => templateDownload());

api.use(requireToken, requireViewUsers);
api.route("/imports", importsApi);
api.route("/users", usersApi);
api.route("/locations", locationsApi);
api.get("/key-collisions", async (c) => {
  const [collisions, rebuilding] = await Promise.all([listKeyCollisions(c.var.db), keyRebuildPending(c.var.db)]);
  return c.json({ collisions: collisions.map(presentKeyCollision), rebuilding });
});
api.get("/roles", async (c) => {
  const roles = await listRoles(c.var.db);
  return c.json({ roles: roles.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: r.permissions })) });
});
