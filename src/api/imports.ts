import { createRoute, type z } from "@hono/zod-openapi";
import { requireManageUsers } from "../auth/bearer";
import type { Db } from "../db/client";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "../db/idempotency-keys";
import { findEarlierImport, findImport, listImports, type ImportView } from "../db/imports";
import { listImportLines } from "../imports/read-lines";
import { isRunning } from "../db/schema";
import { AppError } from "../errors";
import { activationLinksCsv } from "../http/activation-links-csv";
import { csvAttachment } from "../http/csv-attachment";
import { hashBody } from "../http/hash-body";
import { readUploadForm } from "../http/read-upload-form";
import { failedLinesCsv, notReachedCsv, notReachedRefusal, reportCsv } from "../imports/report-csv";
import { applyDryRun } from "../imports/apply-dry-run";
import { cancelRunningImport, startImport, type StartOptions } from "../imports/start-import";
import { forecastSync } from "../imports/sync-guardrail";
import { undoImport } from "../imports/undo-import";
import { listUndoNotes } from "../db/import-undo";
import { listSyncDeactivations } from "../db/sync-deactivations";
import { createImport } from "../imports/upload-file";
import { createApiApp } from "./api-app";
import { decodeCursor, decodeNumberCursor, encodeCursor } from "./cursor";
import { limitUploads } from "./rate-limits";
import { presentDeactivatedUser, presentImport, presentLine, presentUndoNote, presentUpload } from "./present";
import { csvResponse, errorResponse, importNotFound, invalidInput, jsonResponse, tokenResponses } from "./responses";
import {
  deactivatedList,
  applyQuery,
  startQuery,
  syncForecast,
  importIdParam,
  importList,
  importSummary,
  lineList,
  linesQuery,
  pageQuery,
  undoNoteList,
  uploadedImport,
  uploadHeaders,
  uploadQuery,
} from "./schemas";

export const importsApi = createApiApp();

/** The import with this id, or the API's 404. */
async function requireImport(db: Db, id: string): Promise<ImportView> {
  const imp = await findImport(db, id);
  if (!imp) throw new AppError(404, "not_found", "There is no import with this id.");
  return imp;
}

// Reading imports needs admin access (checked for the whole API); uploading and starting
// them needs the manage-users permission too.
const upload = createRoute({
  method: "post",
  path: "/",
  summary: "Upload a CSV of users",
  description:
    "Send the file as a `text/csv` body (name it with `filename`) or as the multipart field `file`. Roster reads it as it streams in and answers with what it found; with `start=true` it also starts the import, with `sync=true` as a sync (see the start route), and with `dry_run=true` as a dry run (of a sync, with both). With an `Idempotency-Key`, a retry of the same file answers the first upload again.",
  middleware: [requireManageUsers, limitUploads] as const,
  request: {
    query: uploadQuery,
    headers: uploadHeaders,
    body: {
      required: true,
      content: {
        // Plain schemas, not zod: the body streams into storage and is never parsed whole.
        "text/csv": { schema: { type: "string", description: "The CSV file." } },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
          schema: { type: "string", format: "binary", description: "An Excel workbook (.xlsx)." },
        },
        "application/vnd.oasis.opendocument.spreadsheet": {
          schema: { type: "string", format: "binary", description: "An OpenDocument spreadsheet (.ods)." },
        },
        "multipart/form-data": {
          schema: {
            type: "object",
            required: ["file"],
            properties: { file: { type: "string", format: "binary", description: "The CSV file or workbook." } },
          },
        },
      },
    },
  },
  responses: {
    201: jsonResponse("The file was read: the import is ready to start, or queued with start=true.", uploadedImport),
    200: jsonResponse(
      "A retry with the Idempotency-Key of an earlier upload of the same file: that upload's answer, again. Nothing was stored.",
      uploadedImport,
    ),
    400: errorResponse(
      "`invalid_input`: a query value or the Idempotency-Key is not valid; `missing_file`: the form has no field named `file`.",
    ),
    409: errorResponse(
      "`idempotency_key_in_use`: the first request with this Idempotency-Key is still uploading; retry in a moment. `too_many_deactivations`: with `start=true&sync=true`, the sync would deactivate more users than the guardrail allows; the message says how many, and the import stays ready to start with `confirm_deactivations`.",
    ),
    413: errorResponse(
      "`file_too_large`: the file is over the size limit, which the message names; `workbook_too_large`: a workbook's sheet inflates past its limit.",
    ),
    415: errorResponse("`not_csv`: a workbook, PDF, image or other binary file."),
    422: errorResponse(
      "The file is refused, storing nothing: `empty_file`, `no_rows`, `missing_columns`, `duplicate_column`, `line_too_long`, `encrypted_workbook` or `unknown_sheet`; or `idempotency_key_reused`: the Idempotency-Key was used with a different file in the last 24 hours.",
    ),
    ...tokenResponses,
  },
});

