import type { Db } from "../db/client";
import { claimWebhookDelivery, listOverdueWebhookDeliveries, recordWebhookAttempt } from "../db/webhooks";
import { signWebhook } from "./sign-webhook";
import { allowsLocalhost, checkWebhookUrl } from "./webhook-url";

/** What the webhook queue carries: which delivery to attempt. Its row says where it stands. */
export type WebhookMessage = { deliveryId: string };

/**
 * Seconds to wait after each failed attempt, as Standard Webhooks suggests: eight attempts over
 * a little more than a day. Each fits a queue message's longest delay (12 hours).
 */
export const retryDelaysSeconds = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** A receiver that has not answered by then has failed the attempt. */
export const attemptTimeoutMs = 15_000;

/** An endpoint whose every delivery has failed for this long is disabled. */
export const disableAfterMs = 5 * 86_400_000;

/** How long an attempt holds its delivery: past the timeout, so only a crashed attempt loses it. */
const leaseMs = 60_000;

/** A queue message may come a moment before the time it was delayed to. */
const earlyMs = 2_000;

/** The reason a request got no answer, for the log. */
function describeFailure(err: unknown): string {
  if (err instanceof Error && err.name === "TimeoutError")
    return `No answer within ${attemptTimeoutMs / 1000} seconds.`;
  return `No answer: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Makes one attempt of a due delivery: signs it for this moment, posts it, logs what came back,
 * and schedules the next attempt after a failure. A delivery that is not due (a duplicate
 * message) is left alone.
 */
export async function deliverWebhook(env: Env, db: Db, deliveryId: string): Promise<void> {
  const claimed = await claimWebhookDelivery(db, deliveryId, new Date(), { earlyMs, leaseMs });
  if (!claimed) return;
  const startedAt = new Date();
  let statusCode: number | null = null;
  let error = checkWebhookUrl(claimed.url, allowsLocalhost(env));
  if (error === null) {
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    try {
      const res = await fetch(claimed.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "Roster-Webhooks/1",
          "webhook-id": claimed.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": await signWebhook(claimed.secrets, claimed.id, timestamp, claimed.payload),
        },
        body: claimed.payload,
        // A redirect is a failure to follow up by hand, never a way around the URL rules.
        redirect: "manual",
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel();
      if (statusCode < 200 || statusCode > 299) error = `Answered ${statusCode}; only a 2xx status counts as received.`;
    } catch (err) {
      error = describeFailure(err);
    }
  }
  const attemptedAt = new Date();
  const succeeded = error === null;
  const delay = succeeded ? undefined : retryDelaysSeconds[claimed.attempt - 1];
  const retryAt = delay === undefined ? null : new Date(attemptedAt.getTime() + delay * 1000);
  const durationMs = attemptedAt.getTime() - startedAt.getTime();
  const disabled = await recordWebhookAttempt(
    db,
    claimed,
    { statusCode, error, durationMs, attemptedAt, succeeded, retryAt },
    new Date(attemptedAt.getTime() - disableAfterMs),
  );
  // Should this message be lost, the delivery is still due in D1 and the sweep sends it again.
  if (delay !== undefined && !disabled) await env.WEBHOOK_QUEUE.send({ deliveryId }, { delaySeconds: delay });
}

/** Queue messages one sweep sends at most: what a single sendBatch takes. */
const resendPerRun = 100;

/**
 * Sends again the message of every delivery that is overdue by a minute (a lost local queue
 * message, or a send that failed after its attempt was logged). A duplicate is harmless: only
 * one message can claim an attempt.
 */
export async function resendOverdueWebhooks(env: Env, db: Db, now: Date): Promise<number> {
  const overdue = await listOverdueWebhookDeliveries(db, new Date(now.getTime() - leaseMs), resendPerRun);
  if (overdue.length) await env.WEBHOOK_QUEUE.sendBatch(overdue.map((deliveryId) => ({ body: { deliveryId } })));
  return overdue.length;
}
