import Papa from "papaparse";
import type { Db } from "../db/client";
import { listImportLines, type LineFilter } from "../db/imports";
import type { ImportLine } from "../db/schema";
import { inRows } from "./row-wording";
import { templateFields } from "./template";

/** Excel shows UTF-8 names correctly only when the file starts with a byte order mark. */
const bom = "\uFEFF";
const pageSize = 1_000;

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the start)
 * is prefixed with an apostrophe, so opening a report never executes what a file contained.
 */
function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const toCsv = (rows: string[][]) => Papa.unparse(rows.map((r) => r.map(neutraliseCell)), { newline: "\r\n" }) + "\r\n";

function streamLines(
  db: Db,
  importId: string,
  filter: Omit<LineFilter, "limit" | "cursor">,
  header: string[],
  toRow: (line: ImportLine) => string[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: number | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    // One page per pull: memory stays at one page however long the report is.
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(bom + toCsv([header])));
        return;
      }
      const page = await listImportLines(db, importId, { ...filter, limit: pageSize, cursor });
      if (page.lines.length) controller.enqueue(encoder.encode(toCsv(page.lines.map(toRow))));
      if (page.nextCursor === null) controller.close();
      else cursor = page.nextCursor;
    },
  });
}

/**
 * Every line of an import: line, outcome, messages, then the line's own values. A workbook's
 * report speaks of its sheet's rows.
 */
export function reportCsv(db: Db, importId: string, workbook: boolean): ReadableStream<Uint8Array> {
  const worded = workbook ? inRows : (message: string) => message;
  return streamLines(db, importId, {}, [workbook ? "row" : "line", "outcome", "messages", ...templateFields], (l) => [
    String(l.line),
    l.outcome,
    l.messages.map((m) => `${m.level === "error" ? "Error" : "Warning"} (${m.code}): ${worded(m.message)}`).join(" | "),
    ...templateFields.map((f) => l.values[f] ?? ""),
  ]);
}

/** The failed lines in the template's columns, to fix and import again. */
export function failedLinesCsv(db: Db, importId: string): ReadableStream<Uint8Array> {
  return streamLines(db, importId, { outcome: "failed" }, [...templateFields], (l) => templateFields.map((f) => l.values[f] ?? ""));
}

/**
 * The template: the header row alone. An example user in it would be imported, as a real user,
 * by anyone who adds their lines below it; the upload page and README describe each column.
 */
export function templateCsv(): string {
  return toCsv([[...templateFields]]);
}
