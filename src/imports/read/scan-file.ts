import { formatBytes } from "../../format-bytes";
import { cleanValue } from "./clean-value";
import { FileRefused } from "./file-refused";
import { mapColumns } from "./map-columns";
import { decodeSpan, parseRecord, type Dialect } from "./parse-records";
import { detectDelimiter, HEAD_BYTES, readSepLine, sniffHead } from "./sniff-file";
import { classifyUnits, layoutOf, RecordSplitter, type RecordSpan } from "./split-records";
import type { ChunkPlan, Delimiter, Encoding, ScanOptions, ScanResult } from "./types";

const DEFAULT_MAX_RECORD_BYTES = 65536;

/** What one pass over the file finds, before the header is matched to the template. */
export type FileLayout = {
  encoding: Encoding;
  delimiter: Delimiter;
  headerLine: number;
  /** Header cells as written (raw fields). */
  headers: string[];
  totalRows: number;
  chunks: ChunkPlan[];
  /** The first non-blank records' raw fields. */
  preview: { line: number; fields: string[] }[];
};

/** Thrown when bytes without a BOM are not valid UTF-8: the file is read again as Windows-1252. */
class NotUtf8 extends Error {}

function refuseLongRecord(line: number, limit: number): never {
  throw new FileRefused(
    "line_too_long",
    `The record starting on line ${line} is longer than ${formatBytes(limit)}. ` +
      "This usually means a quote on that line is not closed, so everything after it reads as one value. " +
      "Check the quotes on that line, save the file again and upload it.",
  );
}

async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<{ head: Uint8Array; done: boolean }> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  while (length < HEAD_BYTES) {
    const { value, done } = await reader.read();
    if (done) return { head: concatBytes(pieces, length), done: true };
    pieces.push(value);
    length += value.length;
  }
  return { head: concatBytes(pieces, length), done: false };
}

