/**
 * R2 multipart parts: at least 5 MiB, and all but the last of one size. 8 MiB keeps the
 * Worker's buffer small next to its 128 MB while a 100 MB file needs only 13 parts.
 */
const partBytes = 8 * 1024 * 1024;

/** Thrown when the stream runs past the size limit; the caller answers 413. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The upload is larger than ${limit} bytes.`);
  }
}

/**
 * Streams an upload into R2 without knowing its size up front (a browser's form part, a
 * chunked request), holding at most one part in memory and stopping as soon as it passes
 * `maxBytes`. Small files are one plain put; larger ones a multipart upload. Returns the size.
 */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  options: R2PutOptions & R2MultipartOptions,
): Promise<number> {
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  // One buffer for every part: each upload is awaited before the buffer is refilled.
  const part = new Uint8Array(partBytes);
  let filled = 0;
  let total = 0;
  try {
    for await (const piece of body) {
      total += piece.length;
      if (total > maxBytes) throw new UploadTooLarge(maxBytes);
      for (let offset = 0; offset < piece.length; ) {
        const n = Math.min(partBytes - filled, piece.length - offset);
        part.set(piece.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === partBytes) {
          upload ??= await bucket.createMultipartUpload(key, options);
          parts.push(await upload.uploadPart(parts.length + 1, part));
          filled = 0;
        }
      }
    }
    if (upload === null) {
      await bucket.put(key, part.subarray(0, filled), options);
    } else {
      if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
      await upload.complete(parts);
    }
    return total;
  } catch (err) {
    if (upload !== null) await upload.abort();
    throw err;
  }
}
