import type { z } from "@hono/zod-openapi";
import type { webhookEndpointInput } from "../api/schemas";
import type { Db } from "../db/client";
import { createWebhookEndpoint, rotateWebhookSecret, type WebhookEndpointView } from "../db/webhooks";
import { AppError } from "../errors";
import { createWebhookSecret } from "./sign-webhook";
import { allowsLocalhost, checkWebhookUrl } from "./webhook-url";

/** How long a rotated-out secret keeps signing beside the new one: a day to update the receiver. */
export const previousSecretGraceMs = 86_400_000;

/** An endpoint with its secret, as the one answer that shows it. */
export type EndpointWithSecret = { endpoint: WebhookEndpointView; secret: string };

/**
 * Registers an endpoint with a new secret, after checking its URL (400 `invalid_url` saying
 * what to use). Null when its page form was sent again and the first sending created it.
 */
export async function registerEndpoint(
  env: Env,
  db: Db,
  input: z.output<typeof webhookEndpointInput>,
  createdBy: number,
  formKey?: string,
): Promise<EndpointWithSecret | null> {
  const refusal = checkWebhookUrl(input.url, allowsLocalhost(env));
  if (refusal) throw new AppError(400, "invalid_url", refusal);
  const secret = createWebhookSecret();
  const events = [...new Set(input.events)];
  const endpoint = await createWebhookEndpoint(db, { url: input.url, events, secret, createdBy, formKey });
  return endpoint ? { endpoint, secret } : null;
}

/** Gives an endpoint a new secret; the old one signs beside it for a day. 404 when there is none. */
export async function rotateEndpointSecret(db: Db, id: number, now: Date): Promise<EndpointWithSecret> {
  const secret = createWebhookSecret();
  const endpoint = await rotateWebhookSecret(db, id, secret, new Date(now.getTime() + previousSecretGraceMs));
  if (!endpoint) throw new AppError(404, "not_found", "There is no webhook endpoint with this id.");
  return { endpoint, secret };
}