function concatBytes(pieces: readonly Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1 && pieces[0] !== undefined) return pieces[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * One streaming pass: encoding, delimiter, header, the count of non-blank records and the chunk plan.
 * `checkHeader` runs as soon as the header is read, so a wrong file is refused before the rest is read.
 * Holds only the unfinished record and one piece of the stream at a time.
 */
async function scanOnce(
  open: () => Promise<ReadableStream<Uint8Array>>,
  options: ScanOptions,
  forced: Encoding | null,
  checkHeader: (headers: string[]) => void,
): Promise<FileLayout> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const reader = (await open()).getReader();
  let done = false;
  try {
    const first = await readHead(reader);
    done = first.done;
    const sniffed = sniffHead(first.head);
    const encoding: Encoding = forced ?? sniffed.encoding ?? "utf-8";
    const bomLength = forced === null ? sniffed.bomLength : 0;
    // Without a BOM, UTF-8 is only a guess until every byte has decoded.
    const validator = sniffed.encoding === null && encoding === "utf-8" ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }) : null;
    const validate = (bytes: Uint8Array, last: boolean): void => {
      if (validator === null) return;
      try {
        validator.decode(bytes, { stream: !last });
      } catch {
        throw new NotUtf8();
      }
    };
    validate(first.head, done);

    const delimiter = detectDelimiter(first.head, bomLength, encoding, done);
    const dialect: Dialect = { encoding, delimiter, layout: layoutOf(encoding) };

    let buf = first.head;
    let base = 0;
    let header = null as { line: number; fields: string[] } | null;
    let sepSeen = false;
    let totalRows = 0;
    const chunks: ChunkPlan[] = [];
    const preview: FileLayout["preview"] = [];
    let chunk = { byteStart: 0, firstLine: 0, rowCount: 0, byteEnd: 0 };

    const isBlank = (span: RecordSpan): boolean => {
      if (span.visible) return false;
      if (!span.exotic) return true;
      return parseRecord(buf, base, span, dialect).blank;
    };

    const onRecord = (span: RecordSpan): void => {
      if (span.end - span.start > maxRecordBytes) refuseLongRecord(span.line, maxRecordBytes);
      if (header === null) {
        if (span.line === 1 && !sepSeen && readSepLine(decodeSpan(buf, base, span, dialect)) !== null) {
          sepSeen = true;
          return;
        }
        if (isBlank(span)) return;
        const record = parseRecord(buf, base, span, dialect);
        header = { line: span.line, fields: record.fields };
        checkHeader(record.fields);
        chunk = { byteStart: span.next, firstLine: span.nextLine, rowCount: 0, byteEnd: span.next };
        return;
      }
      if (isBlank(span)) return;
      totalRows++;
      chunk.rowCount++;
      chunk.byteEnd = span.next;
      if (preview.length < options.previewRows) preview.push({ line: span.line, fields: parseRecord(buf, base, span, dialect).fields });
      if (chunk.rowCount >= options.chunkRows || span.next - chunk.byteStart >= options.chunkBytes) {
        chunks.push(chunk);
        chunk = { byteStart: span.next, firstLine: span.nextLine, rowCount: 0, byteEnd: span.next };
      }
    };

    const splitter = new RecordSplitter(classifyUnits(delimiter), dialect.layout, bomLength, 1, onRecord);
    for (;;) {
      splitter.scan(buf, base, done);
      if (done) break;
      if (splitter.pendingBytes > maxRecordBytes) refuseLongRecord(splitter.pendingLine, maxRecordBytes);
      const { value, done: ended } = await reader.read();
      done = ended;
      const piece = value ?? new Uint8Array(0);
      validate(piece, done);
      // Keep only the unfinished record, then append the new piece.
      const keep = buf.subarray(splitter.recordStart - base);
      base = splitter.recordStart;
      buf = keep.length === 0 ? piece : concatBytes([keep, piece], keep.length + piece.length);
    }
    if (chunk.rowCount > 0) chunks.push(chunk);

    const found = header;
    if (found === null) {
      throw new FileRefused("empty_file", "The file is empty. Upload a CSV file with a header line and one line per user.");
    }
    if (totalRows === 0) {
      throw new FileRefused("no_rows", `The file has a header line but no users below it. Add one line per user under line ${found.line} and upload it again.`);
    }
    return { encoding, delimiter, headerLine: found.line, headers: found.fields, totalRows, chunks, preview };
  } finally {
    // Stop the stream when reading ends early (a refusal, or a restart as Windows-1252); its own
    // cancellation outcome does not matter here.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * Scans the file once (twice when it turns out not to be UTF-8) and plans its chunks, with raw
 * headers. `checkHeader` may throw to refuse the file as soon as its header is read.
 */
export async function scanLayout(
  open: () => Promise<ReadableStream<Uint8Array>>,
  options: ScanOptions,
  checkHeader: (headers: string[]) => void = () => undefined,
): Promise<FileLayout> {
  try {
    return await scanOnce(open, options, null, checkHeader);
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    return await scanOnce(open, options, "windows-1252", checkHeader);
  }
}

/**
 * One streaming pass over the stored file: detects encoding, delimiter and header mapping, counts the
 * non-blank records ("users"), and plans chunks of whole records (byte ranges into the original file
 * bytes). `open` returns a fresh stream of the file each time it is called. Throws FileRefused.
 */
export async function scanFile(open: () => Promise<ReadableStream<Uint8Array>>, options: ScanOptions): Promise<ScanResult> {
  let mapping = null as ReturnType<typeof mapColumns> | null;
  const layout = await scanLayout(open, options, (headers) => {
    mapping = mapColumns(headers);
  });
  const mapped = mapping;
  if (mapped === null) throw new Error("scanLayout returned without reading a header");
  const width = mapped.columns.length;
  return {
    format: {
      encoding: layout.encoding,
      delimiter: layout.delimiter,
      headerLine: layout.headerLine,
      columns: mapped.columns,
      ignoredColumns: mapped.ignoredColumns,
    },
    totalRows: layout.totalRows,
    chunks: layout.chunks,
    preview: layout.preview.map(({ line, fields }) => {
      const values = fields.map(cleanValue);
      while (values.length < width) values.push("");
      return { line, values };
    }),
  };
}