type Upload = { fileName: string; body: ReadableStream<Uint8Array>; size: number | null; contentType: string | null };

importsApi.openapi(upload, async (c) => {
  const query = c.req.valid("query");
  const key = c.req.valid("header")["idempotency-key"];
  const type = c.req.header("Content-Type") ?? "";
  let file: Upload;
  if (type.startsWith("multipart/form-data")) {
    // Streamed from the form into storage: a large file never sits in the Worker's memory.
    const form = await readUploadForm(c.req.raw);
    if (!form.file) throw new AppError(400, "missing_file", "Send the CSV or workbook in a form field named `file`.");
    file = { fileName: query.filename ?? form.file.name, body: form.file.body, size: null, contentType: null };
  } else {
    const body = c.req.raw.body;
    if (!body)
      throw new AppError(
        422,
        "empty_file",
        "The request has no file. Send the CSV or workbook as the body, or as a form field named `file`.",
      );
    const length = c.req.header("Content-Length");
    file = {
      fileName: query.filename ?? "users.csv",
      body,
      size: length === undefined ? null : Number(length),
      contentType: type,
    };
  }
  const db = c.var.db;
  const tokenId = c.var.tokenId;
  if (key !== undefined) {
    const stored = await claimIdempotencyKey(db, tokenId, key, new Date());
    if (stored) {
      if (stored.importId === null || stored.response === null) {
        throw new AppError(
          409,
          "idempotency_key_in_use",
          "The first request with this Idempotency-Key is still uploading. Try again in a moment: the answer will then be that upload's.",
        );
      }
      if ((await hashBody(file.body)) !== stored.contentHash) {
        throw new AppError(
          422,
          "idempotency_key_reused",
          "This Idempotency-Key was used in the last 24 hours with a different file. Send a new key with a new file.",
        );
      }
      // An answer kept from before dry runs has no dry_run: it was none.
      return c.json(uploadedImport.parse({ dry_run: false, ...stored.response }), 200);
    }
  }
  let answer: z.input<typeof uploadedImport>;
  try {
    const imp = await createImport(c.env, db, {
      uploadedBy: c.var.viewer.id,
      ...file,
      sheet: query.sheet ?? null,
      dryRun: query.dry_run === "true",
    });
    const earlier = imp.contentHash === null ? null : await findEarlierImport(db, imp.contentHash, imp.id);
    answer = presentUpload(imp, earlier);
    if (query.start === "true") {
      try {
        await startImport(c.env, db, imp.id, c.var.viewer.id, startOptionsOf(query));
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== "too_many_deactivations") throw err;
        // The file is stored all the same: say where, so the number can be confirmed without uploading again.
        throw new AppError(
          409,
          err.code,
          `${err.message} The file is kept as import ${imp.id}, ready: start it with POST /api/imports/${imp.id}/start?sync=true&confirm_deactivations=<the number>.`,
        );
      }
      answer = { ...answer, status: "queued" };
    }
    if (key !== undefined && imp.contentHash !== null)
      await completeIdempotencyKey(db, tokenId, key, {
        importId: imp.id,
        contentHash: imp.contentHash,
        response: answer,
      });
  } catch (err) {
    // A refused file stored nothing: its key is free for the corrected file.
    if (key !== undefined) await releaseIdempotencyKey(db, tokenId, key);
    throw err;
  }
  return c.json(answer, 201);
});

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List imports, newest first",
  request: { query: pageQuery },
  responses: { 200: jsonResponse("A page of imports.", importList), ...invalidInput, ...tokenResponses },
});

