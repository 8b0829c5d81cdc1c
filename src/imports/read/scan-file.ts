import { concatBytes } from "../../concat-bytes";
import { formatBytes } from "../../format-bytes";
import { cleanValue } from "./clean-value";
import { FileRefused } from "./file-refused";
import { mapColumns } from "./map-columns";
import { detectDelimiter, HEAD_BYTES, readSepLine, sniffHead } from "./sniff-file";
import { hashKey, hashKey2, RepeatFinder } from "./find-repeats";
import { LineBreaks } from "./line-breaks";
import { RecordTokenizer, type RawRecord } from "./tokenize-records";
import { toKey } from "../../db/keys";
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

type Scanning = {
  encoding: Encoding;
  delimiter: Delimiter;
  decoder: TextDecoder;
  /** Whether the decoder checks that the bytes are UTF-8 (no BOM said so). */
  validating: boolean;
  tokenizer: RecordTokenizer;
  breaks: LineBreaks;
  /** Where the record being read starts in the file's bytes. */
  recordStart: number;
  header: { line: number; fields: string[] } | null;
  sepSeen: boolean;
  totalRows: number;
  chunks: ChunkPlan[];
  preview: FileLayout["preview"];
  chunk: ChunkPlan;
};

/**
 * Whether a file's first record is an Excel `sep=;` line. Its fields are joined again with the
 * delimiter: the quotes papaparse took off are all that can differ from the line as written, and
 * the pattern allows them.
 */
function isSepLine(record: RawRecord, delimiter: Delimiter): boolean {
  return readSepLine(record.fields.join(delimiter)) !== null;
}

/** Receives each counted record's raw fields, in file order, as the scan reads them. */
type RecordSink = (fields: readonly string[]) => void;

/**
 * One pass over the file, fed piece by piece: encoding, delimiter, header, the count of non-blank
 * records and the chunk plan. `checkHeader` runs as soon as the header is read, so a wrong file
 * is refused before the rest arrives. It keeps only text (the head until the format is known,
 * then the unfinished record), so the caller may reuse a piece's buffer once `push` returns.
 */
class LayoutScanner {
  private readonly maxRecordBytes: number;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private state: Scanning | null = null;

