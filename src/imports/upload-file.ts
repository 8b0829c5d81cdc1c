import { createHash } from "node:crypto";
import { cleanText } from "../clean-text";
import type { Db } from "../db/client";
import { recordUpload, replaceImportFile, type ImportFile, type ImportView } from "../db/imports";
import type { Import } from "../db/schema";
import { AppError } from "../errors";
import { formatBytes } from "../format-bytes";
import { chunkBytes, chunkRows, maxWorkbookInflatedBytes, previewRows } from "./limits";
import { FileRefused, UploadScanner, type RefusalCode } from "./read";
import { inRows } from "./row-wording";
import { storeEmployeeHashes, storedKeysOf } from "./employee-hashes";
import { storeUpload, UploadTooLarge } from "./store-upload";
import { openStoredFile, type StoredFile, type StoredPieces } from "./stored-file";
import { detectUpload, Ole2Check, type UploadKind } from "./workbook/detect-workbook";
import { readWorkbook } from "./workbook/read-workbook";

type UploadInput = {
  uploadedBy: number;
  fileName: string;
  body: ReadableStream<Uint8Array> | Blob;
  /** The size the client announced (Content-Length), when it did: a larger one is refused before reading. */
  size: number | null;
  /** The Content-Type it was sent with, when known: a workbook's is checked against its bytes. */
  contentType?: string | null;
  /** The sheet to read, for a workbook; else its first one shown. */
  sheet?: string | null;
  /** A dry run: started, it checks every line and writes no user. */
  dryRun?: boolean;
};

const statusByRefusal: Record<RefusalCode, 413 | 415 | 422> = {
  empty_file: 422,
  no_rows: 422,
  missing_columns: 422,
  duplicate_column: 422,
  line_too_long: 422,
  not_csv: 415,
  encrypted_workbook: 422,
  workbook_too_large: 413,
  unknown_sheet: 422,
};

const tooLarge = (limit: number) =>
  new AppError(
    413,
    "file_too_large",
    `The file is larger than the limit of ${formatBytes(limit)}. Split it into smaller files and import each.`,
  );

/** A refused file as the answer to give, in rows for a workbook; any other error as it is. */
const refusal = (err: unknown, workbook = false) =>
  err instanceof FileRefused
    ? new AppError(statusByRefusal[err.code], err.code, workbook ? inRows(err.message) : err.message)
    : err;

const scanOptions = { chunkRows, chunkBytes, previewRows };

/** Reopens a stored file for the scanner's second pass, which a file not in UTF-8 needs. */
const reopenStored = (bucket: R2Bucket, file: StoredFile) => async () => {
  const body = await openStoredFile(bucket, file);
  if (!body) throw new Error(`The uploaded file ${file.key} is missing from storage.`);
  return body;
};

/**
 * Reads one sheet of a stored workbook into a CSV file of its own, stored and scanned as an
 * uploaded CSV is, so the rest of the pipeline reads it as one. Its line numbers are the sheet's
 * row numbers. Leaves nothing in storage when it throws.
 */
async function readSheet(
  env: Env,
  id: string,
  upload: StoredFile & { pieces: StoredPieces },
  wanted: string | null,
): Promise<ImportFile> {
  const book = await readWorkbook(env.FILES, upload, wanted);
  const fileKey = `imports/${id}/sheet-${crypto.randomUUID()}.csv.gz`;
  const scanner = new UploadScanner(scanOptions);
  const { size, pieces } = await storeUpload(
    env.FILES,
    fileKey,
    book.csv,
    { maxBytes: maxWorkbookInflatedBytes, size: null },
    { httpMetadata: { contentType: "application/gzip" } },
    (piece) => scanner.push(piece),
  );
  const stored: StoredFile = { key: fileKey, size, pieces };
  try {
    const { kind, sheet, sheets } = book.sheets();
    if (size === 0) {
      const others =
        sheets.length > 1
          ? " Choose the sheet that holds the users."
          : " Put the users in it, with a header row, and upload it again.";
      throw new FileRefused("no_rows", `The sheet "${sheet}" is empty: it has no header row and no users.${others}`);
    }
    const scan = await scanner.end(reopenStored(env.FILES, stored));
    await storeEmployeeHashes(env.FILES, fileKey, scan.employeeKeyHashes);
    return {
      fileKey,
      fileSize: size,
      filePieces: pieces,
      workbook: { kind, key: upload.key, size: upload.size, pieces: upload.pieces, sheet, sheets },
      ...scan.format,
      preview: scan.preview,
      totalRows: scan.totalRows,
      chunks: scan.chunks,
    };
  } catch (err) {
    await env.FILES.delete(storedKeysOf(fileKey));
    throw err;
  }
}

