import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ImportMessage } from "../../src/imports/messages";
import { createImport } from "../../src/imports/upload-file";
import worker from "../../src/index";
import { db } from "../helpers";

/** Uploads without starting, so no message is sent: the test decides what the queue delivers. */
export async function uploadOnly(uploadedBy: number, csv: string, fileName = "users.csv") {
  const bytes = new TextEncoder().encode(csv);
  return createImport(env, db, { uploadedBy, fileName, body: new Blob([bytes]), size: bytes.length });
}

/** Delivers one message for the import (or, with `kind`, its undo) to the Worker's queue handler, as the queue would. */
export async function deliver(queue: string, importId: string, attempts = 1, kind?: ImportMessage["kind"]) {
  const batch = createMessageBatch<ImportMessage>(queue, [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body: kind ? { importId, kind } : { importId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}