  constructor(
    private readonly options: ScanOptions,
    private readonly forced: Encoding | null,
    private readonly checkHeader: (headers: string[]) => void,
    private readonly onRecord: RecordSink | null = null,
  ) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (this.state === null) {
      this.head.push(piece.slice());
      this.headBytes += piece.length;
      if (this.headBytes >= HEAD_BYTES) this.begin(false);
      return;
    }
    this.scan(this.state, piece, false);
  }

  end(): FileLayout {
    if (this.state === null) this.begin(true);
    else this.scan(this.state, new Uint8Array(0), true);
    const state = this.state;
    if (state === null) throw new Error("The scan ended without starting.");
    if (state.chunk.rowCount > 0) state.chunks.push(state.chunk);
    const found = state.header;
    if (found === null) {
      throw new FileRefused(
        "empty_file",
        "The file is empty. Upload a CSV file with a header line and one line per user.",
      );
    }
    if (state.totalRows === 0) {
      throw new FileRefused(
        "no_rows",
        `The file has a header line but no users below it. Add one line per user under line ${found.line} and upload it again.`,
      );
    }
    return {
      encoding: state.encoding,
      delimiter: state.delimiter,
      headerLine: found.line,
      headers: found.fields,
      totalRows: state.totalRows,
      chunks: state.chunks,
      preview: state.preview,
    };
  }

  /** The head is in (or the file ended first): detect the format and scan what was held. */
  private begin(done: boolean): void {
    const head = concatBytes(this.head, this.headBytes);
    this.head = [];
    const sniffed = sniffHead(head);
    const encoding: Encoding = this.forced ?? sniffed.encoding ?? "utf-8";
    const bomLength = this.forced === null ? sniffed.bomLength : 0;
    // Without a BOM, UTF-8 is only a guess until every byte has decoded.
    const validating = sniffed.encoding === null && encoding === "utf-8";
    const delimiter = detectDelimiter(head, bomLength, encoding, done);
    const state: Scanning = {
      encoding,
      delimiter,
      decoder: new TextDecoder(encoding, { fatal: validating, ignoreBOM: true }),
      validating,
      tokenizer: new RecordTokenizer(delimiter, 1),
      breaks: new LineBreaks(encoding),
      recordStart: bomLength,
      header: null,
      sepSeen: false,
      totalRows: 0,
      chunks: [],
      preview: [],
      chunk: { byteStart: 0, firstLine: 0, rowCount: 0, byteEnd: 0 },
    };
    this.state = state;
    state.breaks.push(head.subarray(0, bomLength), false);
    this.scan(state, head.subarray(bomLength), done);
  }

  /** Decodes the next piece and reads the records it completes; keeps the unfinished one's text. */
  private scan(state: Scanning, piece: Uint8Array, done: boolean): void {
    let text: string;
    try {
      text = state.decoder.decode(piece, { stream: !done });
    } catch (error) {
      if (state.validating && error instanceof TypeError) throw new NotUtf8();
      throw error;
    }
    state.breaks.push(piece, done);
    const records = state.tokenizer.push(text, done);
    for (const record of records) this.record(state, record);
    state.breaks.dropBefore(state.tokenizer.breaks);
    if (done) return;
    const pending = state.breaks.bytes - state.recordStart;
    if (pending > this.maxRecordBytes) refuseLongRecord(state.tokenizer.pendingLine, this.maxRecordBytes);
  }

  private record(state: Scanning, record: RawRecord): void {
    const start = state.recordStart;
    const end = record.terminated ? state.breaks.startOf(record.breaks) : state.breaks.bytes;
    const next = record.terminated ? state.breaks.endOf(record.breaks) : end;
    state.recordStart = next;
    if (end - start > this.maxRecordBytes) refuseLongRecord(record.line, this.maxRecordBytes);
    const nextLine = record.lastLine + 1;
    if (state.header === null) {
      if (record.line === 1 && !state.sepSeen && isSepLine(record, state.delimiter)) {
        state.sepSeen = true;
        return;
      }
      if (record.blank) return;
      state.header = { line: record.line, fields: record.fields };
      this.checkHeader(record.fields);
      state.chunk = { byteStart: next, firstLine: nextLine, rowCount: 0, byteEnd: next };
      return;
    }
    if (record.blank) return;
    state.totalRows++;
    state.chunk.rowCount++;
    this.onRecord?.(record.fields);
    state.chunk.byteEnd = next;
    if (state.preview.length < this.options.previewRows)
      state.preview.push({ line: record.line, fields: record.fields });
    if (state.chunk.rowCount >= this.options.chunkRows || next - state.chunk.byteStart >= this.options.chunkBytes) {
      state.chunks.push(state.chunk);
      state.chunk = { byteStart: next, firstLine: nextLine, rowCount: 0, byteEnd: next };
    }
  }
}

/**
 * Pushes a stream's pieces to `push` until it ends or `enough()` says so; a stream left early
 * (a refusal thrown by `push`, or enough read) is cancelled.
 */
