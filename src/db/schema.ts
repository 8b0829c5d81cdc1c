import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { StoredPieces } from "../imports/stored-file";
import type { WebhookEvent } from "../webhooks/events";

/** A workbook upload: where it is stored, which sheet was read and which it has (hidden or not). */
export type ImportWorkbook = {
  kind: "xlsx" | "ods";
  key: string;
  size: number;
  pieces: StoredPieces;
  sheet: string;
  sheets: { name: string; hidden: boolean }[];
};

/*
 * Every "..._key" column holds the value a person typed, normalised for matching by toKey
 * (src/db/keys.ts: NFKC, case-folded, invisible characters removed, trimmed): uniqueness and
 * look-ups ignore case and look-alike forms through it, while the column beside it keeps the
 * value as written.
 */

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const roles = sqliteTable(
  "roles",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    description: text("description").notNull().default(""),
    /** JSON array of permission names, e.g. ["admin_access","manage_users"]. */
    permissions: text("permissions", { mode: "json" })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
  },
  (t) => [uniqueIndex("roles_name_key_idx").on(t.nameKey)],
);

export const locations = sqliteTable("locations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  code: text("code"),
  createdAt: createdAt(),
});

/**
 * Every name, code and alias of every location, as one namespace: a key resolves to
 * exactly one location, so an import line's location is one indexed look-up.
 */
export const locationKeys = sqliteTable(
  "location_keys",
  {
    key: text("key").primaryKey(),
    locationId: integer("location_id")
      .notNull()
      .references(() => locations.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["name", "code", "alias"] }).notNull(),
    label: text("label").notNull(),
  },
  (t) => [index("location_keys_location_id_idx").on(t.locationId)],
);

export const userStatuses = ["active", "deactivated"] as const;
export type UserStatus = (typeof userStatuses)[number];

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    employeeNumber: text("employee_number").notNull(),
    employeeKey: text("employee_key").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    /**
     * The full name as searched: nameKeyOf(first, last), made in JavaScript by every write, as
     * every key is (SQLite has no NFKC, and its lower() folds only ASCII).
     */
    nameKey: text("name_key").notNull().default(""),
    email: text("email").notNull(),
    emailKey: text("email_key").notNull(),
    locationId: integer("location_id").references(() => locations.id),
    roleId: integer("role_id")
      .notNull()
      .references(() => roles.id),
    roleLocked: integer("role_locked", { mode: "boolean" }).notNull().default(false),
    locationLocked: integer("location_locked", { mode: "boolean" }).notNull().default(false),
    passwordHash: text("password_hash"),
    /** A deactivated user keeps their data and history but cannot sign in, and their tokens stop working. */
    status: text("status", { enum: userStatuses }).notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    createdImportId: text("created_import_id"),
    /**
     * The number of the sync import that deactivated this user for not being in its file; null
     * otherwise. A later sync naming them reactivates them, as a hand deactivation never is.
     */
    deactivatedBySync: integer("deactivated_by_sync"),
    lastImportId: text("last_import_id"),
    lastImportedAt: integer("last_imported_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("users_employee_key_idx").on(t.employeeKey),
    uniqueIndex("users_email_key_idx").on(t.emailKey),
    index("users_last_import_id_idx").on(t.lastImportId, t.employeeKey),
  ],
);

/**
 * `cancelling` is a running import asked to stop: the consumer ends it as `cancelled` at the next
 * chunk boundary, so a chunk in flight is applied whole and its lines stay true. `undoing` is a
 * completed or cancelled import being taken back, a chunk at a time, until it is `undone`.
 */
export const importStatuses = [
  "ready",
  "queued",
  "processing",
  "cancelling",
  "completed",
  "cancelled",
  "failed",
  "undoing",
  "undone",
] as const;
export type ImportStatus = (typeof importStatuses)[number];

/** The statuses of an import under way: the consumer still has work for it. */
export const runningStatuses = ["queued", "processing", "cancelling"] as const satisfies readonly ImportStatus[];
export const isRunning = (status: ImportStatus) => (runningStatuses as readonly ImportStatus[]).includes(status);

/** The statuses an import ends in: nothing changes it any more (but the retention job). */
export const finishedStatuses = [
  "completed",
  "cancelled",
  "failed",
  "undone",
] as const satisfies readonly ImportStatus[];

