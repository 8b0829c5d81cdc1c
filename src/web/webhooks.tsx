import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { webhookEndpointInput } from "../api/schemas";
import { requireManageUsers } from "../auth/bearer";
import { verifyCsrf } from "../auth/csrf";
import { requireSession } from "../auth/sessions";
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
import { webhookEventNames, type WebhookEvent } from "../webhooks/events";
import { registerEndpoint, rotateEndpointSecret } from "../webhooks/manage-endpoints";
import { layout } from "./layout";
import { emptyWebhookForm, WebhookPage, WebhooksPage, type WebhookForm, type WebhooksPageProps } from "./webhooks-view";
import type { WebEnv } from "./web-env";

export const webhooksApp = new Hono<WebEnv>();

// Endpoints are told of every import, so they are managed by those who may import.
webhooksApp.use(requireSession, verifyCsrf, layout, requireManageUsers);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const attemptsShown = 50;

async function requireEndpoint(db: Db, idParam: string): Promise<WebhookEndpointView> {
  const id = Number(idParam);
  const endpoint = Number.isInteger(id) ? await findWebhookEndpoint(db, id) : null;
  if (!endpoint)
    throw new HTTPException(404, { message: "There is no such webhook endpoint. It may have been deleted." });
  return endpoint;
}

const notices: Record<string, string> = {
  deleted: "The endpoint was deleted. Nothing more is sent to it.",
  enabled: "The endpoint was enabled. Events from now on are delivered to it.",
};

webhooksApp.get("/", async (c) => {
  return c.render(
    <WebhooksPage
      endpoints={await listWebhookEndpoints(c.var.db)}
      csrfToken={c.var.csrfToken}
      formKey={crypto.randomUUID()}
      form={emptyWebhookForm}
      notice={notices[c.req.query("done") ?? ""]}
    />,
    { title: "Webhooks" },
  );
});

webhooksApp.post("/", async (c) => {
  const body = await c.req.parseBody({ all: true });
  const url = typeof body.url === "string" ? body.url.trim() : "";
  const events = [body.events ?? []].flat().filter((e): e is WebhookEvent => webhookEventNames.some((n) => n === e));
  const form: WebhookForm = { url, events };
  const props: Omit<WebhooksPageProps, "endpoints"> = {
    csrfToken: c.var.csrfToken,
    formKey: crypto.randomUUID(),
    form,
  };
  const refuse = async (error: string) => {
    c.status(422);
    return c.render(<WebhooksPage endpoints={await listWebhookEndpoints(c.var.db)} {...props} error={error} />, {
      title: "Webhooks",
    });
  };
  const input = webhookEndpointInput.safeParse(form);
  if (!input.success) {
    return refuse(
      !url
        ? "Give the URL Roster should post to."
        : events.length
          ? "Keep the URL under 2,000 characters."
          : "Choose at least one event to send.",
    );
  }
  const formKey = typeof body.form_key === "string" && uuid.test(body.form_key) ? body.form_key : undefined;
  let created;
  try {
    created = await registerEndpoint(c.env, c.var.db, input.data, c.var.viewer.id, formKey);
  } catch (err) {
    if (err instanceof AppError && err.code === "invalid_url") return refuse(err.message);
    throw err;
  }
  const endpoints = await listWebhookEndpoints(c.var.db);
  if (!created) {
    c.status(409);
    return c.render(<WebhooksPage endpoints={endpoints} {...props} form={emptyWebhookForm} resent />, {
      title: "Webhooks",
    });
  }
  // Rendered, not redirected: the secret must not travel in a URL or be shown twice.
  return c.render(
    <WebhooksPage
      endpoints={endpoints}
      {...props}
      form={emptyWebhookForm}
      created={{ url: created.endpoint.url, secret: created.secret, rotated: false }}
    />,
    { title: "Webhooks" },
  );
});

webhooksApp.get("/:id", async (c) => {
  const endpoint = await requireEndpoint(c.var.db, c.req.param("id"));
  return c.render(
    <WebhookPage
      endpoint={endpoint}
      attempts={await listWebhookAttempts(c.var.db, endpoint.id, attemptsShown)}
      csrfToken={c.var.csrfToken}
      notice={notices[c.req.query("done") ?? ""]}
    />,
    { title: "Webhook endpoint" },
  );
});

webhooksApp.post("/:id/rotate-secret", async (c) => {
  const found = await requireEndpoint(c.var.db, c.req.param("id"));
  const { endpoint, secret } = await rotateEndpointSecret(c.var.db, found.id, new Date());
  return c.render(
    <WebhookPage
      endpoint={endpoint}
      attempts={await listWebhookAttempts(c.var.db, endpoint.id, attemptsShown)}
      csrfToken={c.var.csrfToken}
      created={{ url: endpoint.url, secret, rotated: true }}
    />,
    { title: "Webhook endpoint" },
  );
});

webhooksApp.post("/:id/enable", async (c) => {
  const endpoint = await requireEndpoint(c.var.db, c.req.param("id"));
  await enableWebhookEndpoint(c.var.db, endpoint.id);
  return c.redirect(`/webhooks/${endpoint.id}?done=enabled`, 303);
});

webhooksApp.post("/:id/delete", async (c) => {
  const endpoint = await requireEndpoint(c.var.db, c.req.param("id"));
  await deleteWebhookEndpoint(c.var.db, endpoint.id);
  return c.redirect("/webhooks?done=deleted", 303);
});
