import { app } from "./app";
import { createDb } from "./db/client";
import { advanceImport, failDeadImport, noteImportError } from "./imports/consume-import";
import { deliveryBudgetMs } from "./imports/limits";
import type { ImportMessage } from "./imports/messages";
import { purgeOldImports, restartStalledImports } from "./imports/sweep";
import { purgeSignInFailures } from "./db/sign-in-failures";
import { rebuildKeys } from "./db/key-rebuilds";
import { deleteExpiredIdempotencyKeys } from "./db/idempotency-keys";

/** Ids whose keys one scheduled run looks at while keys are rebuilt: a few seconds of D1 work at most. */
const keyRebuildIdsPerRun = 200_000;

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const db = createDb(env.DB);
    for (const message of batch.messages) {
      const { importId } = message.body;
      if (batch.queue.endsWith("-dlq")) {
        await failDeadImport(db, importId);
        message.ack();
        continue;
      }
      try {
        await advanceImport(env, db, importId, deliveryBudgetMs);
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
    ]);
    const failures = jobs.flatMap((job) => (job.status === "rejected" ? [job.reason] : []));
    for (const reason of failures) console.error("A scheduled job failed", reason);
    if (failures.length > 0) throw new AggregateError(failures, "Scheduled jobs failed");
  },
} satisfies ExportedHandler<Env, ImportMessage>;
