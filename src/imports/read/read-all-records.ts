import { readRawRecords, describeMalformed } from "./read-chunk";
import { scanLayout, type FileLayout } from "./scan-file";
import type { ScanOptions } from "./types";

/** A whole file read into raw fields: for tests and tools, never for uploads (it holds the file). */
export type AllRecords = Omit<FileLayout, "chunks" | "preview" | "totalRows"> & {
  records: { line: number; fields: string[]; malformed?: string }[];
};

/**
 * Reads a whole file the way an import does (scan, then every planned chunk) but keeps the raw
 * fields and does not match the header to the template. Throws FileRefused like an upload.
 */
export async function readAllRecords(bytes: Uint8Array, options: Partial<ScanOptions> = {}): Promise<AllRecords> {
  const layout = await scanLayout(async () => new Blob([bytes]).stream(), {
    chunkRows: options.chunkRows ?? 1_000_000,
    chunkBytes: options.chunkBytes ?? 1 << 30,
    previewRows: 0,
    maxRecordBytes: options.maxRecordBytes,
  });
  const width = layout.headers.length;
  const records: AllRecords["records"] = [];
  for (const chunk of layout.chunks) {
    for (const record of readRawRecords(
      bytes.subarray(chunk.byteStart, chunk.byteEnd),
      layout.encoding,
      layout.delimiter,
      chunk.firstLine,
    )) {
      if (record.blank) continue;
      const malformed = describeMalformed(record, width, layout.delimiter);
      records.push(
        malformed === undefined
          ? { line: record.line, fields: record.fields }
          : { line: record.line, fields: record.fields, malformed },
      );
    }
  }
  return {
    encoding: layout.encoding,
    delimiter: layout.delimiter,
    headerLine: layout.headerLine,
    headers: layout.headers,
    records,
  };
}
