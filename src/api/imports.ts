import { Hono } from "hono";
import { requireManageUsers } from "../auth/bearer";
import type { AppEnv } from "../context";
import type { Db } from "../db/client";
import { findImport, listImports, type ImportView } from "../db/imports";
import { listImportLines } from "../imports/read-lines";
import { AppError } from "../errors";
import { csvAttachment } from "../http/csv-attachment";
import { readUploadForm } from "../http/read-upload-form";
import { failedLinesCsv, reportCsv } from "../imports/report-csv";
import { startImport } from "../imports/start-import";
import { createImport } from "../imports/upload-file";
import { presentImport, presentLine, presentUpload } from "./present";
import { importIdParam, linesQuery, pageQuery, uploadQuery } from "./schemas";
import { validate } from "./validate";

export const importsApi = new Hono<AppEnv>();

// Reading imports needs admin access (checked for the whole API); uploading and starting
// them needs the manage-users permission too.
importsApi.post("/", requireManageUsers, validate("query", uploadQuery), async (c) => {
  const query = c.req.valid("query");
  const type = c.req.header("Content-Type") ?? "";
  let upload: { fileName: string; body: ReadableStream<Uint8Array>; size: number | null; contentType: string | null };
  if (type.startsWith("multipart/form-data")) {
    // Streamed from the form into storage: a large file never sits in the Worker's memory.
    const { file } = await readUploadForm(c.req.raw);
    if (!file) throw new AppError(400, "missing_file", "Send the CSV or workbook in a form field named `file`.");
    upload = { fileName: query.filename ?? file.name, body: file.body, size: null, contentType: null };
  } else {
    const body = c.req.raw.body;
    if (!body) throw new AppError(422, "empty_file", "The request has no file. Send the CSV or workbook as the body, or as a form field named `file`.");
    const length = c.req.header("Content-Length");
    upload = { fileName: query.filename ?? "users.csv", body, size: length === undefined ? null : Number(length), contentType: type };
  }
  const imp = await createImport(c.env, c.var.db, { uploadedBy: c.var.viewer.id, ...upload, sheet: query.sheet ?? null });
  if (query.start === "true") {
    await startImport(c.env, c.var.db, imp.id);
    return c.json({ ...presentUpload(imp), status: "queued" as const }, 201);
  }
  return c.json(presentUpload(imp), 201);
});

importsApi.get("/", validate("query", pageQuery), async (c) => {
  const page = await listImports(c.var.db, c.req.valid("query"));
  return c.json({ imports: page.imports.map(presentImport), next_cursor: page.nextCursor });
});

/** The import with this id, or the API's 404. */
async function requireImport(db: Db, id: string): Promise<ImportView> {
  const imp = await findImport(db, id);
  if (!imp) throw new AppError(404, "not_found", "There is no import with this id.");
  return imp;
}

importsApi.get("/:id", validate("param", importIdParam), async (c) => {
  return c.json(presentImport(await requireImport(c.var.db, c.req.valid("param").id)));
});

importsApi.post("/:id/start", requireManageUsers, validate("param", importIdParam), async (c) => {
  const imp = await startImport(c.env, c.var.db, c.req.valid("param").id);
  return c.json(presentImport(imp), 202);
});

importsApi.get("/:id/lines", validate("param", importIdParam), validate("query", linesQuery), async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  const page = await listImportLines(c.env.FILES, c.var.db, imp, c.req.valid("query"));
  return c.json({ lines: page.lines.map((l) => presentLine(l, imp.workbook !== null)), next_cursor: page.nextCursor });
});

importsApi.get("/:id/report.csv", validate("param", importIdParam), async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  return c.body(reportCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`import-${imp.id}-report.csv`));
});

importsApi.get("/:id/failed.csv", validate("param", importIdParam), async (c) => {
  const imp = await requireImport(c.var.db, c.req.valid("param").id);
  return c.body(failedLinesCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`import-${imp.id}-failed-lines.csv`));
});
