import { createRoute } from "@hono/zod-openapi";
import { requireManageUsers } from "../auth/bearer";
import type { Db } from "../db/client";
import {
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  type WebhookEndpointView,
} from "../db/webhooks";
import { AppError } from "../errors";
import { registerEndpoint, rotateEndpointSecret } from "../webhooks/manage-endpoints";
import { createApiApp } from "./api-app";
import { presentWebhookAttempt, presentWebhookEndpoint } from "./present";
import { errorResponse, invalidInput, jsonResponse, tokenResponses } from "./responses";
import {
  webhookAttemptList,
  webhookEndpoint,
  webhookEndpointInput,
  webhookEndpointList,
  webhookEndpointWithSecret,
  webhookIdParam,
} from "./schemas";

export const webhooksApi = createApiApp();

// Endpoints receive every import's outcome, so managing them takes what importing takes.
webhooksApi.use(requireManageUsers);

const notFound = { 404: errorResponse("`not_found`: there is no webhook endpoint with this id.") };
const manageResponses = {
  ...tokenResponses,
  403: errorResponse("`forbidden`: the token's user lacks admin access or the manage-users permission."),
};

async function requireEndpoint(db: Db, idParam: string): Promise<WebhookEndpointView> {
  const id = Number(idParam);
  const endpoint = Number.isInteger(id) ? await findWebhookEndpoint(db, id) : null;
  if (!endpoint) throw new AppError(404, "not_found", "There is no webhook endpoint with this id.");
  return endpoint;
}

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List webhook endpoints, without their secrets",
  responses: { 200: jsonResponse("Every endpoint, oldest first.", webhookEndpointList), ...manageResponses },
});

webhooksApi.openapi(list, async (c) => {
  const endpoints = await listWebhookEndpoints(c.var.db);
  return c.json({ endpoints: endpoints.map(presentWebhookEndpoint) }, 200);
});

const create = createRoute({
  method: "post",
  path: "/",
  summary: "Register a webhook endpoint; its signing secret is in this answer only",
  description:
    "Deliveries are signed as Standard Webhooks specifies (the README's Webhooks section shows how to verify them). Only https:// URLs are accepted, except http://localhost and http://127.0.0.1 on a local Roster.",
  request: { body: { required: true, content: { "application/json": { schema: webhookEndpointInput } } } },
  responses: {
    201: jsonResponse("The endpoint, with its secret: copy it now.", webhookEndpointWithSecret),
    400: errorResponse(
      "`invalid_input`: a value is not valid; `invalid_url`: the URL cannot receive webhooks, and the message says what to use.",
    ),
    ...manageResponses,
  },
});

webhooksApi.openapi(create, async (c) => {
  const created = await registerEndpoint(c.env, c.var.db, c.req.valid("json"), c.var.viewer.id);
  if (!created) throw new Error("The endpoint was not created.");
  return c.json({ ...presentWebhookEndpoint(created.endpoint), secret: created.secret }, 201);
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  summary: "Delete a webhook endpoint, with its deliveries and their log",
  request: { params: webhookIdParam },
  responses: { 204: { description: "Deleted." }, ...invalidInput, ...notFound, ...manageResponses },
});

webhooksApi.openapi(remove, async (c) => {
  await requireEndpoint(c.var.db, c.req.valid("param").id);
  await deleteWebhookEndpoint(c.var.db, Number(c.req.valid("param").id));
  return c.body(null, 204);
});

const rotate = createRoute({
  method: "post",
  path: "/{id}/rotate-secret",
  summary: "Give an endpoint a new signing secret; it is in this answer only",
  description:
    "For the next 24 hours each delivery carries two signatures, one with the old secret and one with the new, so the receiver can switch without missing any.",
  request: { params: webhookIdParam },
  responses: {
    200: jsonResponse("The endpoint, with its new secret: copy it now.", webhookEndpointWithSecret),
    ...invalidInput,
    ...notFound,
    ...manageResponses,
  },
});

webhooksApi.openapi(rotate, async (c) => {
  const found = await requireEndpoint(c.var.db, c.req.valid("param").id);
  const { endpoint, secret } = await rotateEndpointSecret(c.var.db, found.id, new Date());
  return c.json({ ...presentWebhookEndpoint(endpoint), secret }, 200);
});

const enable = createRoute({
  method: "post",
  path: "/{id}/enable",
  summary: "Enable a disabled endpoint again",
  description: "Events from now on are delivered to it; deliveries given up while it was disabled are not sent.",
  request: { params: webhookIdParam },
  responses: { 200: jsonResponse("The endpoint.", webhookEndpoint), ...invalidInput, ...notFound, ...manageResponses },
});

webhooksApi.openapi(enable, async (c) => {
  const found = await requireEndpoint(c.var.db, c.req.valid("param").id);
  const endpoint = await enableWebhookEndpoint(c.var.db, found.id);
  if (!endpoint) throw new AppError(404, "not_found", "There is no webhook endpoint with this id.");
  return c.json(presentWebhookEndpoint(endpoint), 200);
});

const attempts = createRoute({
  method: "get",
  path: "/{id}/attempts",
  summary: "An endpoint's latest delivery attempts, newest first",
  request: { params: webhookIdParam },
  responses: {
    200: jsonResponse("Up to 100 attempts.", webhookAttemptList),
    ...invalidInput,
    ...notFound,
    ...manageResponses,
  },
});

webhooksApi.openapi(attempts, async (c) => {
  const endpoint = await requireEndpoint(c.var.db, c.req.valid("param").id);
  const found = await listWebhookAttempts(c.var.db, endpoint.id, 100);
  return c.json({ attempts: found.map(presentWebhookAttempt) }, 200);
});
