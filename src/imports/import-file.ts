import type { Import, ImportChunk } from "../db/schema";
import { readChunk, type FileFormat, type FileRecord } from "./read";
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

/**
 * The records of one planned chunk of an import's stored file, read by byte range; null when the
 * file is no longer in storage. The same records, in the same order, every time: the consumer
 * applies them, and the reports read each line's number and values back from them.
 */
export async function readImportChunk(
  bucket: R2Bucket,
  imp: Import,
  chunk: Pick<ImportChunk, "index" | "byteStart" | "byteEnd" | "firstLine" | "rowCount">,
): Promise<FileRecord[] | null> {
  const bytes = await readStoredRange(bucket, { key: imp.fileKey, size: imp.fileSize, pieces: imp.filePieces }, chunk.byteStart, chunk.byteEnd);
  if (!bytes) return null;
  const records = readChunk(bytes, formatOf(imp), chunk.firstLine);
  if (records.length !== chunk.rowCount) {
    throw new Error(`Chunk ${chunk.index} of import ${imp.id} read ${records.length} rows where the upload counted ${chunk.rowCount}.`);
  }
  return records;
}
