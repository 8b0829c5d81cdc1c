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

/**
 * Some records of one planned chunk, by position: the first `max` for which `pick(position, line)`
 * holds, and whether more would. The chunk is parsed whole (at most chunkRows records or chunkBytes
 * of file) but only those records are cleaned; null when the file is no longer in storage.
 */
export async function pickImportRecords(
  bucket: R2Bucket,
  imp: Import,
  chunk: PlannedChunk,
  pick: (position: number, line: number) => boolean,
  max: number,
): Promise<{ picked: { position: number; record: FileRecord }[]; more: boolean } | null> {
  const parsed = await parseImportChunk(bucket, imp, chunk);
  if (!parsed) return null;
  const { format, records: all } = parsed;
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