/** A file name fit to show and to store: no folders, no control characters, not endless. */
function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = cleanText(base.replace(/[\u0000-\u001f\u007f]/g, "")).slice(0, 200);
  return clean || "users.csv";
}

/**
 * Stores an uploaded file in R2 and, as it streams in, detects its format, counts its users and
 * plans its chunks; then records the import as ready. A workbook (.xlsx, .ods) is told by its
 * bytes, stored as uploaded, and its sheet read into a CSV file of its own. A file that cannot be
 * imported is refused whole with an AppError saying what to fix, and nothing of it is kept.
 */
export async function createImport(env: Env, db: Db, input: UploadInput): Promise<Import> {
  const maxBytes = Number(env.MAX_UPLOAD_BYTES);
  const announced = input.body instanceof Blob ? input.body.size : input.size;
  if (announced !== null && announced > maxBytes) throw tooLarge(maxBytes);

  const id = crypto.randomUUID();
  const fileName = cleanFileName(input.fileName);
  const uploadKey = `imports/${id}/upload.gz`;
  const stream = input.body instanceof Blob ? input.body.stream() : input.body;
  const contentType = input.contentType ?? (input.body instanceof Blob ? input.body.type : null);
  // The file is scanned on its way into R2, so a wrong header is refused before the rest is stored.
  const scanner = new UploadScanner(scanOptions);
  let kind: UploadKind | null = null;
  const ole2 = new Ole2Check();
  let upload: StoredFile & { pieces: StoredPieces };
  // Hashed piece by piece too, so an earlier import of the same file can be named.
  const hash = createHash("sha256");
  try {
    const { size, pieces } = await storeUpload(
      env.FILES,
      uploadKey,
      stream,
      { maxBytes, size: announced },
      { httpMetadata: { contentType: "application/gzip" }, customMetadata: { fileName } },
      (piece) => {
        hash.update(piece);
        kind ??= detectUpload(piece, contentType);
        if (kind === "text") scanner.push(piece);
        else if (kind === "ole2") {
          // Never stored: it is refused either way, once read through to tell which refusal.
          ole2.push(piece);
          return false;
        }
      },
    );
    if (pieces === null) throw ole2.refusal();
    upload = { key: uploadKey, size, pieces };
  } catch (err) {
    if (err instanceof UploadTooLarge) throw tooLarge(maxBytes);
    throw refusal(err);
  }
  if (upload.size === 0) {
    await env.FILES.delete(uploadKey);
    throw new AppError(422, "empty_file", "The file is empty. Export the users again and upload the new file.");
  }

  const workbook = kind === "zip";
  let file: ImportFile | null = null;
  try {
    if (workbook) file = await readSheet(env, id, upload, input.sheet ?? null);
    else {
      const scan = await scanner.end(reopenStored(env.FILES, upload));
      await storeEmployeeHashes(env.FILES, uploadKey, scan.employeeKeyHashes);
      file = {
        fileKey: uploadKey,
        fileSize: upload.size,
        filePieces: upload.pieces,
        workbook: null,
        ...scan.format,
        preview: scan.preview,
        totalRows: scan.totalRows,
        chunks: scan.chunks,
      };
    }
    const { chunks, ...values } = file;
    const contentHash = hash.digest("hex");
    const { imp, rowsWritten } = await recordUpload(
      db,
      { id, uploadedBy: input.uploadedBy, fileName, contentHash, dryRun: input.dryRun ?? false, ...values },
      chunks,
    );
    console.log(`Import ${id}: uploaded, ${rowsWritten} rows written`);
    return imp;
  } catch (err) {
    await env.FILES.delete(
      file !== null && file.fileKey !== uploadKey
        ? [uploadKey, ...storedKeysOf(file.fileKey)]
        : storedKeysOf(uploadKey),
    );
    throw refusal(err, workbook);
  }
}

/**
 * Reads another sheet of a ready import's workbook in place of the one read: the admin's pick on
 * the preview. The import keeps its id; its old sheet's file is deleted once the new one is in.
 */
export async function readAnotherSheet(env: Env, db: Db, imp: ImportView, sheet: string): Promise<Import> {
  const book = imp.workbook;
  if (book === null)
    throw new AppError(400, "not_a_workbook", "This import is a CSV file, which has no sheets to choose from.");
  let file: ImportFile;
  try {
    file = await readSheet(env, imp.id, { key: book.key, size: book.size, pieces: book.pieces }, sheet);
  } catch (err) {
    throw refusal(err, true);
  }
  const replaced = await replaceImportFile(db, imp.id, file);
  if (replaced === null) {
    await env.FILES.delete(storedKeysOf(file.fileKey));
    throw new AppError(
      409,
      "already_started",
      "This import has been started or cancelled meanwhile, so its sheet can no longer be changed.",
    );
  }
  await env.FILES.delete(storedKeysOf(imp.fileKey));
  return replaced;
}
