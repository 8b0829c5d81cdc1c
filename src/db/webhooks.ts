import { and, desc, eq, isNull, lt, lte, ne, sql } from "drizzle-orm";
import type { WebhookEvent } from "../webhooks/events";
import type { Db } from "./client";
import { webhookAttempts, webhookDeliveries, webhookEndpoints, type WebhookEndpoint } from "./schema";

/** An endpoint as pages and the API show it: everything but its secrets. */
export type WebhookEndpointView = Omit<WebhookEndpoint, "secret" | "previousSecret" | "formKey">;

const endpointView = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  events: webhookEndpoints.events,
  previousSecretUntil: webhookEndpoints.previousSecretUntil,
  createdBy: webhookEndpoints.createdBy,
  createdAt: webhookEndpoints.createdAt,
  failingSince: webhookEndpoints.failingSince,
  disabledAt: webhookEndpoints.disabledAt,
};

/**
 * Registers an endpoint with its new secret. With the `formKey` of the page form that asked for
 * it, the same form sent again (a reload) creates nothing and gives null.
 */
export async function createWebhookEndpoint(
  db: Db,
  values: { url: string; events: WebhookEvent[]; secret: string; createdBy: number; formKey?: string },
): Promise<WebhookEndpointView | null> {
  const [created] = await db
    .insert(webhookEndpoints)
    .values(values)
    .onConflictDoNothing({ target: webhookEndpoints.formKey })
    .returning(endpointView);
  return created ?? null;
}

/** Every endpoint, oldest first, without secrets. */
export async function listWebhookEndpoints(db: Db): Promise<WebhookEndpointView[]> {
  return db.select(endpointView).from(webhookEndpoints).orderBy(webhookEndpoints.id);
}

/** One endpoint without its secrets, or null. */
export async function findWebhookEndpoint(db: Db, id: number): Promise<WebhookEndpointView | null> {
  const [row] = await db.select(endpointView).from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row ?? null;
}

/** Deletes an endpoint with its deliveries and their log; false when there was none. */
export async function deleteWebhookEndpoint(db: Db, id: number): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/**
 * Gives an endpoint a new secret. The old one keeps signing beside it until `oldValidUntil`, so a
 * receiver can switch over without losing deliveries. Returns the endpoint, or null.
 */
export async function rotateWebhookSecret(
  db: Db,
  id: number,
  secret: string,
  oldValidUntil: Date,
): Promise<WebhookEndpointView | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ secret, previousSecret: sql`${webhookEndpoints.secret}`, previousSecretUntil: oldValidUntil })
    .where(eq(webhookEndpoints.id, id))
    .returning(endpointView);
  return row ?? null;
}

/** Lets a disabled endpoint receive events again; its failures so far are forgiven. */
export async function enableWebhookEndpoint(db: Db, id: number): Promise<WebhookEndpointView | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ disabledAt: null, failingSince: null })
    .where(eq(webhookEndpoints.id, id))
    .returning(endpointView);
  return row ?? null;
}

/**
 * Makes one delivery of an event per enabled endpoint that wants it, due now, each with its own
 * message id; an endpoint that already has this event for this subject gets no second one.
 * Returns the new deliveries' ids.
 */
export async function recordWebhookEvent(
  db: Db,
  event: WebhookEvent,
  subject: string,
  payload: string,
  now: Date,
): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`
    INSERT INTO webhook_deliveries (id, endpoint_id, event, subject, payload, next_attempt_at)
    SELECT 'msg_' || lower(hex(randomblob(16))), e.id, ${event}, ${subject}, ${payload}, ${now.getTime()}
    FROM webhook_endpoints e
    WHERE e.disabled_at IS NULL AND EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = ${event})
    ON CONFLICT DO NOTHING
    RETURNING id`);
  return rows.map((r) => r.id);
}

/** A delivery taken for one attempt, with what signing and sending it needs. */
export type ClaimedDelivery = {
  id: string;
  endpointId: number;
  payload: string;
  attempt: number;
  url: string;
  secrets: string[];
};

/**
 * Takes a pending delivery that is due (within `earlyMs`) for one attempt: counts the attempt
 * and holds it for `leaseMs`, so a duplicate message finds nothing to do and a crashed attempt
 * is due again after the lease. Null when it is not pending, not due, or its endpoint is
 * disabled or gone.
 */
