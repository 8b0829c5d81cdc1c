import Papa from "papaparse";
import { cleanValue } from "./clean-value";
import type { RecordSpan, UnitLayout } from "./split-records";
import type { Delimiter, Encoding } from "./types";

/** A record's fields as papaparse reads them, before cleaning. */
export type RawRecord = {
  line: number;
  lastLine: number;
  fields: string[];
  /** papaparse found a quote it could not place (InvalidQuotes or MissingQuotes). */
  quoteError: boolean;
  /** Every field is empty or whitespace: not a user. */
  blank: boolean;
};

export type Dialect = { encoding: Encoding; delimiter: Delimiter; layout: UnitLayout };

/**
 * Copies the records' bytes one after another, each followed by a single LF, and decodes them once.
 * Papaparse expects one kind of line break per parse, and the splitter has already decided where
 * records end, so every record break becomes "\n"; breaks inside quoted fields stay as written.
 * The LF after the last record keeps papaparse's treatment of a closing quote the same whether or
 * not the record ends its chunk.
 */
function joinRecords(bytes: Uint8Array, base: number, spans: readonly RecordSpan[], dialect: Dialect): string {
  const size = dialect.layout.size;
  let total = 0;
  for (const span of spans) total += span.end - span.start + size;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const span of spans) {
    joined.set(bytes.subarray(span.start - base, span.end - base), at);
    at += span.end - span.start;
    joined[at + dialect.layout.lowOffset] = 0x0a;
    at += size;
  }
  return new TextDecoder(dialect.encoding, { fatal: false, ignoreBOM: true }).decode(joined);
}

function parseText(text: string, delimiter: Delimiter): Papa.ParseResult<string[]> {
  return Papa.parse<string[]>(text, {
    delimiter,
    newline: "\n",
    quoteChar: '"',
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
  });
}

function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field === "" || cleanValue(field) === "");
}

/**
 * Reads rows from papaparse's result for `count` records joined with "\n" and one "\n" after.
 * Returns null when papaparse saw a different number of records than the splitter.
 */
function takeRows(
  result: Papa.ParseResult<string[]>,
  count: number,
): { rows: string[][]; quoteErrors: Set<number> } | null {
  const rows = result.data;
  const quoteErrors = new Set<number>();
  for (const error of result.errors) if (error.type === "Quotes" && error.row !== undefined) quoteErrors.add(error.row);
  const last = rows[rows.length - 1];
  if (rows.length === count + 1 && last !== undefined && last.length === 1 && last[0] === "") rows.pop();
  else if (rows.length === count && last !== undefined && quoteErrors.has(count - 1)) {
    // An unclosed quote ran to the end and swallowed the LF that was added after the record.
    const lastField = last[last.length - 1];
    if (lastField !== undefined && lastField.endsWith("\n")) last[last.length - 1] = lastField.slice(0, -1);
  } else return null;
  return { rows, quoteErrors };
}

/** Parses one record on its own; a record papaparse splits in two is reported as a quote error. */
function parseOne(text: string, delimiter: Delimiter): { fields: string[]; quoteError: boolean } {
  const result = parseText(`${text}\n`, delimiter);
  const taken = takeRows(result, 1);
  if (taken !== null) return { fields: taken.rows[0] ?? [""], quoteError: taken.quoteErrors.size > 0 };
  return { fields: result.data.flat(), quoteError: true };
}

/**
 * Parses the fields of whole records with papaparse. `bytes` holds the file from offset `base`.
 * Never throws on content.
 */
export function parseRecords(
  bytes: Uint8Array,
  base: number,
  spans: readonly RecordSpan[],
  dialect: Dialect,
): RawRecord[] {
  if (spans.length === 0) return [];
  const taken = takeRows(parseText(joinRecords(bytes, base, spans, dialect), dialect.delimiter), spans.length);
  return spans.map((span, index) => {
    let fields: string[];
    let quoteError: boolean;
    const row = taken?.rows[index];
    if (taken !== null && row !== undefined) {
      fields = row;
      quoteError = taken.quoteErrors.has(index);
    } else {
      // The splitter and papaparse disagree about a closing quote followed by a non-ASCII space:
      // keep the splitter's records (and so the line numbers) and let papaparse read each alone.
      ({ fields, quoteError } = parseOne(decodeSpan(bytes, base, span, dialect), dialect.delimiter));
    }
    return { line: span.line, lastLine: span.lastLine, fields, quoteError, blank: isBlank(fields) };
  });
}

/** The text of one record. */
export function decodeSpan(bytes: Uint8Array, base: number, span: RecordSpan, dialect: Dialect): string {
  return new TextDecoder(dialect.encoding, { fatal: false, ignoreBOM: true }).decode(
    bytes.subarray(span.start - base, span.end - base),
  );
}

/** Parses a single record. */
export function parseRecord(bytes: Uint8Array, base: number, span: RecordSpan, dialect: Dialect): RawRecord {
  const [record] = parseRecords(bytes, base, [span], dialect);
  if (record === undefined) throw new Error("parseRecords returned no record for one span");
  return record;
}
