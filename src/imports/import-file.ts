import type { Import, ImportChunk } from "../db/schema";
import { parseChunk, toFileRecords, type FileFormat, type FileRecord } from "./read";
import { readStoredRange } from "./stored-file";

/** How an import's stored file is read, as its upload found it. */
export function formatOf(imp: Import): FileFormat {
  return {
    encoding: imp.encoding as FileFormat["encoding"],
    delimiter: imp.delimiter as FileFormat["delimiter"],
    headerLine: imp.headerLine,
    columns: imp.columns,
    ignoredColumns: imp.ignoredColumns,
  };
}

type PlannedChunk = Pick<ImportChunk, "index" | "byteStart" | "byteEnd" | "firstLine" | "rowCount">;

/** One planned chunk's raw records (parseChunk), checked against the upload's count; null when the file is gone. */
async function parseImportChunk(bucket: R2Bucket, imp: Import, chunk: PlannedChunk) {
  const file = { key: imp.fileKey, size: imp.fileSize, pieces: imp.filePieces };
  const bytes = await readStoredRange(bucket, file, chunk.byteStart, chunk.byteEnd);
  if (!bytes) return null;
  const format = formatOf(imp);
  const records = parseChunk(bytes, format, chunk.firstLine);
  if (records.length !== chunk.rowCount) {
    throw new Error(
      `Chunk ${chunk.index} of import ${imp.id} read ${records.length} rows where the upload counted ${chunk.rowCount}.`,
    );
  }
  return { format, records };
}

/**
 * The records of one planned chunk of an import's stored file, read by byte range; null when the
 * file is no longer in storage. The same records, in the same order, every time: the consumer
 * applies them, and the reports read each line's number and values back from them.
 */
export async function readImportChunk(
  bucket: R2Bucket,
  imp: Import,
  chunk: PlannedChunk,
): Promise<FileRecord[] | null> {
  const parsed = await parseImportChunk(bucket, imp, chunk);
  return parsed && toFileRecords(parsed.records, parsed.format);
}

type ParsedChunk = NonNullable<Awaited<ReturnType<typeof parseImportChunk>>>;

/**
 * The chunks the reports parsed last, by stored object and byte range. A report page or `/lines`
 * asked for again (an admin refreshing it while an import runs, a script polling) reads the same
 * records, and parsing their chunk is most of such a request's work. The key holds the object's
 * etag, so a file deleted or stored again is read afresh; a chunk is at most a few MB parsed.
 */
const recentChunks = new Map<string, ParsedChunk>();
const recentChunksKept = 2;

async function parseReportChunk(bucket: R2Bucket, imp: Import, chunk: PlannedChunk): Promise<ParsedChunk | null> {
  const object = await bucket.head(imp.fileKey);
  if (!object) return null;
  const key = `${imp.fileKey} ${object.etag} ${chunk.byteStart}-${chunk.byteEnd}`;
  const kept = recentChunks.get(key);
  if (kept) {
    // Most recently used last: the first entry is the one to forget.
    recentChunks.delete(key);
    recentChunks.set(key, kept);
    return kept;
  }
  const parsed = await parseImportChunk(bucket, imp, chunk);
  if (!parsed) return null;
  recentChunks.set(key, parsed);
  for (const old of recentChunks.keys()) {
    if (recentChunks.size <= recentChunksKept) break;
    recentChunks.delete(old);
  }
  return parsed;
}

/**
 * Some records of one planned chunk, by position: the first `max` for which `pick(position, line)`
 * holds, and whether more would. The chunk is parsed whole (at most chunkRows records or chunkBytes
 * of file), or found parsed by a report a moment ago, and only those records are cleaned; null
 * when the file is no longer in storage.
 */
export async function pickImportRecords(
  bucket: R2Bucket,
  imp: Import,
  chunk: PlannedChunk,
  pick: (position: number, line: number) => boolean,
  max: number,
): Promise<{ picked: { position: number; record: FileRecord }[]; more: boolean } | null> {
  const parsed = await parseReportChunk(bucket, imp, chunk);
  if (!parsed) return null;
  const all = parsed.records;
  const format = formatOf(imp);
  const positions: number[] = [];
  let more = false;
  for (let i = 0; i < all.length; i++) {
    const record = all[i];
    if (!record || !pick(i, record.line)) continue;
    if (positions.length === max) {
      more = true;
      break;
    }
    positions.push(i);
  }
  const records = toFileRecords(
    positions.flatMap((i) => all[i] ?? []),
    format,
  );
  return { picked: records.map((record, k) => ({ position: positions[k] ?? 0, record })), more };
}
