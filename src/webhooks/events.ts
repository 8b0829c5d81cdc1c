import type { ImportStatus } from "../db/schema";

/**
 * Every event an endpoint can subscribe to, with what it means. An import's end is announced
 * by the status it ends in; a new state (undone, say) is one entry here and one in
 * `eventOfStatus`.
 */
export const webhookEvents = {
  "import.completed": "An import finished: every line was applied, or reported as failed.",
  "import.failed": "An import stopped before its end: its file was lost, or processing failed repeatedly.",
  "import.cancelled": "An import was cancelled: it stopped at a chunk boundary, keeping what it had applied.",
  "import.undone":
    "An import was undone: the users it created were removed and those it updated got their earlier values back, but for what changed since (its `undo` summary counts them).",
} as const;

export type WebhookEvent = keyof typeof webhookEvents;

export const webhookEventNames = Object.keys(webhookEvents) as [WebhookEvent, ...WebhookEvent[]];

/** The event an import's final status announces; statuses that are not an end announce nothing. */
export const eventOfStatus: Partial<Record<ImportStatus, WebhookEvent>> = {
  completed: "import.completed",
  failed: "import.failed",
  cancelled: "import.cancelled",
  undone: "import.undone",
};
