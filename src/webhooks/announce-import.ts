import { presentImport } from "../api/present";
import type { Db } from "../db/client";
import { findImport } from "../db/imports";
import { recordWebhookEvent } from "../db/webhooks";
import { eventOfStatus } from "./events";

/**
 * Tells the endpoints that want it that an import has ended: one delivery each, recorded in D1
 * and then queued. The body carries the import exactly as `GET /api/imports/{id}` answers it.
 * An import that has not ended, or was announced already, makes none.
 */
export async function announceImportEnd(env: Env, db: Db, importId: string, now: Date): Promise<void> {
  const imp = await findImport(db, importId);
  const event = imp ? eventOfStatus[imp.status] : undefined;
  if (!imp || !event) return;
  const payload = JSON.stringify({ type: event, timestamp: now.toISOString(), data: { import: presentImport(imp) } });
  const ids = await recordWebhookEvent(db, event, imp.id, payload, now);
  // Recorded first: should the send fail, the sweep finds the deliveries due and queues them.
  if (ids.length) await env.WEBHOOK_QUEUE.sendBatch(ids.map((deliveryId) => ({ body: { deliveryId } })));
}
