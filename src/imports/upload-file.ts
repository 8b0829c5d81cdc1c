import { createHash } from "node:crypto";
import { cleanText } from "../clean-text";
import type { Db } from "../db/client";
import { recordUpload } from "../db/imports";
import type { Import } from "../db/schema";
import { AppError } from "../errors";
import { formatBytes } from "../format-bytes";
import { chunkBytes, chunkRows, previewRows } from "./limits";
import { FileRefused, UploadScanner, type RefusalCode } from "./read";
import { storeUpload, UploadTooLarge } from "./store-upload";
import { openStoredFile, type StoredFile } from "./stored-file";

type UploadInput = {
  uploadedBy: number;
  fileName: string;
  body: ReadableStream<Uint8Array> | Blob;
  /** The size the client announced (Content-Length), when it did: a larger one is refused before reading. */
  size: number | null;
};

const statusByRefusal: Record<RefusalCode, 413 | 415 | 422> = {
  empty_file: 422,
  no_rows: 422,
  missing_columns: 422,
  duplicate_column: 422,
  line_too_long: 422,
  not_csv: 415,
};

const tooLarge = (limit: number) =>
  new AppError(413, "file_too_large", `The file is larger than the limit of ${formatBytes(limit)}. Split it into smaller files and import each.`);

/** A refused file as the answer to give; any other error as it is. */
const refusal = (err: unknown) => (err instanceof FileRefused ? new AppError(statusByRefusal[err.code], err.code, err.message) : err);

/** A file name fit to show and to store: no folders, no control characters, not endless. */
function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = cleanText(base.replace(/[\u0000-\u001f\u007f]/g, "")).slice(0, 200);
  return clean || "users.csv";
}

/**
 * Stores an uploaded file in R2 and, as it streams in, detects its format, counts its users and
 * plans its chunks; then records the import as ready. A file that cannot be imported is
 * refused whole with an AppError saying what to fix, and nothing of it is kept.
 */
export async function createImport(env: Env, db: Db, input: UploadInput): Promise<Import> {
  const maxBytes = Number(env.MAX_UPLOAD_BYTES);
  const announced = input.body instanceof Blob ? input.body.size : input.size;
  if (announced !== null && announced > maxBytes) throw tooLarge(maxBytes);

  const id = crypto.randomUUID();
  const fileName = cleanFileName(input.fileName);
  const fileKey = `imports/${id}/source.csv.gz`;
  const stream = input.body instanceof Blob ? input.body.stream() : input.body;
  // The file is scanned on its way into R2, so a wrong header is refused before the rest is stored.
  const scanner = new UploadScanner({ chunkRows, chunkBytes, previewRows });
  // Hashed piece by piece too, so an earlier import of the same file can be named.
  const hash = createHash("sha256");
  let stored: StoredFile;
  try {
    const { size, pieces } = await storeUpload(
      env.FILES,
      fileKey,
      stream,
      { maxBytes, size: announced },
      { httpMetadata: { contentType: "application/gzip" }, customMetadata: { fileName } },
      (piece) => {
        hash.update(piece);
        scanner.push(piece);
      },
    );
    stored = { key: fileKey, size, pieces };
  } catch (err) {
    if (err instanceof UploadTooLarge) throw tooLarge(maxBytes);
    throw refusal(err);
  }
  if (stored.size === 0) {
    await env.FILES.delete(fileKey);
    throw new AppError(422, "empty_file", "The file is empty. Export the users again and upload the new file.");
  }

  try {
    const scan = await scanner.end(async () => {
      const body = await openStoredFile(env.FILES, stored);
      if (!body) throw new Error(`The uploaded file ${fileKey} is missing from storage.`);
      return body;
    });
    const { imp, rowsWritten } = await recordUpload(
      db,
      {
        id,
        uploadedBy: input.uploadedBy,
        fileName,
        fileSize: stored.size,
        fileKey,
        filePieces: stored.pieces,
        encoding: scan.format.encoding,
        delimiter: scan.format.delimiter,
        columns: scan.format.columns,
        ignoredColumns: scan.format.ignoredColumns,
        headerLine: scan.format.headerLine,
        preview: scan.preview,
        totalRows: scan.totalRows,
        contentHash: hash.digest("hex"),
      },
      scan.chunks,
    );
    console.log(`Import ${id}: uploaded, ${rowsWritten} rows written`);
    return imp;
  } catch (err) {
    await env.FILES.delete(fileKey);
    throw refusal(err);
  }
}
