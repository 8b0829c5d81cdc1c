import { createRoute, z } from "@hono/zod-openapi";
import { html } from "hono/html";
import { requireToken, requireViewUsers } from "../auth/bearer";
import { listRoles } from "../db/roles";
import { keyRebuildPending, listKeyCollisions } from "../db/key-rebuilds";
import { attachment, xlsxType } from "../http/csv-attachment";
import { templateDownload } from "../http/template-download";
import { templateXlsx } from "../imports/template-xlsx";
import { ApiDocsPage } from "../web/api-docs-view";
import { createApiApp } from "./api-app";
import { importsApi } from "./imports";
import { locationsApi } from "./locations";
import { describeOperations, documentConfig, type OpenApiDocument } from "./openapi";
import { csvResponse, jsonResponse, tokenResponses } from "./responses";
import { limitApiRate } from "./rate-limits";
import { presentKeyCollision } from "./present";
import { keyCollisionList, roleList } from "./schemas";
import { usersApi, usersExportApi } from "./users";
import { webhooksApi } from "./webhooks";

export const api = createApiApp().basePath("/api");

api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "An API token from the API tokens page, or `npm run token:create`.",
});

let cached: OpenApiDocument | undefined;
/** The OpenAPI 3.1 document, generated once from the routes' own schemas. */
export function openApiDocument(): OpenApiDocument {
  cached ??= api.getOpenAPI31Document(documentConfig);
  return cached;
}

const openApiJson = createRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This OpenAPI 3.1 document",
  security: [],
  responses: { 200: jsonResponse("The document.", z.record(z.string(), z.unknown())) },
});
api.openapi(openApiJson, (c) => c.json(openApiDocument(), 200));

const docs = createRoute({
  method: "get",
  path: "/docs",
  summary: "This reference, as a page to read and try the API from",
  security: [],
  responses: { 200: { description: "The reference page.", content: { "text/html": { schema: { type: "string" } } } } },
});
api.openapi(docs, (c) =>
  c.html(html`<!DOCTYPE html>${(<ApiDocsPage {...describeOperations(openApiDocument())} />)}`, 200),
);

const template = createRoute({
  method: "get",
  path: "/template.csv",
  summary: "The import template: the header row alone",
  security: [],
  responses: { 200: csvResponse("The template.") },
});
api.openapi(template, () => templateDownload());

const templateWorkbook = createRoute({
  method: "get",
  path: "/template.xlsx",
  summary: "The import template as an Excel workbook: the header row, the employee number column as text",
  security: [],
  responses: {
    200: { description: "The template.", content: { [xlsxType]: { schema: { type: "string", format: "binary" } } } },
  },
});
api.openapi(templateWorkbook, (c) => c.body(templateXlsx(), 200, attachment("users-template.xlsx", xlsxType)));

// Everything after this point needs a token whose user has admin access, within its allowance.
api.use(limitApiRate, requireToken, requireViewUsers);
api.route("/imports", importsApi);
api.route("/users", usersApi);
api.route("/", usersExportApi);
api.route("/locations", locationsApi);
api.route("/webhooks", webhooksApi);

const roles = createRoute({
  method: "get",
  path: "/roles",
  summary: "List roles with their ids and permissions",
  responses: { 200: jsonResponse("Every role.", roleList), ...tokenResponses },
});
api.openapi(roles, async (c) => {
  const found = await listRoles(c.var.db);
  return c.json(
    { roles: found.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: r.permissions })) },
    200,
  );
});

const keyCollisions = createRoute({
  method: "get",
  path: "/key-collisions",
  summary: "Users, locations and roles kept apart because their identifiers now look the same",
  description:
    "Found while stored keys are remade after an upgrade (the README's \"Upgrading stored keys\"): each pair's `kept` row keeps its old key until an admin tells them apart.",
  responses: { 200: jsonResponse("Every collision found.", keyCollisionList), ...tokenResponses },
});
api.openapi(keyCollisions, async (c) => {
  const [collisions, rebuilding] = await Promise.all([listKeyCollisions(c.var.db), keyRebuildPending(c.var.db)]);
  return c.json({ collisions: collisions.map(presentKeyCollision), rebuilding }, 200);
});
