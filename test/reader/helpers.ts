import { FileRefused, readChunk, UploadScanner, type FileRecord, type ScanResult } from "../../src/imports/read";

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

type ImportOptions = Partial<{
  chunkRows: number;
  chunkBytes: number;
  previewRows: number;
  maxRecordBytes: number;
  pieceSize: number;
}>;

/**
 * Scans the bytes as an upload is scanned (fed piece by piece, read again only if not UTF-8),
 * then reads every planned chunk, as the import does.
 */
export async function importFile(
  bytes: Uint8Array,
  options: ImportOptions = {},
): Promise<{ scan: ScanResult; records: FileRecord[] }> {
  const pieceSize = options.pieceSize ?? 65536;
  const scanner = new UploadScanner({
    chunkRows: options.chunkRows ?? 1000,
    chunkBytes: options.chunkBytes ?? 4 << 20,
    previewRows: options.previewRows ?? 5,
    maxRecordBytes: options.maxRecordBytes,
  });
  for (let at = 0; at < bytes.length; at += pieceSize) scanner.push(bytes.slice(at, at + pieceSize));
  const scan = await scanner.end(openBytes(bytes, pieceSize));
  const records = scan.chunks.flatMap((chunk) =>
    readChunk(bytes.subarray(chunk.byteStart, chunk.byteEnd), scan.format, chunk.firstLine),
  );
  return { scan, records };
}

/** The refusal a file gets; fails the test when the file is read instead. */
export async function refusalOf(bytes: Uint8Array, options: ImportOptions = {}): Promise<FileRefused> {
  try {
    await importFile(bytes, options);
  } catch (error) {
    if (error instanceof FileRefused) return error;
    throw error;
  }
  throw new Error("the file was not refused");
}

export const header = "employee_number,first_name,last_name,location,email,role";
