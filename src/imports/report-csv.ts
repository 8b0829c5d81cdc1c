import Papa from "papaparse";
import type { Db } from "../db/client";
import { listChunkPlans } from "../db/import-chunks";
import type { LineFilter } from "../db/imports";
import type { Import, ImportChunk } from "../db/schema";
import { describeChange } from "./describe-changes";
import { guardFormula } from "./formula-cells";
import { readImportChunk } from "./import-file";
import { walkImportLines, type ReportLine } from "./read-lines";
import { inRows } from "./row-wording";
import { templateFields, type TemplateField } from "./template";
import { listSyncDeactivations } from "../db/sync-deactivations";

/** Excel shows UTF-8 names correctly only when the file starts with a byte order mark. */
export const bom = "\uFEFF";
const pageSize = 1_000;

/** Formula-like cells are guarded (guardFormula), so opening a report never executes what a file contained. */
export const toCsv = (rows: string[][]) =>
  Papa.unparse(
    rows.map((r) => r.map(guardFormula)),
    { newline: "\r\n" },
  ) + "\r\n";

function streamLines(
  bucket: R2Bucket,
  db: Db,
  imp: Import,
  filter: Omit<LineFilter, "limit" | "cursor">,
  header: string[],
  toRow: (line: ReportLine) => string[],
  after?: AsyncGenerator<string[][]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const lines = walkImportLines(bucket, db, imp, filter, pageSize);
  let tail = false;
  let started = false;
  return new ReadableStream<Uint8Array>({
    // One batch (a page of stored lines, or a chunk) per pull: memory stays at one batch however long the report is.
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(bom + toCsv([header])));
        return;
      }
      const next = tail ? { done: true as const } : await lines.next();
      if (!next.done) {
        controller.enqueue(encoder.encode(toCsv(next.value.map(toRow))));
        return;
      }
      tail = true;
      const rows = after ? await after.next() : { done: true as const };
      if (rows.done) controller.close();
      else controller.enqueue(encoder.encode(toCsv(rows.value)));
    },
    async cancel() {
      await lines.return(undefined);
      await after?.return(undefined);
    },
  });
}

/**
 * Every line of an import: line, outcome, messages, what it changed, then the line's own values. A workbook's
 * report speaks of its sheet's rows.
 */
export function reportCsv(bucket: R2Bucket, db: Db, imp: Import): ReadableStream<Uint8Array> {
  const worded = imp.workbook ? inRows : (message: string) => message;
  return streamLines(
    bucket,
    db,
    imp,
    {},
    [imp.workbook ? "row" : "line", "outcome", "messages", "changes", ...templateFields],
    (l) => [
      String(l.line),
      l.outcome,
      l.messages
        .map((m) => `${m.level === "error" ? "Error" : "Warning"} (${m.code}): ${worded(m.message)}`)
        .join(" | "),
      l.changes.map(describeChange).join(" | "),
      ...templateFields.map((f) => l.values[f] ?? ""),
    ],
    imp.sync ? deactivatedRows(db, imp) : undefined,
  );
}

const notInFile = "Warning (not_in_file): Not in the file, so this sync deactivated them.";
const notInFileDryRun = "Warning (not_in_file): Not in the file, so a sync of it would deactivate them.";
const deactivatedChange = describeChange({ field: "status", from: "active", to: "deactivated" });

/**
 * A sync's deactivated users after its lines, a page at a time: no line number (no line named
 * them), the outcome `deactivated`, and their values in the template's columns. A dry run's rows
 * are those a sync would deactivate, and say so.
 */
async function* deactivatedRows(db: Db, imp: Import): AsyncGenerator<string[][]> {
  for (let afterId = 0; ;) {
    const users = await listSyncDeactivations(db, imp.seq, { afterId, limit: pageSize });
    if (users.length > 0)
      yield users.map((u) => {
        const values: Record<TemplateField, string> = {
          employee_number: u.employeeNumber,
          first_name: u.firstName,
          last_name: u.lastName,
          location: u.location ?? "",
          email: u.email,
          role: u.role,
        };
        const message = imp.dryRun ? notInFileDryRun : notInFile;
        return ["", "deactivated", message, deactivatedChange, ...templateFields.map((f) => values[f])];
      });
    const last = users.at(-1);
    if (!last || users.length < pageSize) return;
    afterId = last.id;
  }
}

/** The failed lines in the template's columns, to fix and import again. */
export function failedLinesCsv(bucket: R2Bucket, db: Db, imp: Import): ReadableStream<Uint8Array> {
  return streamLines(bucket, db, imp, { outcome: "failed" }, [...templateFields], (l) =>
    templateFields.map((f) => l.values[f] ?? ""),
  );
}

/**
 * The template: the header row alone. An example user in it would be imported, as a real user,
 * by anyone who adds their lines below it; the upload page and README describe each column.
 */
export function templateCsv(): string {
  return toCsv([[...templateFields]]);
}

/**
 * Why an import has no lines not reached to give, or null when it has: only a cancelled or failed
 * import stops before its end, and its lines are read back from its file while it is stored.
 */
export async function notReachedRefusal(bucket: R2Bucket, imp: Import): Promise<"not_stopped" | "file_deleted" | null> {
  if (imp.status !== "cancelled" && imp.status !== "failed") return "not_stopped";
  if (imp.purgedAt || !(await bucket.head(imp.fileKey))) return "file_deleted";
  return null;
}

/**
 * The lines a cancelled or failed import did not reach, in the template's columns, to import
 * later: the records of every chunk it did not apply, read back from the stored file one chunk
 * at a time.
 */
export function notReachedCsv(bucket: R2Bucket, db: Db, imp: Import): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let plans: ImportChunk[] | null = null;
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (plans === null) {
        plans = await listChunkPlans(db, imp.id, imp.nextChunk);
        controller.enqueue(encoder.encode(bom + toCsv([[...templateFields]])));
        return;
      }
      const chunk = plans[next++];
      if (chunk === undefined) {
        controller.close();
        return;
      }
      const records = await readImportChunk(bucket, imp, chunk);
      if (!records) throw new Error("The uploaded file is no longer in storage.");
      controller.enqueue(encoder.encode(toCsv(records.map((r) => templateFields.map((f) => r.values[f])))));
    },
  });
}