/** The statuses an import can be undone from: every line it reached was applied or failed. */
export const undoableStatuses = ["completed", "cancelled"] as const satisfies readonly ImportStatus[];

/** How each header of the file was understood: the template field it feeds, or null when ignored. */
export type ColumnMapping = { index: number; header: string; field: string | null };

export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    /**
     * The import's number, 1, 2, 3…: its line outcomes are keyed by it rather than by the id, so
     * each of a million index entries holds a small integer instead of 36 characters. Taken when
     * the import is created; the default only fills rows that existed before the column did.
     */
    seq: integer("seq").notNull().default(0),
    uploadedBy: integer("uploaded_by")
      .notNull()
      .references(() => users.id),
    /**
     * Who started the import: the rules act with this user's permissions and keep their own
     * account as it is. Null for imports started before it was kept; their uploader started them.
     */
    startedBy: integer("started_by").references(() => users.id),
    fileName: text("file_name").notNull(),
    fileSize: integer("file_size").notNull(),
    fileKey: text("file_key").notNull(),
    /** Where the stored file's compressed pieces lie; null for a file stored as uploaded, before files were compressed. */
    filePieces: text("file_pieces", { mode: "json" }).$type<StoredPieces>(),
    /**
     * Set when the upload was a workbook: the file above is then its chosen sheet as CSV, and the
     * workbook itself is kept as uploaded so another sheet can be read from it.
     */
    workbook: text("workbook", { mode: "json" }).$type<ImportWorkbook>(),
    encoding: text("encoding").notNull(),
    delimiter: text("delimiter").notNull(),
    headerLine: integer("header_line").notNull().default(1),
    columns: text("columns", { mode: "json" }).$type<ColumnMapping[]>().notNull(),
    ignoredColumns: text("ignored_columns", { mode: "json" }).$type<string[]>().notNull(),
    /** The first records as read, for the preview page. */
    preview: text("preview", { mode: "json" }).$type<{ line: number; values: string[] }[]>().notNull(),
    status: text("status", { enum: importStatuses }).notNull().default("ready"),
    totalRows: integer("total_rows").notNull(),
    processedRows: integer("processed_rows").notNull().default(0),
    chunkCount: integer("chunk_count").notNull(),
    /** Index of the next chunk to apply: the consumer's resume point. */
    nextChunk: integer("next_chunk").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    warnings: integer("warnings").notNull().default(0),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
    /** Last time a chunk was applied (or the import was queued): the sweep restarts stale ones. */
    progressAt: integer("progress_at", { mode: "timestamp_ms" }),
    /** Set when the retention job deleted the source file and line outcomes. */
    purgedAt: integer("purged_at", { mode: "timestamp_ms" }),
    error: text("error"),
    /** SHA-256 of the file as uploaded, so a second upload of the same file can be pointed out; null before it was kept. */
    contentHash: text("content_hash"),
    /** A check of every line that writes no user: its counts and lines are what an import would do. */
    dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
    /** For a dry run: the import that applied its file for real, once one did. */
    appliedImportId: text("applied_import_id"),
    /**
     * The users it created have ids above createdUsersFrom (the largest id when it started) and
     * up to createdUsersTo (the largest after its latest chunk that created one): ids only grow
     * (AUTOINCREMENT), so its users are found in that range of the table, not through an index
     * that every created user would pay a write for. Null before any was recorded.
     */
    createdUsersFrom: integer("created_users_from"),
    createdUsersTo: integer("created_users_to"),
    /**
     * The undo's resume point: how many of the applied chunks it has taken back, from the last
     * one down (a later line may have taken an email an earlier one gave up, so lines are undone
     * in reverse). Written in the same batch as each chunk's undo, and guarded like next_chunk.
     */
    undoChunks: integer("undo_chunks").notNull().default(0),
    /** Lines the undo has gone through, for its progress. */
    undoRows: integer("undo_rows").notNull().default(0),
    undoRemoved: integer("undo_removed").notNull().default(0),
    undoRestored: integer("undo_restored").notNull().default(0),
    /** Lines whose user, or some of whose fields, the undo kept (undo_notes says why). */
    undoKept: integer("undo_kept").notNull().default(0),
    /** The status the import had when the undo was asked for: an undo that stops returns it there. */
    undoFrom: text("undo_from", { enum: undoableStatuses }),
    undoBy: integer("undo_by").references(() => users.id),
    undoStartedAt: integer("undo_started_at", { mode: "timestamp_ms" }),
    undoFinishedAt: integer("undo_finished_at", { mode: "timestamp_ms" }),
    /** A sync: after its last line, the imported users its file did not name are deactivated. */
    sync: integer("sync", { mode: "boolean" }).notNull().default(false),
    /** How many users the sync deactivated. */
    deactivated: integer("deactivated").notNull().default(0),
    /** The sync's final step resumes after this user id: every candidate up to it has been decided. */
    syncAfterId: integer("sync_after_id").notNull().default(0),
  },
  (t) => [
    uniqueIndex("imports_seq_idx").on(t.seq),
    index("imports_content_hash_idx").on(t.contentHash),
    index("imports_created_at_idx").on(t.createdAt),
    index("imports_started_at_idx").on(t.startedAt),
    index("imports_status_progress_at_idx").on(t.status, t.progressAt),
  ],
);

