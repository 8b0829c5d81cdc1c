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
 * Streams an upload into R2 and returns its size. With a known size (Content-Length) it is one
 * streaming put held to exactly that length. Without (a browser's form part, a chunked
 * request) it holds at most one part in memory and stops as soon as it passes `maxBytes`:
 * a small file is one put, a larger one a multipart upload.
 */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  limits: { maxBytes: number; size: number | null },
  options: R2PutOptions & R2MultipartOptions,
): Promise<number> {
  const { maxBytes, size } = limits;
  if (size !== null) {
    if (size > maxBytes) throw new UploadTooLarge(maxBytes);
    // The runtime fails the put if the body is longer or shorter than announced.
    const fixed = new FixedLengthStream(size);
    const [stored, piped] = await Promise.allSettled([bucket.put(key, fixed.readable, options), body.pipeTo(fixed.writable)]);
    if (stored.status === "rejected") throw stored.reason;
    if (piped.status === "rejected") throw piped.reason;
    return size;
  }
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
