import { FileRefused } from "./file-refused";
import Papa from "papaparse";
import { unitOf } from "./line-breaks";
import type { Delimiter, Encoding } from "./types";

/** How much of the file's start is looked at to recognise binaries and the delimiter. */
export const HEAD_BYTES = 65536;

const saveAsHint =
  'Open it in Excel, choose File > Save As, pick "CSV UTF-8 (Comma delimited) (*.csv)" and upload that file.';

const signatures: { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: "an Excel workbook (.xlsx) or another zip archive" },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: "a zip archive" },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: "an old Excel workbook (.xls)" },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: "a PDF document" },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], what: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: "a GIF image" },
  { bytes: [0x1f, 0x8b], what: "a gzip archive" },
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((b, i) => bytes[i] === b);
}

function refuseBinary(what: string): never {
  throw new FileRefused("not_csv", `This file is not a CSV file: it looks like ${what}. ${saveAsHint}`);
}

/** The encoding a BOM declares, if any, and the BOM's length. */
type Sniffed = { encoding: Encoding | null; bomLength: number };

/**
 * Looks at the first bytes: refuses workbooks, archives, images and other binaries, and reads the BOM.
 * encoding null means no BOM: UTF-8 unless the bytes turn out not to be.
 */
export function sniffHead(head: Uint8Array): Sniffed {
  if (head.length === 0)
    throw new FileRefused(
      "empty_file",
      "The file is empty. Upload a CSV file with a header line and one line per user.",
    );
  for (const signature of signatures) if (startsWith(head, signature.bytes)) refuseBinary(signature.what);

  let sniffed: Sniffed = { encoding: null, bomLength: 0 };
  if (startsWith(head, [0xef, 0xbb, 0xbf])) sniffed = { encoding: "utf-8", bomLength: 3 };
  else if (startsWith(head, [0xff, 0xfe])) sniffed = { encoding: "utf-16le", bomLength: 2 };
  else if (startsWith(head, [0xfe, 0xff])) sniffed = { encoding: "utf-16be", bomLength: 2 };

  if (sniffed.encoding === "utf-16le" || sniffed.encoding === "utf-16be") checkUtf16(head, sniffed.encoding);
  else checkText(head.subarray(sniffed.bomLength));
  return sniffed;
}

/** UTF-16 text of a user list is mostly ASCII, so most units have a zero high byte and none is NUL. */
function checkUtf16(head: Uint8Array, encoding: Encoding): void {
  const { lowOffset } = unitOf(encoding);
  let units = 0;
  let ascii = 0;
  for (let i = 2; i + 1 < head.length; i += 2) {
    const low = head[i + lowOffset];
    const high = head[i + 1 - lowOffset];
    units++;
    if (high === 0) {
      if (low === 0) refuseBinary("a binary file, or text in UTF-32");
      ascii++;
    }
  }
  if (units >= 8 && ascii * 10 < units) refuseBinary("a binary file whose first bytes look like a UTF-16 mark");
}

/** Text has no NUL bytes and few control characters; binaries and UTF-16 without a BOM have many. */
function checkText(head: Uint8Array): void {
  let controls = 0;
  for (const b of head) {
    if (b === 0) {
      throw new FileRefused(
        "not_csv",
        `This file is not a CSV file: it holds binary data (NUL bytes), as workbooks and "Unicode Text" files without a byte order mark do. ${saveAsHint}`,
      );
    }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0b && b !== 0x0c) controls++;
    else if (b === 0x7f) controls++;
  }
  if (controls > 16 && controls * 20 > head.length) refuseBinary("a binary file (it holds many control characters)");
}

const sepLine = /^"?sep=(.)"?[,;\t]*\s*$/i;

/** The delimiter an Excel `sep=;` first line names, if the line is one. */
export function readSepLine(text: string): { delimiter: Delimiter | null } | null {
  const match = sepLine.exec(text);
  if (match === null) return null;
  const named = match[1];
  return { delimiter: named === "," || named === ";" || named === "\t" ? named : null };
}

/** The candidate delimiter used most outside quotes in a header line; comma when none is. */
function countDelimiter(header: string): Delimiter {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let inQuotes = false;
  let fieldStart = true;
  for (const char of header) {
    if (char === '"') {
      if (fieldStart) inQuotes = true;
      else if (inQuotes) inQuotes = false;
      fieldStart = false;
      continue;
    }
    if (!inQuotes && (char === "," || char === ";" || char === "\t")) {
      counts[char]++;
      fieldStart = true;
      continue;
    }
    fieldStart = false;
  }
  let best: Delimiter = ",";
  if (counts[";"] > counts[best]) best = ";";
  if (counts["\t"] > counts[best]) best = "\t";
  return best;
}

const candidates = /[;\t]/g;
const anyBreak = /\r\n?/g;
/** What a field holds beyond the spaces, delimiters and breaks a blank line may have. */
const visible = /[^ \t\v\f\r\n]/;

/**
 * Detects the delimiter from the head of the file: an Excel `sep=` first line, else the first
 * non-blank line. `head` holds the file from the BOM's end; `final` when it is the whole file.
 * While the delimiter is unknown any candidate may end a quoted field, so papaparse reads the
 * lines with every candidate written as a comma (one character for one, so each line is the same
 * stretch of the text) and the delimiters are counted in the text as written.
 */
export function detectDelimiter(head: Uint8Array, bomLength: number, encoding: Encoding, final: boolean): Delimiter {
  const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: true })
    .decode(head.subarray(bomLength))
    .replace(anyBreak, "\n");
  let found: Delimiter | null = null;
  let start = 0;
  let first = true;
  const parser = new Papa.Parser({
    delimiter: ",",
    newline: "\n",
    quoteChar: '"',
    // A parser without a handle steps with its rows so far: one row each time.
    step: (result: Papa.ParseStepResult<string[][]>) => {
      const end = result.meta.cursor;
      const line = text.slice(start, end).replace(/\n$/, "");
      start = end;
      if (first) {
        first = false;
        const sep = readSepLine(line);
        if (sep !== null) {
          if (sep.delimiter !== null) found = sep.delimiter;
          else return;
        }
      }
      if (found === null && !result.data.some((row) => row.some((field) => visible.test(field)))) return;
      found ??= countDelimiter(line);
      parser.abort();
    },
  });
  parser.parse(text.replace(candidates, ","), 0, !final);
  // The header runs past the head: count what there is of it.
  return found ?? countDelimiter(text.slice(start));
}