export const lineOutcomes = ["created", "updated", "unchanged", "failed"] as const;
export type LineOutcome = (typeof lineOutcomes)[number];
export type LineMessage = { level: "error" | "warning"; code: string; message: string };

/** Byte ranges of the stored file, each a run of whole records, found when the file was uploaded. */
export const importChunks = sqliteTable(
  "import_chunks",
  {
    importId: text("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    index: integer("idx").notNull(),
    byteStart: integer("byte_start").notNull(),
    byteEnd: integer("byte_end").notNull(),
    firstLine: integer("first_line").notNull(),
    rowCount: integer("row_count").notNull(),
    /**
     * The chunk's records (by position, 0 = its first) whose employee number, or email, the
     * upload's scan saw more than once in the file: only they can repeat an earlier line, so only
     * they are looked up in, and recorded to, the import's keys. Null for a chunk planned before
     * the scan looked: every record is then treated as a repeat.
     */
    employeeRepeats: text("employee_repeats", { mode: "json" }).$type<number[]>(),
    emailRepeats: text("email_repeats", { mode: "json" }).$type<number[]>(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.index] })],
);

/**
 * What each line of an applied chunk came to, one letter per record in file order, run-length
 * encoded (see line-outcomes.ts): a million lines keep a few bytes per chunk here instead of a
 * row each, and the lines themselves are read back from the stored file. One row per chunk,
 * keyed by (import, chunk), so applying a chunk twice fails instead of counting twice.
 */
export const chunkOutcomes = sqliteTable(
  "chunk_outcomes",
  {
    importSeq: integer("import_seq").notNull(),
    index: integer("idx").notNull(),
    outcomes: text("outcomes").notNull(),
    /** For a sync: the ids of the users the chunk's lines name, whatever their outcome (named-users.ts). */
    namedUsers: text("named_users"),
  },
  (t) => [primaryKey({ columns: [t.importSeq, t.index] })],
);

/**
 * Each user a sync deactivated for not being in its file, by the sync's number: its report lists
 * them, and undoing the sync reactivates them. Without rowid, a row is one write.
 */
export const syncDeactivations = sqliteTable(
  "sync_deactivations",
  {
    importSeq: integer("import_seq").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.importSeq, t.userId] })],
);

/**
 * The lines that need attention, failed or with a warning, with their messages and values; the
 * other lines keep nothing of their own (chunk_outcomes). A table without rowid, so a row costs
 * one write plus its partial index.
 */
export const flaggedLines = sqliteTable(
  "flagged_lines",
  {
    importSeq: integer("import_seq").notNull(),
    line: integer("line").notNull(),
    employeeNumber: text("employee_number").notNull().default(""),
    outcome: text("outcome", { enum: lineOutcomes }).notNull(),
    hasWarning: integer("has_warning", { mode: "boolean" }).notNull().default(false),
    messages: text("messages", { mode: "json" }).$type<LineMessage[]>().notNull(),
    values: text("values", { mode: "json" }).$type<Record<string, string>>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.importSeq, t.line] }),
    index("flagged_lines_failed_idx")
      .on(t.importSeq, t.line)
      .where(sql`${t.outcome} = 'failed'`),
    index("flagged_lines_warning_idx")
      .on(t.importSeq, t.line)
      .where(sql`${t.hasWarning} = 1`),
  ],
);

