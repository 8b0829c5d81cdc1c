import { concatBytes } from "../../concat-bytes";
import { formatBytes } from "../../format-bytes";
import { cleanValue } from "./clean-value";
import { FileRefused } from "./file-refused";
import { mapColumns } from "./map-columns";
import { decodeSpan, parseRecord, parseRecords, type Dialect } from "./parse-records";
import { detectDelimiter, HEAD_BYTES, readSepLine, sniffHead } from "./sniff-file";
import { hashAsciiFields, hashKey, hashKey2, RepeatFinder } from "./find-repeats";
import { classifyUnits, layoutOf, RecordSplitter, type RecordSpan } from "./split-records";
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
  dialect: Dialect;
  validate: (bytes: Uint8Array, last: boolean) => void;
  splitter: RecordSplitter;
  /** The unfinished record (a copy), or the piece being scanned; `base` is its offset in the file. */
  buf: Uint8Array;
  base: number;
  header: { line: number; fields: string[] } | null;
  sepSeen: boolean;
  totalRows: number;
  chunks: ChunkPlan[];
  preview: FileLayout["preview"];
  chunk: ChunkPlan;
  /** Records counted since the last flush, for `onRecords`. */
  pending: RecordSpan[];
};

/** Receives the counted records, in file order, as the scan reads them. */
type RecordSink = (buf: Uint8Array, base: number, spans: RecordSpan[], dialect: Dialect) => void;

