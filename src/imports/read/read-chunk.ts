import { templateFields, type RowValues } from "../template";
import { cleanValue } from "./clean-value";
import { tokenizeText, type RawRecord } from "./tokenize-records";
import type { Delimiter, Encoding, FileFormat, FileRecord } from "./types";

const delimiterNames: Record<Delimiter, string> = { ",": "comma", ";": "semicolon", "\t": "tab" };

/** Every record of `bytes` (whole records of a file in this encoding), blank ones included, with raw fields. */
export function readRawRecords(
  bytes: Uint8Array,
  encoding: Encoding,
  delimiter: Delimiter,
  firstLine: number,
): RawRecord[] {
  const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(bytes);
  // A text from the file's start may begin with its BOM, which papaparse's own parse strips too.
  return tokenizeText(firstLine === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text, delimiter, firstLine);
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
 * The non-blank records of one planned chunk, raw, in order: `bytes` are exactly
 * file[byteStart, byteEnd), read as the upload's scan read them, so they are the records it counted.
 */
export function parseChunk(bytes: Uint8Array, format: FileFormat, firstLine: number): RawRecord[] {
  return readRawRecords(bytes, format.encoding, format.delimiter, firstLine).filter((record) => !record.blank);
}

/** A chunk's raw records (from parseChunk) by template field, cleaned. Never throws on content. */
export function toFileRecords(records: readonly RawRecord[], format: FileFormat): FileRecord[] {
  const width = format.columns.length;
  const mapped = format.columns.flatMap((column) => {
    const field = templateFields.find((name) => name === column.field);
    return field === undefined ? [] : [{ index: column.index, field }];
  });
  return records.map((record) => {
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
  return toFileRecords(parseChunk(bytes, format, firstLine), format);
}