export async function claimWebhookDelivery(
  db: Db,
  id: string,
  now: Date,
  { earlyMs, leaseMs }: { earlyMs: number; leaseMs: number },
): Promise<ClaimedDelivery | null> {
  const d = webhookDeliveries;
  const [claimed] = await db
    .update(d)
    .set({ attempts: sql`${d.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(
      and(
        eq(d.id, id),
        eq(d.status, "pending"),
        lte(d.nextAttemptAt, new Date(now.getTime() + earlyMs)),
        sql`EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = ${d.endpointId} AND e.disabled_at IS NULL)`,
      ),
    )
    .returning({ id: d.id, endpointId: d.endpointId, payload: d.payload, attempt: d.attempts });
  if (!claimed) return null;
  const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, claimed.endpointId));
  if (!endpoint) return null;
  const previousValid =
    endpoint.previousSecret !== null && endpoint.previousSecretUntil !== null && endpoint.previousSecretUntil > now;
  return {
    ...claimed,
    url: endpoint.url,
    secrets: previousValid && endpoint.previousSecret ? [endpoint.secret, endpoint.previousSecret] : [endpoint.secret],
  };
}

/** What one attempt gave. */
export type AttemptResult = {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
  succeeded: boolean;
  /** When to try again after a failure; null when the schedule is spent. */
  retryAt: Date | null;
};

/**
 * Logs an attempt and moves its delivery on, in one batch: done, due again, or failed for good.
 * A success clears the endpoint's failing streak; a failure starts one, and an endpoint whose
 * streak began before `disableBefore` is disabled with every delivery it still had pending.
 * Returns whether the endpoint is now disabled.
 */
export async function recordWebhookAttempt(
  db: Db,
  delivery: Pick<ClaimedDelivery, "id" | "endpointId" | "attempt">,
  result: AttemptResult,
  disableBefore: Date,
): Promise<boolean> {
  const d = webhookDeliveries;
  const e = webhookEndpoints;
  const at = result.attemptedAt;
  const status = result.succeeded ? "succeeded" : result.retryAt ? "pending" : "failed";
  const [, , endpoint] = await db.batch([
    db.insert(webhookAttempts).values({
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      attempt: delivery.attempt,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      attemptedAt: at,
    }),
    db
      .update(d)
      .set({ status, nextAttemptAt: result.retryAt ?? at })
      .where(eq(d.id, delivery.id)),
    result.succeeded
      ? db
          .update(e)
          .set({ failingSince: null })
          .where(eq(e.id, delivery.endpointId))
          .returning({ disabledAt: e.disabledAt })
      : db
          .update(e)
          .set({
            failingSince: sql`coalesce(${e.failingSince}, ${at.getTime()})`,
            disabledAt: sql`CASE WHEN coalesce(${e.failingSince}, ${at.getTime()}) <= ${disableBefore.getTime()} THEN coalesce(${e.disabledAt}, ${at.getTime()}) ELSE ${e.disabledAt} END`,
          })
          .where(eq(e.id, delivery.endpointId))
          .returning({ disabledAt: e.disabledAt }),
    // Runs after the endpoint's update: a disabled endpoint's waiting deliveries will not be sent.
    db
      .update(d)
      .set({ status: "failed" })
      .where(
        and(
          eq(d.endpointId, delivery.endpointId),
          eq(d.status, "pending"),
          sql`EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ${delivery.endpointId} AND disabled_at IS NOT NULL)`,
        ),
      ),
  ]);
  return (endpoint[0]?.disabledAt ?? null) !== null;
}

/** Pending deliveries due before `before` whose endpoint is enabled: the ones whose message was lost. */
export async function listOverdueWebhookDeliveries(db: Db, before: Date, limit: number): Promise<string[]> {
  const d = webhookDeliveries;
  const rows = await db
    .select({ id: d.id })
    .from(d)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, d.endpointId))
    .where(and(eq(d.status, "pending"), lt(d.nextAttemptAt, before), isNull(webhookEndpoints.disabledAt)))
    .orderBy(d.nextAttemptAt)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Deletes finished deliveries, with their log, made before `before`; returns how many. */
export async function purgeWebhookDeliveries(db: Db, before: Date): Promise<number> {
  const d = webhookDeliveries;
  const rows = await db
    .delete(d)
    .where(and(ne(d.status, "pending"), lt(d.createdAt, before)))
    .returning({ id: d.id });
  return rows.length;
}

/** One logged attempt, with its message's id and event. */
export type WebhookAttemptView = {
  id: number;
  messageId: string;
  event: WebhookEvent;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
  deliveryStatus: "pending" | "succeeded" | "failed";
};

/** An endpoint's latest attempts, newest first. */
export async function listWebhookAttempts(db: Db, endpointId: number, limit: number): Promise<WebhookAttemptView[]> {
  const a = webhookAttempts;
  const d = webhookDeliveries;
  return db
    .select({
      id: a.id,
      messageId: a.deliveryId,
      event: d.event,
      attempt: a.attempt,
      statusCode: a.statusCode,
      error: a.error,
      durationMs: a.durationMs,
      attemptedAt: a.attemptedAt,
      deliveryStatus: d.status,
    })
    .from(a)
    .innerJoin(d, eq(d.id, a.deliveryId))
    .where(eq(a.endpointId, endpointId))
    .orderBy(desc(a.id))
    .limit(limit);
}
