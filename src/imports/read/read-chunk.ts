import { templateFields, type RowValues } from "../template";
import { cleanValue } from "./clean-value";
import { parseRecords, type Dialect, type RawRecord } from "./parse-records";
import { classifyUnits, layoutOf, splitRecords, type RecordSpan } from "./split-records";
import type { Delimiter, Encoding, FileFormat, FileRecord } from "./types";

const delimiterNames: Record<Delimiter, string> = { ",": "comma", ";": "semicolon", "\t": "tab" };

/** Every record of `bytes` (whole records of a file in this encoding), blank ones included, with raw fields. */
export function readRawRecords(
  bytes: Uint8Array,
  encoding: Encoding,
  delimiter: Delimiter,
  firstLine: number,
): RawRecord[] {
  const dialect: Dialect = { encoding, delimiter, layout: layoutOf(encoding) };
  const spans = splitRecords(bytes, classifyUnits(delimiter), dialect.layout, firstLine);
  return parseRecords(bytes, 0, spans, dialect);
}

/**
 * Why a record does not fit the header, as a sentence for people, or undefined when it fits.
 * Values past the header's width that are empty once cleaned do not count.
 */
export function describeMalformed(record: RawRecord, width: number, delimiter: Delimiter): string | undefined {
  const values = record.fields;
  if (record.quoteError) {
    if (record.lastLine > record.line) {
      return (
        `Line ${record.line} has a quote that is not closed properly; the record runs on to line ${record.lastLine}. ` +
        `A value that starts with a quote must end with one, and a quote inside it must be doubled ("").`
      );
    }
    return (
      `Line ${record.line} has a quote in the wrong place. A value that starts with a quote must end with one just before the next ${delimiterNames[delimiter]}, ` +
      `and a quote inside it must be doubled ("").`
    );
  }
  let used = values.length;
  while (used > width && cleanValue(values[used - 1] ?? "") === "") used--;
  if (used > width) return `Line ${record.line} has ${used} values but the header has ${width} columns.`;
  return undefined;
}

/**
 * The spans of one planned chunk's non-blank records, in order: `bytes` are exactly
 * file[byteStart, byteEnd). Cheap, since no field is parsed but a record's whose blankness only a
 * parse can tell (see RecordSpan.exotic); the upload's scan counts records by the same test.
 */
export function splitChunk(bytes: Uint8Array, format: FileFormat, firstLine: number): RecordSpan[] {
  const dialect: Dialect = {
    encoding: format.encoding,
    delimiter: format.delimiter,
    layout: layoutOf(format.encoding),
  };
  return splitRecords(bytes, classifyUnits(format.delimiter), dialect.layout, firstLine).filter(
    (span) => span.visible || (span.exotic && !parseRecords(bytes, 0, [span], dialect)[0]?.blank),
  );
}

/** Reads spans of a chunk's bytes (from splitChunk) as records, by template field, in order. Never throws on content. */
export function readSpans(bytes: Uint8Array, format: FileFormat, spans: readonly RecordSpan[]): FileRecord[] {
  const width = format.columns.length;
  const mapped = format.columns.flatMap((column) => {
    const field = templateFields.find((name) => name === column.field);
    return field === undefined ? [] : [{ index: column.index, field }];
  });
  const dialect: Dialect = {
    encoding: format.encoding,
    delimiter: format.delimiter,
    layout: layoutOf(format.encoding),
  };
  return parseRecords(bytes, 0, spans, dialect).map((record) => {
    // Only the template's columns are cleaned: a file may carry many others that are ignored.
    const values: RowValues = { employee_number: "", first_name: "", last_name: "", location: "", email: "", role: "" };
    for (const { index, field } of mapped) values[field] = cleanValue(record.fields[index] ?? "");
    const malformed = describeMalformed(record, width, format.delimiter);
    return malformed === undefined ? { line: record.line, values } : { line: record.line, values, malformed };
  });
}

/**
 * Reads one planned chunk: `bytes` are exactly file[byteStart, byteEnd). Returns its non-blank
 * records in order, with their physical line numbers. Never throws on content.
 */
export function readChunk(bytes: Uint8Array, format: FileFormat, firstLine: number): FileRecord[] {
  return readSpans(bytes, format, splitChunk(bytes, format, firstLine));
}