/**
 * One pass over the file, fed piece by piece: encoding, delimiter, header, the count of non-blank
 * records and the chunk plan. `checkHeader` runs as soon as the header is read, so a wrong file
 * is refused before the rest arrives. It copies what it keeps (the head until the format is known,
 * then only the unfinished record), so the caller may reuse a piece's buffer once `push` returns.
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
    private readonly onRecords: RecordSink | null = null,
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
    const state = this.state;
    state.validate(piece, false);
    state.buf = state.buf.length === 0 ? piece : concatBytes([state.buf, piece], state.buf.length + piece.length);
    this.scan(false);
  }

  end(): FileLayout {
    if (this.state === null) this.begin(true);
    else {
      this.state.validate(new Uint8Array(0), true);
      this.scan(true);
    }
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
    const { encoding, delimiter } = state.dialect;
    return {
      encoding,
      delimiter,
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
    const validator =
      sniffed.encoding === null && encoding === "utf-8"
        ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
        : null;
    const validate = (bytes: Uint8Array, last: boolean): void => {
      if (validator === null) return;
      try {
        validator.decode(bytes, { stream: !last });
      } catch {
        throw new NotUtf8();
      }
    };
    validate(head, done);
    const delimiter = detectDelimiter(head, bomLength, encoding, done);
    const dialect: Dialect = { encoding, delimiter, layout: layoutOf(encoding) };
    const splitter = new RecordSplitter(classifyUnits(delimiter), dialect.layout, bomLength, 1, (span) =>
      this.onRecord(span),
    );
    const chunk = { byteStart: 0, firstLine: 0, rowCount: 0, byteEnd: 0 };
    this.state = {
      dialect,
      validate,
      splitter,
      buf: head,
      base: 0,
      header: null,
      sepSeen: false,
      totalRows: 0,
      chunks: [],
      preview: [],
      chunk,
      pending: [],
    };
    this.scan(done);
  }

  /** Splits what `buf` holds into records, then keeps a copy of the unfinished one. */
  private scan(done: boolean): void {
    const state = this.state;
    if (state === null) return;
    state.splitter.scan(state.buf, state.base, done);
    if (state.pending.length > 0 && this.onRecords !== null) {
      // Every record the window held, while its bytes are still in buf.
      this.onRecords(state.buf, state.base, state.pending, state.dialect);
      state.pending = [];
    }
    if (done) return;
    if (state.splitter.pendingBytes > this.maxRecordBytes)
      refuseLongRecord(state.splitter.pendingLine, this.maxRecordBytes);
    state.buf = state.buf.slice(state.splitter.recordStart - state.base);
    state.base = state.splitter.recordStart;
  }

  private isBlank(state: Scanning, span: RecordSpan): boolean {
    if (span.visible) return false;
    if (!span.exotic) return true;
    return parseRecord(state.buf, state.base, span, state.dialect).blank;
  }

  private onRecord(span: RecordSpan): void {
    const state = this.state;
    if (state === null) return;
    const { buf, base, dialect } = state;
    if (span.end - span.start > this.maxRecordBytes) refuseLongRecord(span.line, this.maxRecordBytes);
    if (state.header === null) {
      if (span.line === 1 && !state.sepSeen && readSepLine(decodeSpan(buf, base, span, dialect)) !== null) {
        state.sepSeen = true;
        return;
      }
      if (this.isBlank(state, span)) return;
      const record = parseRecord(buf, base, span, dialect);
      state.header = { line: span.line, fields: record.fields };
      this.checkHeader(record.fields);
      state.chunk = { byteStart: span.next, firstLine: span.nextLine, rowCount: 0, byteEnd: span.next };
      return;
    }
    if (this.isBlank(state, span)) return;
    state.totalRows++;
    state.chunk.rowCount++;
    if (this.onRecords !== null) state.pending.push(span);
    state.chunk.byteEnd = span.next;
    if (state.preview.length < this.options.previewRows)
      state.preview.push({ line: span.line, fields: parseRecord(buf, base, span, dialect).fields });
    if (
      state.chunk.rowCount >= this.options.chunkRows ||
      span.next - state.chunk.byteStart >= this.options.chunkBytes
    ) {
      state.chunks.push(state.chunk);
      state.chunk = { byteStart: span.next, firstLine: span.nextLine, rowCount: 0, byteEnd: span.next };
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
  private repeats: RepeatFinder | null = null;
  private readonly scanner: EncodingScanner;

  constructor(options: ScanOptions) {
    this.scanner = new EncodingScanner(
      options,
      (headers) => {
        this.mapping = mapColumns(headers);
      },
      // A scan started again (as Windows-1252) keys the records again, from the first.
      () => {
        const repeats = new RepeatFinder();
        this.repeats = repeats;
        return (buf, base, spans, dialect) => this.keyRecords(repeats, buf, base, spans, dialect);
      },
    );
  }

  /**
   * Hashes each record's employee number and email as the import will match them (toKey of the
   * cleaned value, see checkRow's keys). A record of plain ASCII with no quote or apostrophe is
   * hashed straight from its bytes, where cleaning is trimming and the key is lower case; the
   * rest are parsed, together, and keyed as the import keys them.
   */
  private keyRecords(
    repeats: RepeatFinder,
    buf: Uint8Array,
    base: number,
    spans: RecordSpan[],
    dialect: Dialect,
  ): void {
    const columns = this.mapping?.columns ?? [];
    const employee = columns.find((c) => c.field === "employee_number")?.index ?? -1;
    const email = columns.find((c) => c.field === "email")?.index ?? -1;
    const delimiter = dialect.delimiter.charCodeAt(0);
    const hashes = new Uint32Array(spans.length * 3);
    const parsed: number[] = [];
    spans.forEach((span, i) => {
      const fast =
        dialect.layout.size === 1 &&
        hashAsciiFields(buf, span.start - base, span.end - base, delimiter, employee, email, hashes, 3 * i);
      if (!fast) parsed.push(i);
    });
    if (parsed.length > 0) {
      const records = parseRecords(
        buf,
        base,
        parsed.flatMap((i) => spans[i] ?? []),
        dialect,
      );
      records.forEach(({ fields }, k) => {
        const i = parsed[k] ?? 0;
        const employeeKey = toKey(cleanValue(fields[employee] ?? ""));
        hashes[3 * i] = hashKey(employeeKey);
        hashes[3 * i + 1] = hashKey(toKey(cleanValue(fields[email] ?? "")));
        hashes[3 * i + 2] = hashKey2(employeeKey);
      });
    }
    for (let i = 0; i < spans.length; i++)
      repeats.pushHashes(hashes[3 * i] ?? 0, hashes[3 * i + 1] ?? 0, hashes[3 * i + 2] ?? 0);
  }

  push(piece: Uint8Array): void {
    this.scanner.push(piece);
  }

  async end(reopen: () => Promise<ReadableStream<Uint8Array>>): Promise<ScanResult> {
    const layout = await this.scanner.end(reopen);
    return resultOf(layout, this.mapping, this.repeats);
  }
}
