import { gunzipSync, gzipSync } from "node:zlib";
import { concatBytes } from "../concat-bytes";

/**
 * How an uploaded file is kept in R2. A CSV of users compresses about seven times, so it is
 * stored gzip-compressed: less storage, and fewer bytes through R2 on every read. A plain gzip
 * stream can only be read from its start, while each chunk of an import is read by byte range;
 * so the file is cut into pieces of `pieceBytes` original bytes, each compressed as a gzip
 * member of its own, stored one after another. Together they are still a valid (multi-member)
 * .gz file, and any range of the original is read by fetching and inflating only its pieces.
 */
export type StoredPieces = {
  /** Original bytes per piece; the last piece holds the rest. */
  pieceBytes: number;
  /** Where each piece starts in the stored object, then the object's size: one more entry than pieces. */
  offsets: number[];
};

/** An import's stored file: `pieces` is null for a file kept as uploaded, uncompressed. */
export type StoredFile = { key: string; size: number; pieces: StoredPieces | null };

/**
 * 256 KiB: a chunk (at most about 1 MB) spans a few pieces, so reading one inflates little more
 * than it needs, while a 100 MB file still has only 400 pieces to list.
 */
export const pieceBytes = 256 * 1024;

/** One synchronous call per piece: a piece is small, and a stream per piece would only add plumbing. */
export const gzip = (bytes: Uint8Array): Uint8Array => gzipSync(bytes);

/** Inflates one stored piece, which must give back exactly its original length. */
function gunzipPiece(member: Uint8Array, length: number): Uint8Array {
  const bytes = gunzipSync(member);
  if (bytes.length !== length)
    throw new Error(`A stored piece inflated to ${bytes.length} bytes where ${length} were stored.`);
  return bytes;
}

const pieceLength = (file: StoredFile, pieces: StoredPieces, index: number) =>
  Math.min(pieces.pieceBytes, file.size - index * pieces.pieceBytes);

function pieceAt(pieces: StoredPieces, index: number): { start: number; end: number } {
  const start = pieces.offsets[index];
  const end = pieces.offsets[index + 1];
  if (start === undefined || end === undefined) throw new Error(`The stored file has no piece ${index}.`);
  return { start, end };
}

/**
 * Bytes [start, end) of the original file, or null when the file is no longer in storage.
 * Fetches only the pieces that hold the range, in one ranged read.
 */
export async function readStoredRange(
  bucket: R2Bucket,
  file: StoredFile,
  start: number,
  end: number,
): Promise<Uint8Array | null> {
  const { pieces } = file;
  if (pieces === null) {
    const object = await bucket.get(file.key, { range: { offset: start, length: end - start } });
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }
  if (end <= start) return new Uint8Array(0);
  const first = Math.floor(start / pieces.pieceBytes);
  const last = Math.floor((end - 1) / pieces.pieceBytes);
  const from = pieceAt(pieces, first).start;
  const object = await bucket.get(file.key, { range: { offset: from, length: pieceAt(pieces, last).end - from } });
  if (!object) return null;
  const stored = new Uint8Array(await object.arrayBuffer());
  const out = new Uint8Array(end - start);
  for (let index = first; index <= last; index++) {
    const { start: at, end: until } = pieceAt(pieces, index);
    const piece = gunzipPiece(stored.subarray(at - from, until - from), pieceLength(file, pieces, index));
    const pieceStart = index * pieces.pieceBytes;
    const lo = Math.max(start, pieceStart);
    const hi = Math.min(end, pieceStart + piece.length);
    out.set(piece.subarray(lo - pieceStart, hi - pieceStart), lo - start);
  }
  return out;
}

/**
 * The whole original file as a stream, or null when it is no longer in storage. Holds one
 * stored piece and one inflated piece at a time.
 */
export async function openStoredFile(bucket: R2Bucket, file: StoredFile): Promise<ReadableStream<Uint8Array> | null> {
  const object = await bucket.get(file.key);
  if (!object) return null;
  const { pieces } = file;
  if (pieces === null) return object.body;
  const reader = object.body.getReader();
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let index = 0;

  const take = async (length: number): Promise<Uint8Array> => {
    while (heldBytes < length) {
      const { value, done } = await reader.read();
      if (done) throw new Error("The stored file ends before its last piece.");
      held.push(value);
      heldBytes += value.length;
    }
    const all = concatBytes(held, heldBytes);
    held = all.length > length ? [all.subarray(length)] : [];
    heldBytes -= length;
    return all.subarray(0, length);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= pieces.offsets.length - 1) {
        controller.close();
        return;
      }
      const { start, end } = pieceAt(pieces, index);
      controller.enqueue(gunzipPiece(await take(end - start), pieceLength(file, pieces, index)));
      index++;
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
