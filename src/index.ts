import { app } from "./app";
import { createDb } from "./db/client";
import { advanceImport, failDeadImport, noteImportError } from "./imports/consume-import";
import { advanceUndo, failDeadUndo } from "./imports/undo-import";
import { noteRequest } from "./imports/yield-to-requests";
import { deliveryBudgetMs } from "./imports/limits";
import type { ImportMessage } from "./imports/messages";
import { purgeOldImports, restartStalledImports } from "./imports/sweep";
import { purgeSignInFailures } from "./db/sign-in-failures";
import { rebuildKeys } from "./db/key-rebuilds";
import { deleteExpiredIdempotencyKeys } from "./db/idempotency-keys";
import { purgeWebhookDeliveries } from "./db/webhooks";
import { deliverWebhook, resendOverdueWebhooks, type WebhookMessage } from "./webhooks/deliver-webhook";

/** Ids whose keys one scheduled run looks at while keys are rebuilt: a few seconds of D1 work at most. */
const keyRebuildIdsPerRun = 200_000;

export default {
  fetch: (request, env, ctx) => {
    noteRequest();
    return app.fetch(request, env, ctx);
  },

  async queue(batch, env, _ctx) {
    const db = createDb(env.DB);
    if (batch.queue.startsWith("roster-webhooks")) {
      // Receivers are slow or down independently of each other: a batch's attempts run at once.
      await Promise.all(
        (batch.messages as readonly Message<WebhookMessage>[]).map(async (message) => {
          try {
            await deliverWebhook(env, db, message.body.deliveryId);
            message.ack();
          } catch (err) {
            // The attempt could not be logged: its lease runs out and this message claims it again.
            console.error(`Webhook delivery ${message.body.deliveryId} failed to run`, err);
            message.retry({ delaySeconds: 60 });
          }
        }),
      );
      return;
    }
    for (const message of batch.messages as readonly Message<ImportMessage>[]) {
      const { importId, kind } = message.body;
      if (batch.queue.endsWith("-dlq")) {
        await (kind === "undo" ? failDeadUndo(db, importId) : failDeadImport(env, db, importId));
        message.ack();
        continue;
      }
      try {
        await (kind === "undo" ? advanceUndo : advanceImport)(env, db, importId, deliveryBudgetMs);
        message.ack();
      } catch (err) {
        // Retried, never acked: the chunk that failed was rolled back whole and runs again.
        console.error(`Import ${importId} failed a chunk (attempt ${message.attempts})`, err);
        await noteImportError(db, importId, err instanceof Error ? err.message : String(err));
        message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
      }
    }
  },

  async scheduled(controller, env, _ctx) {
    const db = createDb(env.DB);
    const now = new Date(controller.scheduledTime);
    // Independent jobs: one that fails must not keep the others from running.
    const jobs = await Promise.allSettled([
      restartStalledImports(env, db, now),
      purgeOldImports(env, db, now, Number(env.RETENTION_DAYS)),
      purgeSignInFailures(db, now),
      rebuildKeys(db, keyRebuildIdsPerRun),
      deleteExpiredIdempotencyKeys(db, now),
      resendOverdueWebhooks(env, db, now),
      purgeWebhookDeliveries(db, new Date(now.getTime() - Number(env.RETENTION_DAYS) * 86_400_000)),
    ]);
    const failures = jobs.flatMap((job) => (job.status === "rejected" ? [job.reason] : []));
    for (const reason of failures) console.error("A scheduled job failed", reason);
    if (failures.length > 0) throw new AggregateError(failures, "Scheduled jobs failed");
  },
} satisfies ExportedHandler<Env, ImportMessage | WebhookMessage>;
