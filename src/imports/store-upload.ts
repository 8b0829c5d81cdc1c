import { gzip, pieceBytes, type StoredPieces } from "./stored-file";

/**
 * R2 multipart parts: at least 5 MiB, and all but the last of one size. 8 MiB of compressed
 * bytes (about 55 MB of CSV) keeps the Worker's buffer small next to its 128 MB, and most files
 * are one put.
 */
const partBytes = 8 * 1024 * 1024;

/** Thrown when the stream runs past the size limit; the caller answers 413. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The upload is larger than ${limit} bytes.`);
  }
}

/**
 * Writes a stream of bytes of unknown length to one R2 object: one put when it ends within the
 * first part, a multipart upload otherwise. Holds at most one part; `abort` removes what was sent.
 */
class PartWriter {
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];
  private part: Uint8Array | null = null;
  private filled = 0;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly options: R2PutOptions & R2MultipartOptions,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length;) {
      this.part ??= new Uint8Array(partBytes);
      const n = Math.min(partBytes - this.filled, bytes.length - offset);
      this.part.set(bytes.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === partBytes) {
        this.upload ??= await this.bucket.createMultipartUpload(this.key, this.options);
        // The part buffer is reused only after its upload has been awaited.
        this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.part));
        this.filled = 0;
      }
    }
  }

  async close(): Promise<void> {
    const rest = this.part?.subarray(0, this.filled) ?? new Uint8Array(0);
    if (this.upload === null) {
      await this.bucket.put(this.key, rest, this.options);
      return;
    }
    if (rest.length > 0) this.parts.push(await this.upload.uploadPart(this.parts.length + 1, rest));
    await this.upload.complete(this.parts);
  }

  /** Drops what was sent; writes after it are not expected. */
  async abort(): Promise<void> {
    const upload = this.upload;
    this.upload = null;
    this.part = null;
    if (upload !== null) await upload.abort();
  }
}

/**
 * The stream in pieces of exactly `size` bytes (the last one shorter), each a view of one buffer
 * that is reused for the next: valid until the loop moves on. A byte stream (a request body) is
 * read straight into that buffer, so a large upload leaves no trail of small buffers behind for
 * the garbage collector; any other stream is copied into it.
 */
async function* piecesOf(body: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader | null = null;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream.
  }
  if (reader === null) {
    const piece = new Uint8Array(size);
    let filled = 0;
    for await (const chunk of body) {
      for (let offset = 0; offset < chunk.length;) {
        const n = Math.min(size - filled, chunk.length - offset);
        piece.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === size) {
          yield piece;
          filled = 0;
        }
      }
    }
    if (filled > 0) yield piece.subarray(0, filled);
    return;
  }
  let buffer = new ArrayBuffer(size);
  let filled = 0;
  try {
    for (;;) {
      // The read takes the buffer over and gives it back, filled a little further, in `value`.
      const { value, done } = await reader.read(new Uint8Array(buffer, filled, size - filled));
      if (value) buffer = value.buffer as ArrayBuffer;
      else if (filled > 0) throw new Error("The upload stream ended without giving its buffer back.");
      if (done) break;
      filled += value.length;
      if (filled === size) {
        yield new Uint8Array(buffer);
        filled = 0;
      }
    }
    if (filled > 0) yield new Uint8Array(buffer, 0, filled);
  } finally {
    reader.releaseLock();
  }
}

/**
 * Streams an upload into R2 as compressed pieces (see stored-file.ts) and returns its original
 * size and where each piece lies. Holds one piece and one part in memory, and stops as soon as
 * the stream passes `maxBytes`. With an announced size (Content-Length), a body of any other
 * length is refused. `inspect` sees every piece before it is stored; when it throws, nothing
 * more is stored, the rest of the body is read and dropped (so the client, still sending, gets
 * the answer), and its error is thrown. When it returns false, that piece and the rest are not
 * stored but still inspected, and `pieces` is null: the file is only looked through. Nothing is
 * left in R2 when it throws or declines.
 */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  limits: { maxBytes: number; size: number | null },
  options: R2PutOptions & R2MultipartOptions,
  inspect?: (piece: Uint8Array) => void,
): Promise<{ size: number; pieces: StoredPieces }>;
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  limits: { maxBytes: number; size: number | null },
  options: R2PutOptions & R2MultipartOptions,
  inspect: (piece: Uint8Array) => boolean | void,
): Promise<{ size: number; pieces: StoredPieces | null }>;
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  limits: { maxBytes: number; size: number | null },
  options: R2PutOptions & R2MultipartOptions,
  inspect: (piece: Uint8Array) => boolean | void = () => undefined,
): Promise<{ size: number; pieces: StoredPieces | null }> {
  const { maxBytes, size } = limits;
  if (size !== null && size > maxBytes) throw new UploadTooLarge(maxBytes);
  const writer = new PartWriter(bucket, key, options);
  const offsets = [0];
  let total = 0;
  let refused: { error: unknown } | null = null;
  let declined = false;
  try {
    for await (const piece of piecesOf(body, pieceBytes)) {
      total += piece.length;
      if (total > maxBytes) throw new UploadTooLarge(maxBytes);
      if (refused !== null) continue;
      let keep: boolean | void;
      try {
        keep = inspect(piece);
      } catch (error) {
        refused = { error };
        await writer.abort();
        continue;
      }
      if (keep === false && !declined) {
        declined = true;
        await writer.abort();
      }
      if (declined) continue;
      const member = gzip(piece);
      await writer.write(member);
      offsets.push((offsets.at(-1) ?? 0) + member.length);
    }
    if (refused !== null) throw refused.error;
    if (size !== null && total !== size)
      throw new Error(`The upload ended after ${total} bytes of the ${size} announced.`);
    if (declined) return { size: total, pieces: null };
    await writer.close();
    return { size: total, pieces: { pieceBytes, offsets } };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