/**
 * The first line of an import that claimed an employee number or an email, for the keys the
 * file holds more than once (import_chunks' repeats): a later line with the same key is a
 * duplicate. A key the file holds once needs no row.
 */
export const importKeys = sqliteTable(
  "import_keys",
  {
    importSeq: integer("import_seq").notNull(),
    kind: text("kind", { enum: ["employee", "email"] }).notNull(),
    key: text("key").notNull(),
    line: integer("line").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importSeq, t.kind, t.key] })],
);

/**
 * What a running dry run's earlier chunks would have written to users, which it does not write:
 * later chunks' rules read users through it, as an import's read what its earlier chunks wrote.
 * One row per line that would create or update a user, deleted when the dry run ends.
 */
export const projectedUsers = sqliteTable(
  "projected_users",
  {
    importSeq: integer("import_seq").notNull(),
    employeeKey: text("employee_key").notNull(),
    employeeNumber: text("employee_number").notNull(),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email").notNull(),
    emailKey: text("email_key").notNull(),
    locationId: integer("location_id"),
    roleId: integer("role_id").notNull(),
    // A dry run of a sync reactivates, so its later chunks must see the status it would leave.
    status: text("status", { enum: userStatuses }).notNull().default("active"),
  },
  (t) => [
    primaryKey({ columns: [t.importSeq, t.employeeKey] }),
    index("projected_users_import_seq_email_key_idx").on(t.importSeq, t.emailKey),
  ],
);

/**
 * What each line of a dry run that would update a user would change: the report's old → new,
 * kept like an import's history rows (user_changes) but smaller, and deleted with its lines.
 */
export const projectedChanges = sqliteTable(
  "projected_changes",
  {
    importSeq: integer("import_seq").notNull(),
    line: integer("line").notNull(),
    changes: text("changes", { mode: "json" }).$type<PackedChange[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.importSeq, t.line] })],
);

/**
 * Line outcomes of chunks applied before chunk_outcomes and flagged_lines existed: every line a
 * row. Read for those chunks only, and emptied by retention; nothing writes here any more.
 */