async function feed(
  stream: ReadableStream<Uint8Array>,
  push: (piece: Uint8Array) => void,
  enough: () => boolean = () => false,
): Promise<void> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (!enough()) {
      const { value, done: ended } = await reader.read();
      if (ended) {
        done = true;
        return;
      }
      push(value);
    }
  } finally {
    // Its own cancellation outcome does not matter here.
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/**
 * A scan that reads the file as UTF-8 until a byte says it is not; from then on it ignores what it
 * is given, and `end` reads the file again from `reopen` as Windows-1252.
 */
class EncodingScanner {
  private readonly utf8: LayoutScanner;
  private notUtf8 = false;

  constructor(
    private readonly options: ScanOptions,
    private readonly checkHeader: (headers: string[]) => void,
    private readonly newSink: () => RecordSink | null = () => null,
  ) {
    this.utf8 = new LayoutScanner(options, null, checkHeader, newSink());
  }

  /** Whether the file must be read again, so the rest of this pass is not needed. */
  get rereads(): boolean {
    return this.notUtf8;
  }

  push(piece: Uint8Array): void {
    if (this.notUtf8) return;
    try {
      this.utf8.push(piece);
    } catch (error) {
      if (!(error instanceof NotUtf8)) throw error;
      this.notUtf8 = true;
    }
  }

  async end(reopen: () => Promise<ReadableStream<Uint8Array>>): Promise<FileLayout> {
    if (!this.notUtf8) {
      try {
        return this.utf8.end();
      } catch (error) {
        if (!(error instanceof NotUtf8)) throw error;
      }
    }
    const windows1252 = new LayoutScanner(this.options, "windows-1252", this.checkHeader, this.newSink());
    await feed(await reopen(), (piece) => windows1252.push(piece));
    return windows1252.end();
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
  const scanner = new EncodingScanner(options, checkHeader);
  await feed(
    await open(),
    (piece) => scanner.push(piece),
    () => scanner.rereads,
  );
  return scanner.end(open);
}

function resultOf(
  layout: FileLayout,
  mapped: ReturnType<typeof mapColumns> | null,
  repeats: RepeatFinder | null,
): ScanResult {
  if (mapped === null || repeats === null) throw new Error("The scan ended without reading a header.");
  if (repeats.records !== layout.totalRows)
    throw new Error(`The scan keyed ${repeats.records} records and counted ${layout.totalRows}.`);
  const found = repeats.byChunk(layout.chunks);
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
    employeeKeyHashes: repeats.employeeKeyHashes(),
    chunks: layout.chunks.map((chunk, i) => ({ ...chunk, ...(found[i] ?? { employeeRepeats: [], emailRepeats: [] }) })),
    preview: layout.preview.map(({ line, fields }) => {
      const values = fields.map(cleanValue);
      while (values.length < width) values.push("");
      return { line, values };
    }),
  };
}

/**
 * Reads an upload as it streams in, fed each piece on its way to storage so the file is not read
 * back: detects encoding, delimiter and header mapping, counts the non-blank records ("users"),
 * and plans chunks of whole records (byte ranges into the original file bytes). `push` throws
 * FileRefused as soon as the header shows the file cannot be imported. A file that turns out not
 * to be UTF-8 is read once more at the end, from storage, as Windows-1252.
 */
export class UploadScanner {
  private mapping: ReturnType<typeof mapColumns> | null = null;
  private keyColumns = { employee: -1, email: -1 };
  private repeats: RepeatFinder | null = null;
  private readonly scanner: EncodingScanner;

  constructor(options: ScanOptions) {
    this.scanner = new EncodingScanner(
      options,
      (headers) => {
        const mapping = mapColumns(headers);
        this.mapping = mapping;
        this.keyColumns = {
          employee: mapping.columns.find((c) => c.field === "employee_number")?.index ?? -1,
          email: mapping.columns.find((c) => c.field === "email")?.index ?? -1,
        };
      },
      // A scan started again (as Windows-1252) keys the records again, from the first.
      () => {
        const repeats = new RepeatFinder();
        this.repeats = repeats;
        return (fields) => this.keyRecord(repeats, fields);
      },
    );
  }

  /** Hashes a record's employee number and email as the import will match them (toKey of the cleaned value, see checkRow's keys). */
  private keyRecord(repeats: RepeatFinder, fields: readonly string[]): void {
    const { employee, email } = this.keyColumns;
    const employeeKey = toKey(cleanValue(fields[employee] ?? ""));
    repeats.pushHashes(hashKey(employeeKey), hashKey(toKey(cleanValue(fields[email] ?? ""))), hashKey2(employeeKey));
  }

  push(piece: Uint8Array): void {
    this.scanner.push(piece);
  }

  async end(reopen: () => Promise<ReadableStream<Uint8Array>>): Promise<ScanResult> {
    const layout = await this.scanner.end(reopen);
    return resultOf(layout, this.mapping, this.repeats);
  }
}
