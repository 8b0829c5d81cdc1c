import { readChunk, scanFile, type FileRecord, type ScanResult } from "../../src/imports/read";

/** Bytes of text as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A fresh stream of the bytes each call, handed out in pieces of `pieceSize` bytes like R2 does. */
export function openBytes(bytes: Uint8Array, pieceSize = 65536): () => Promise<ReadableStream<Uint8Array>> {
  return async () => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(at, at + pieceSize));
        at += pieceSize;
      },
    });
  };
}

/** Scans then reads every planned chunk, as the import does. */
export async function importFile(
  bytes: Uint8Array,
  options: Partial<{ chunkRows: number; chunkBytes: number; previewRows: number; maxRecordBytes: number; pieceSize: number }> = {},
): Promise<{ scan: ScanResult; records: FileRecord[] }> {
  const scan = await scanFile(openBytes(bytes, options.pieceSize), {
    chunkRows: options.chunkRows ?? 1000,
    chunkBytes: options.chunkBytes ?? 4 << 20,
    previewRows: options.previewRows ?? 5,
    maxRecordBytes: options.maxRecordBytes,
  });
  const records = scan.chunks.flatMap((chunk) => readChunk(bytes.subarray(chunk.byteStart, chunk.byteEnd), scan.format, chunk.firstLine));
  return { scan, records };
}

export const header = "employee_number,first_name,last_name,location,email,role";
