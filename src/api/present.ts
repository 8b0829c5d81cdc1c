import type { z } from "zod";
import type { ImportView } from "../db/imports";
import type { CollidingRow, KeyCollisionView } from "../db/key-rebuilds";
import type { LocationView } from "../db/locations";
import type { Import } from "../db/schema";
import type { ReportLine } from "../imports/read-lines";
import type { UserView } from "../db/users";
import { inRows } from "../imports/row-wording";
import type { HistoryEntry } from "../db/user-changes";
import type { UndoNote } from "../db/import-undo";
import { describeKept } from "../imports/describe-undo";
import type { WebhookAttemptView, WebhookEndpointView } from "../db/webhooks";
import { webhookEndpointStatus } from "../webhooks/endpoint-status";
import type { DeactivatedUser } from "../db/sync-deactivations";
import type {
  deactivatedList,
  historyList,
  importSummary,
  keyCollisionList,
  location,
  undoNoteList,
  uploadedImport,
  user,
  webhookAttemptList,
  webhookEndpoint,
} from "./schemas";

/*
 * Rows become the API's snake_case shapes here, and only here.
 */

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentUpload(
  imp: Import,
  earlier: Pick<Import, "id" | "createdAt"> | null,
): z.input<typeof uploadedImport> {
  return {
    id: imp.id,
    status: imp.status,
    file_name: imp.fileName,
    total_rows: imp.totalRows,
    columns: imp.columns,
    ignored_columns: imp.ignoredColumns,
    encoding: imp.encoding,
    delimiter: imp.delimiter,
    duplicate_of: earlier ? { id: earlier.id, created_at: earlier.createdAt.toISOString() } : null,
    kind: imp.workbook?.kind ?? "csv",
    sheet: imp.workbook?.sheet ?? null,
    sheets: imp.workbook?.sheets ?? [],
    dry_run: imp.dryRun,
  };
}

export function presentImport(imp: ImportView): z.input<typeof importSummary> {
  return {
    id: imp.id,
    status: imp.status,
    sync: imp.sync,
    deactivated: imp.deactivated,
    file_name: imp.fileName,
    total_rows: imp.totalRows,
    processed_rows: imp.processedRows,
    counts: {
      created: imp.created,
      updated: imp.updated,
      unchanged: imp.unchanged,
      failed: imp.failed,
      warnings: imp.warnings,
    },
    uploaded_by: imp.uploadedByName,
    created_at: imp.createdAt.toISOString(),
    started_at: iso(imp.startedAt),
    finished_at: iso(imp.finishedAt),
    error: imp.error,
    dry_run: imp.dryRun,
    applied_import_id: imp.appliedImportId,
    undo:
      imp.undoStartedAt === null
        ? null
        : {
            processed_rows: imp.undoRows,
            removed: imp.undoRemoved,
            restored: imp.undoRestored,
            kept: imp.undoKept,
            started_at: iso(imp.undoStartedAt),
            finished_at: iso(imp.undoFinishedAt),
          },
  };
}

/** An undo's kept line, with each reason in words. */
export function presentUndoNote(n: UndoNote): z.input<typeof undoNoteList>["notes"][number] {
  return {
    line: n.line,
    employee_number: n.employeeNumber,
    kept: n.kept.map((k) => ({ field: k.field, reason: k.reason, message: describeKept(k) })),
  };
}

/** A line outcome; a workbook's messages speak of its rows. */
export function presentLine(l: ReportLine, workbook: boolean) {
  const messages = workbook ? l.messages.map((m) => ({ ...m, message: inRows(m.message) })) : l.messages;
  return { line: l.line, employee_number: l.employeeNumber, outcome: l.outcome, messages, changes: l.changes };
}

/** A user a sync deactivated, as its list gives them. */
export function presentDeactivatedUser(u: DeactivatedUser): z.input<typeof deactivatedList>["users"][number] {
  return {
    employee_number: u.employeeNumber,
    first_name: u.firstName,
    last_name: u.lastName,
    email: u.email,
    location: u.location,
    role: u.role,
    status: u.status,
  };
}

export function presentUser(u: UserView): z.input<typeof user> {
  return {
    employee_number: u.employeeNumber,
    first_name: u.firstName,
    last_name: u.lastName,
    email: u.email,
    location: u.location,
    location_id: u.locationId,
    role: u.role,
    role_id: u.roleId,
    role_locked: u.roleLocked,
    location_locked: u.locationLocked,
    status: u.status,
    has_password: u.hasPassword,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
    last_import_id: u.lastImportId,
    last_imported_at: iso(u.lastImportedAt),
  };
}

export function presentLocation(l: LocationView): z.input<typeof location> {
  return { id: l.id, name: l.name, code: l.code, aliases: l.aliases };
}

const presentCollidingRow = (row: CollidingRow) => ({
  id: row.id,
  employee_number: row.employeeNumber,
  name: row.name,
  value: row.value,
});

export function presentKeyCollision(c: KeyCollisionView): z.input<typeof keyCollisionList>["collisions"][number] {
  return {
    kind: c.kind,
    field: c.field,
    key: c.key,
    found_at: c.foundAt.toISOString(),
    kept: presentCollidingRow(c.kept),
    holder: presentCollidingRow(c.holder),
  };
}

/** A change in a user's history: an import's line, or an admin by hand. */
export function presentHistoryEntry(e: HistoryEntry): z.input<typeof historyList>["history"][number] {
  return {
    at: e.at.toISOString(),
    source:
      e.importId === null
        ? { by: e.by ?? "unknown" }
        : e.source === "undo"
          ? { undo_of_import_id: e.importId, line: e.line }
          : { import_id: e.importId, line: e.line },
    changes: e.changes,
  };
}

export function presentWebhookEndpoint(e: WebhookEndpointView): z.input<typeof webhookEndpoint> {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    status: webhookEndpointStatus(e),
    created_at: e.createdAt.toISOString(),
    failing_since: iso(e.failingSince),
    disabled_at: iso(e.disabledAt),
    previous_secret_valid_until:
      e.previousSecretUntil && e.previousSecretUntil > new Date() ? iso(e.previousSecretUntil) : null,
  };
}

export function presentWebhookAttempt(a: WebhookAttemptView): z.input<typeof webhookAttemptList>["attempts"][number] {
  return {
    message_id: a.messageId,
    event: a.event,
    attempt: a.attempt,
    status_code: a.statusCode,
    error: a.error,
    duration_ms: a.durationMs,
    attempted_at: a.attemptedAt.toISOString(),
    delivery_status: a.deliveryStatus,
  };
}