export const importLines = sqliteTable(
  "import_lines",
  {
    // The import's number (imports.seq). No foreign key: a million-line import would pay a look-up
    // per line, and lines live and die with their import (written by its chunks, deleted by retention).
    importSeq: integer("import_seq").notNull(),
    line: integer("line").notNull(),
    employeeNumber: text("employee_number").notNull().default(""),
    employeeKey: text("employee_key"),
    /** Kept only on failed lines: an applied line's email is found through its user instead. */
    emailKey: text("email_key"),
    outcome: text("outcome", { enum: lineOutcomes }).notNull(),
    hasWarning: integer("has_warning", { mode: "boolean" }).notNull().default(false),
    messages: text("messages", { mode: "json" }).$type<LineMessage[]>().notNull(),
    /** The line's own values by template column, so a report can be fixed and imported again. */
    values: text("values", { mode: "json" }).$type<Record<string, string>>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.importSeq, t.line] }),
    index("import_lines_import_seq_employee_key_idx").on(t.importSeq, t.employeeKey),
    // Partial indexes: only the few lines that need attention pay for an index entry.
    index("import_lines_import_seq_email_key_idx")
      .on(t.importSeq, t.emailKey)
      .where(sql`${t.emailKey} IS NOT NULL`),
    index("import_lines_failed_idx")
      .on(t.importSeq, t.line)
      .where(sql`${t.outcome} = 'failed'`),
    index("import_lines_warning_idx")
      .on(t.importSeq, t.line)
      .where(sql`${t.hasWarning} = 1`),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie's secret: a stolen database does not yield live sessions. */
    idHash: text("id_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const accountLinkKinds = ["activation", "reset"] as const;
export type AccountLinkKind = (typeof accountLinkKinds)[number];

/**
 * The one live link a user has to set a password: an activation link while they have none, a
 * reset link once they have one. Keyed by user, so making a new link replaces the old one, and
 * using it deletes it. Only the SHA-256 of the link's secret is kept.
 */
export const accountLinks = sqliteTable(
  "account_links",
  {
    userId: integer("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    kind: text("kind", { enum: accountLinkKinds }).notNull(),
    /** The admin who made it. */
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("account_links_token_hash_idx").on(t.tokenHash)],
);

/** Failed sign-ins by username, so repeated guessing is slowed to a halt. */
export const signInFailures = sqliteTable(
  "sign_in_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    usernameKey: text("username_key").notNull(),
    /** The address the attempt came from (Cloudflare's CF-Connecting-IP), when known. */
    client: text("client"),
    failedAt: integer("failed_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("sign_in_failures_username_key_failed_at_idx").on(t.usernameKey, t.failedAt),
    index("sign_in_failures_client_failed_at_idx").on(t.client, t.failedAt),
  ],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull(),
    /** The first characters, so a person can tell tokens apart in a list. */
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    /** The one-time key of the page form that created the token: the same form sent again creates none. */
    formKey: text("form_key"),
  },
  (t) => [
    uniqueIndex("api_tokens_token_hash_idx").on(t.tokenHash),
    index("api_tokens_user_id_idx").on(t.userId),
    uniqueIndex("api_tokens_form_key_idx").on(t.formKey),
  ],
);

/**
 * Key rebuilds still to run. When toKey changes, a migration adds a row for each table whose keys
 * it makes, and the scheduled job remakes those keys in JavaScript (SQLite has no NFKC), a
 * bounded window of ids at a time from `after_id`, so a run cut short resumes where it stopped.
 */
export const keyRebuilds = sqliteTable("key_rebuilds", {
  target: text("target", { enum: ["users", "locations", "roles"] }).primaryKey(),
  afterId: integer("after_id").notNull().default(0),
  finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
});

/**
 * A row whose remade key another row already holds: rather than merge two users or two locations
 * silently, the row keeps its old key (`kept_key`) and the pair is listed for admins. It stays
 * listed while the row still holds the old key, and the scheduled job remakes the key once the
 * other row no longer holds it.
 */
export const keyCollisions = sqliteTable(
  "key_collisions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ["user", "location", "role"] }).notNull(),
    field: text("field", { enum: ["employee_number", "email", "name", "code", "alias"] }).notNull(),
    /** The user, location or role that kept its old key. */
    rowId: integer("row_id").notNull(),
    /** The one that holds the key both now make. */
    otherId: integer("other_id").notNull(),
    key: text("key").notNull(),
    keptKey: text("kept_key").notNull(),
    foundAt: integer("found_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [uniqueIndex("key_collisions_kind_field_kept_key_idx").on(t.kind, t.field, t.keptKey)],
);

export type User = typeof users.$inferSelect;
export type Role = typeof roles.$inferSelect;
export type Location = typeof locations.$inferSelect;
export type Import = typeof imports.$inferSelect;
export type ImportChunk = typeof importChunks.$inferSelect;
export type ImportLine = typeof importLines.$inferSelect;
export type FlaggedLine = typeof flaggedLines.$inferSelect;

/**
 * The Idempotency-Key of an API upload, per token, for 24 hours: a retry with the same key and
 * the same file gets the first answer again instead of a second import.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tokenId: integer("token_id")
      .notNull()
      .references(() => apiTokens.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** Null while the first request with the key is still uploading. */
    importId: text("import_id").references(() => imports.id, { onDelete: "cascade" }),
    /** SHA-256 of the file the key was first used with. */
    contentHash: text("content_hash"),
    /** The answer given, given again to a retry. */
    response: text("response", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index("idempotency_keys_created_at_idx").on(t.createdAt)],
);

export type IdempotencyKey = typeof idempotencyKeys.$inferSelect;

/** One field of a user as a change names it; role and location by name. */
export const changedFields = [
  "first_name",
  "last_name",
  "email",
  "location",
  "role",
  "location_locked",
  "role_locked",
  "status",
] as const;
export type FieldChange = { field: (typeof changedFields)[number]; from: string | null; to: string | null };

/**
 * A change as user_changes keeps it, small because a million-line import keeps a million:
 * [field's index in changedFields, to] for a field set from nothing, [index, from, to] otherwise.
 */
export type PackedChange = [number, string | null] | [number, string | null, string | null];

/** What made a change to a user: an import's line, an admin by hand, the undo of an import's line. */
export const changeSources = ["import", "hand", "undo"] as const;
export type ChangeSource = (typeof changeSources)[number];

/**
 * Every change to a user, newest last: what a user's history lists, and what a report's line says
 * it changed. One row per line that creates or updates a user, and none for an unchanged one; a
 * table without rowid keyed by user first, so the row is its only write and a user's history is
 * one range of the key. A line's changes are found through its user, by the import's number.
 */
export const userChanges = sqliteTable(
  "user_changes",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    source: text("source", { enum: changeSources }).notNull(),
    /** The import's number and the line, for a change an import made or undid; 0 for one made by hand. */
    importSeq: integer("import_seq").notNull().default(0),
    line: integer("line").notNull().default(0),
    /** The admin who made a change by hand. */
    byUserId: integer("by_user_id"),
    changes: text("changes", { mode: "json" }).$type<PackedChange[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.at, t.source, t.importSeq, t.line] })],
);