importsApi.openapi(list, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await listImports(c.var.db, { limit, cursor: cursor === undefined ? undefined : decodeCursor(cursor) });
  return c.json(
    {
      imports: page.imports.map(presentImport),
      next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor),
    },
    200,
  );
});

const show = createRoute({
  method: "get",
  path: "/{id}",
  summary: "One import, with its progress and counts",
  request: { params: importIdParam },
  responses: { 200: jsonResponse("The import.", importSummary), ...invalidInput, ...importNotFound, ...tokenResponses },
});

importsApi.openapi(show, async (c) => {
  return c.json(presentImport(await requireImport(c.var.db, c.req.valid("param").id)), 200);
});

const start = createRoute({
  method: "post",
  path: "/{id}/start",
  summary: "Start a ready import",
  description:
    "Starting an import that is already under way or finished changes nothing. A dry run (uploaded with `dry_run=true`) starts as a dry run. With `sync=true` it is a sync: after its last line, every active user that an import created (never one made by hand, nor you) and that no line of the file names, whatever that line's outcome, is deactivated; a line naming a user an earlier sync deactivated reactivates them. A sync that would deactivate more than `SYNC_CONFIRM_ABOVE_PERCENT` of the active users starts only with `confirm_deactivations` set to that exact number. A dry run with `sync=true` is a dry run of a sync: its lines run as a sync's would and, after the last, it lists whom the sync would deactivate (`deactivated`, `/deactivated`) and deactivates no one, so it needs no confirmation.",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam, query: startQuery },
  responses: {
    202: jsonResponse("Queued, or already under way or finished.", importSummary),
    409: errorResponse(
      "`too_many_deactivations`: the sync would deactivate more users than the guardrail allows, and `confirm_deactivations` is not that number; the message says it. `sync_unavailable`: the file was uploaded before syncs could be checked against it.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(start, async (c) => {
  const options = startOptionsOf(c.req.valid("query"));
  const imp = await startImport(c.env, c.var.db, c.req.valid("param").id, c.var.viewer.id, options);
  return c.json(presentImport(imp), 202);
});

function startOptionsOf(query: z.infer<typeof startQuery>): StartOptions {
  return { sync: query.sync === "true", confirmDeactivations: query.confirm_deactivations };
}

const forecast = createRoute({
  method: "get",
  path: "/{id}/sync-forecast",
  summary: "How many users a sync of this ready import would deactivate, and whether that needs confirming",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam },
  responses: {
    200: jsonResponse("The forecast, for a sync started now by this token's user.", syncForecast),
    409: errorResponse(
      "`import_started`: the import is no longer ready; `sync_unavailable`: the file was uploaded before syncs could be checked against it.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(forecast, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  if (imp.status !== "ready")
    throw new AppError(
      409,
      "import_started",
      "This import has started already, so it can no longer be started as a sync.",
    );
  const f = await forecastSync(c.env, c.var.db, imp, c.var.viewer.id);
  return c.json(
    {
      deactivations: f.deactivations,
      active_users: f.activeUsers,
      confirm_above: f.limit,
      needs_confirmation: f.needsConfirmation,
    },
    200,
  );
});

const deactivated = createRoute({
  method: "get",
  path: "/{id}/deactivated",
  summary:
    "The users a sync deactivated because its file did not name them (for a dry run of a sync, whom it would deactivate), in the order it did",
  request: { params: importIdParam, query: pageQuery },
  responses: {
    200: jsonResponse("A page of deactivated users.", deactivatedList),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(deactivated, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  const { limit, cursor } = c.req.valid("query");
  const afterId = cursor === undefined ? 0 : decodeNumberCursor(cursor);
  const rows = await listSyncDeactivations(c.var.db, imp.seq, { afterId, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      users: page.map(presentDeactivatedUser),
      next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    },
    200,
  );
});

const cancel = createRoute({
  method: "post",
  path: "/{id}/cancel",
  summary: "Stop a queued or running import",
  description:
    "The import stops at its next chunk boundary: the chunk in flight is applied whole, and the import ends as `cancelled` with true counts and lines for every line it applied (or `completed`, when the chunk in flight was its last). Its status is `cancelling` until then. The lines it did not reach are in `not-reached.csv`.",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam },
  responses: {
    202: jsonResponse("Asked to stop (or already stopping): the import as it stands.", importSummary),
    409: errorResponse(
      "`import_not_started`: the import is still ready (delete it instead); `import_finished`: it has completed, been cancelled or failed.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(cancel, async (c) => {
  const imp = await cancelRunningImport(c.var.db, c.req.valid("param").id);
  return c.json(presentImport(imp), 202);
});

const apply = createRoute({
  method: "post",
  path: "/{id}/apply",
  summary: "Import a completed dry run's file for real",
  description:
    "Makes a new import of the file the dry run stored (no second upload), queued and started by you; poll it as any import. When nothing changed in between, its counts and lines are the dry run's. A dry run is imported once. A dry run of a sync makes a sync, under the guardrail as the start route: above `SYNC_CONFIRM_ABOVE_PERCENT` it needs `confirm_deactivations`, the number a sync started now would deactivate (which may differ from the dry run's, when users changed since).",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam, query: applyQuery },
  responses: {
    201: jsonResponse("The new import, queued.", importSummary),
    409: errorResponse(
      "`not_a_dry_run`: the import is not a dry run; `dry_run_not_completed`: it has not completed (still running, cancelled or failed); `dry_run_applied`: its file was imported already, as the message says; `file_deleted`: the retention period deleted its file; `too_many_deactivations`: a dry run of a sync whose sync would deactivate more users than the guardrail allows, and `confirm_deactivations` is not that number, which the message says; `sync_unavailable`: the file was uploaded before syncs could be checked against it.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

const undo = createRoute({
  method: "post",
  path: "/{id}/undo",
  summary: "Undo a completed or cancelled import",
  description:
    "Runs in the background: the status is `undoing`, with progress in `undo`, then `undone`. Users the import created are removed, unless they changed since; users it updated get their earlier values back, field by field, except fields changed since (by a later import or by hand). Each kept user or field is listed in `/undo-notes`; each restore is in the user's history. Asking again while the import is undoing, or once it is undone, changes nothing and answers 202. The import's `/lines` and `report.csv` stay as they were.",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam },
  responses: {
    202: jsonResponse("Undoing (or already undoing or undone): the import as it stands.", importSummary),
    409: errorResponse(
      "`dry_run`: a dry run changed nothing to undo; `import_not_finished`: the import is ready, queued or running; `import_failed`: it failed; `import_purged`: its lines were deleted after the retention period; `import_not_recorded`: it ran before Roster kept each chunk's outcomes.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(apply, async (c) => {
  const { confirm_deactivations } = c.req.valid("query");
  const imp = await applyDryRun(c.env, c.var.db, c.req.valid("param").id, c.var.viewer.id, {
    confirmDeactivations: confirm_deactivations,
  });
  return c.json(presentImport(imp), 201);
});

importsApi.openapi(undo, async (c) => {
  const imp = await undoImport(c.env, c.var.db, c.req.valid("param").id, c.var.viewer.id);
  return c.json(presentImport(imp), 202);
});

const undoNotes = createRoute({
  method: "get",
  path: "/{id}/undo-notes",
  summary: "The lines whose user, or some of whose fields, an undo kept, and why, in line order",
  request: { params: importIdParam, query: pageQuery },
  responses: {
    200: jsonResponse("A page of kept lines.", undoNoteList),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(undoNotes, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  const { limit, cursor } = c.req.valid("query");
  const page = await listUndoNotes(c.var.db, imp.seq, {
    limit,
    cursor: cursor === undefined ? undefined : decodeNumberCursor(cursor),
  });
  return c.json(
    {
      notes: page.notes.map(presentUndoNote),
      next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor),
    },
    200,
  );
});

const notReached = createRoute({
  method: "get",
  path: "/{id}/not-reached.csv",
  summary: "The lines a cancelled or failed import did not reach, in the template's columns, to import later",
  request: { params: importIdParam },
  responses: {
    200: csvResponse("The lines not reached."),
    409: errorResponse(
      "`import_not_stopped`: only a cancelled or failed import has lines it did not reach; `file_deleted`: its file is no longer in storage.",
    ),
    ...invalidInput,
    ...importNotFound,
    ...tokenResponses,
  },
});

importsApi.openapi(notReached, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  const refusal = await notReachedRefusal(c.env.FILES, imp);
  if (refusal === "not_stopped")
    throw new AppError(409, "import_not_stopped", "Only a cancelled or failed import has lines it did not reach.");
  if (refusal === "file_deleted")
    throw new AppError(
      409,
      "file_deleted",
      "The file is no longer in storage (the retention period deletes it). Upload it again instead.",
    );
  return c.body(notReachedCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`import-${imp.id}-not-reached.csv`));
});

const lines = createRoute({
  method: "get",
  path: "/{id}/lines",
  summary: "Line outcomes, in line order",
  request: { params: importIdParam, query: linesQuery },
  responses: { 200: jsonResponse("A page of lines.", lineList), ...invalidInput, ...importNotFound, ...tokenResponses },
});

importsApi.openapi(lines, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  const { cursor, ...filter } = c.req.valid("query");
  const page = await listImportLines(c.env.FILES, c.var.db, imp, {
    ...filter,
    cursor: cursor === undefined ? undefined : decodeNumberCursor(cursor),
  });
  return c.json(
    {
      lines: page.lines.map((l) => presentLine(l, imp.workbook !== null)),
      next_cursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor),
    },
    200,
  );
});

const report = createRoute({
  method: "get",
  path: "/{id}/report.csv",
  summary: "The report: every line with its outcome and messages, then its values",
  request: { params: importIdParam },
  responses: { 200: csvResponse("The report."), ...invalidInput, ...importNotFound, ...tokenResponses },
});

importsApi.openapi(report, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  return c.body(reportCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`import-${imp.id}-report.csv`));
});

const activationLinks = createRoute({
  method: "post",
  path: "/{id}/activation-links.csv",
  summary: "Make an activation link for every user the import created who has no password yet, as CSV",
  description:
    "Columns employee_number, first_name, last_name, email, activation_link, expires_at; one line per active user the import created who still has no password (and whose role is within the token's own permissions). Each call makes new links, replacing the users' earlier ones. Streamed a page of users at a time; formula-safe.",
  middleware: [requireManageUsers] as const,
  request: { params: importIdParam },
  responses: {
    200: csvResponse("The links, shown this once: Roster keeps only their hashes."),
    ...invalidInput,
    ...importNotFound,
    409: errorResponse("`import_not_finished`: the import has not ended yet, so it may create more users."),
    ...tokenResponses,
  },
});

importsApi.openapi(activationLinks, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  if (imp.status === "ready" || isRunning(imp.status)) {
    throw new AppError(409, "import_not_finished", "The import has not ended yet. Ask for its links once it has.");
  }
  const body = activationLinksCsv(c.var.db, c.env, new URL(c.req.url).origin, c.var.viewer, imp);
  return c.body(body, 200, csvAttachment(`import-${imp.id}-activation-links.csv`));
});

const failed = createRoute({
  method: "get",
  path: "/{id}/failed.csv",
  summary: "The failed lines in the template's columns, to fix and import again",
  request: { params: importIdParam },
  responses: { 200: csvResponse("The failed lines."), ...invalidInput, ...importNotFound, ...tokenResponses },
});

importsApi.openapi(failed, async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  return c.body(failedLinesCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`import-${imp.id}-failed-lines.csv`));
});