/** Why an undo kept a user, or one of their fields, as it was (undo_notes). */
export const undoKeptReasons = [
  "changed_since",
  "not_as_imported",
  "user_changed_since",
  "user_in_use",
  "user_missing",
  "email_taken",
  "location_missing",
  "role_missing",
  "own_account",
  "not_recorded",
] as const;
export type UndoKept = {
  /** The field kept; null when the whole user was (a created user kept, or one no longer there). */
  field: (typeof changedFields)[number] | null;
  reason: (typeof undoKeptReasons)[number];
};

/**
 * The lines of an undone import whose user, or some of whose fields, the undo kept, and why; a
 * line it took back whole keeps nothing here. A table without rowid, keyed by import and line.
 */
export const undoNotes = sqliteTable(
  "undo_notes",
  {
    importSeq: integer("import_seq").notNull(),
    line: integer("line").notNull(),
    employeeNumber: text("employee_number").notNull(),
    kept: text("kept", { mode: "json" }).$type<UndoKept[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.importSeq, t.line] })],
);

/**
 * An integrator's URL that is told when imports end. The secret is kept as issued, not hashed:
 * every delivery is signed with it (HMAC), so Roster must be able to use it; it is shown once.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    url: text("url").notNull(),
    /** JSON array of the event types it receives, e.g. ["import.completed"]. */
    events: text("events", { mode: "json" }).$type<WebhookEvent[]>().notNull(),
    /** `whsec_` and the base64 of the signing key, as the Standard Webhooks specification has it. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation: deliveries carry its signature too until `previousSecretUntil`. */
    previousSecret: text("previous_secret"),
    previousSecretUntil: integer("previous_secret_until", { mode: "timestamp_ms" }),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    /** The first failed attempt since the last success; null while deliveries succeed. */
    failingSince: integer("failing_since", { mode: "timestamp_ms" }),
    /** Set when its deliveries had all failed for days: nothing is sent until it is enabled again. */
    disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
    /** The one-time key of the page form that created it: the same form sent again creates none. */
    formKey: text("form_key"),
  },
  (t) => [uniqueIndex("webhook_endpoints_form_key_idx").on(t.formKey)],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

export const webhookDeliveryStatuses = ["pending", "succeeded", "failed"] as const;

/**
 * One event for one endpoint, with its body as first made: every attempt sends the same
 * message under the same id (the `webhook-id`), so a receiver can tell a retry from news.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    event: text("event").$type<WebhookEvent>().notNull(),
    /** What the event is about: an import's id. One delivery per endpoint, event and subject. */
    subject: text("subject").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: webhookDeliveryStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** When the next attempt is due; while one runs, when it is given up for lost. */
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_id_event_subject_idx").on(t.endpointId, t.event, t.subject),
    index("webhook_deliveries_pending_idx")
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
  ],
);

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/** Each attempt to deliver, as the Webhooks page logs it. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    /** The receiver's HTTP status; null when no answer came (the error says why). */
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    attemptedAt: integer("attempted_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("webhook_attempts_endpoint_id_idx").on(t.endpointId, t.id),
    index("webhook_attempts_delivery_id_idx").on(t.deliveryId),
  ],
);

export type WebhookAttempt = typeof webhookAttempts.$inferSelect;
