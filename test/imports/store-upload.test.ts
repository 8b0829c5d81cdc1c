import { env } from "cloudflare:workers";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { storeUpload, UploadTooLarge } from "../../src/imports/store-upload";
import { openStoredFile, pieceBytes, readStoredRange, type StoredFile } from "../../src/imports/stored-file";
import { unique } from "../helpers";

const MiB = 1024 * 1024;

/** `total` bytes in uneven pieces of unknown total length: a repeating pattern (compresses well) or random (does not). */
function bytesOf(
  total: number,
  kind: "patterned" | "random",
): { stream: ReadableStream<Uint8Array>; bytes: Uint8Array } {
  const bytes = new Uint8Array(total);
  if (kind === "patterned") for (let i = 0; i < total; i++) bytes[i] = i % 251;
  else
    for (let at = 0; at < total; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(total, at + 65536)));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(777_777, total - sent);
      controller.enqueue(bytes.slice(sent, sent + n));
      sent += n;
    },
  });
  return { stream, bytes };
}

async function store(total: number, kind: "patterned" | "random", size: number | null = null) {
  const key = `test/${unique(kind)}.csv.gz`;
  const { stream, bytes } = bytesOf(total, kind);
  const result = await storeUpload(env.FILES, key, stream, { maxBytes: 100 * MiB, size }, {});
  const file: StoredFile = { key, size: result.size, pieces: result.pieces };
  return { key, bytes, file, result };
}

async function readAll(file: StoredFile): Promise<Uint8Array> {
  const body = await openStoredFile(env.FILES, file);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

describe("storing an upload", () => {
  it("keeps a file as gzip pieces that give back every byte, whole or by range", async () => {
    const total = 3 * pieceBytes + 12_345;
    const { key, bytes, file, result } = await store(total, "patterned");
    expect(result.size).toBe(total);
    expect(result.pieces.offsets).toHaveLength(5);
    const head = await env.FILES.head(key);
    expect(head?.size).toBe(result.pieces.offsets.at(-1));
    expect(head!.size).toBeLessThan(total / 10);

    expect(await readAll(file)).toEqual(bytes);
    for (const [start, end] of [
      [0, 1],
      [pieceBytes - 3, pieceBytes + 3],
      [10, 3 * pieceBytes + 100],
      [2 * pieceBytes, 3 * pieceBytes],
      [total - 7, total],
      [500, 500],
    ] as const) {
      expect(await readStoredRange(env.FILES, file, start, end)).toEqual(bytes.subarray(start, end));
    }
  });

  it("writes one valid .gz file: its pieces inflate to the upload in order", async () => {
    const { key, bytes } = await store(2 * pieceBytes + 99, "patterned");
    const object = await env.FILES.get(key);
    expect(new Uint8Array(gunzipSync(new Uint8Array(await object!.arrayBuffer())))).toEqual(bytes);
  });

  it("sends a file that stays large once compressed in parts of 8 MiB", async () => {
    const { key, bytes, file } = await store(17 * MiB + 5, "random");
    const head = await env.FILES.head(key);
    // A multipart object's etag ends in its number of parts: 8 MiB, 8 MiB and the rest.
    expect(head?.etag).toMatch(/-3$/);
    expect(await readStoredRange(env.FILES, file, 16 * MiB, 16 * MiB + 8)).toEqual(
      bytes.subarray(16 * MiB, 16 * MiB + 8),
    );
    expect(await readAll(file)).toEqual(bytes);
  });

  it("reads a request body, a byte stream, into its own buffer piece by piece", async () => {
    const { bytes } = bytesOf(2 * pieceBytes + 777, "random");
    const body = new Request("https://roster.test/", { method: "POST", body: bytes }).body;
    const key = `test/${unique("request")}.csv.gz`;
    const result = await storeUpload(env.FILES, key, body!, { maxBytes: 100 * MiB, size: bytes.length }, {});
    expect(result.pieces.offsets).toHaveLength(4);
    expect(await readAll({ key, size: result.size, pieces: result.pieces })).toEqual(bytes);
  });

  it("shows every piece to the inspector before storing it, and stores nothing once it refuses", async () => {
    const key = `test/${unique("inspected")}.csv.gz`;
    const seen: number[] = [];
    const refusal = new Error("wrong header");
    const { stream } = bytesOf(3 * pieceBytes, "patterned");
    await expect(
      storeUpload(env.FILES, key, stream, { maxBytes: 100 * MiB, size: null }, {}, (piece) => {
        seen.push(piece.length);
        if (seen.length === 2) throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(seen).toEqual([pieceBytes, pieceBytes]);
    expect(await env.FILES.head(key)).toBeNull();
  });

  it("stores a small file in one put", async () => {
    const { key, bytes, file } = await store(1000, "random");
    expect((await env.FILES.head(key))?.etag).not.toContain("-");
    expect(await readAll(file)).toEqual(bytes);
  });

  it("accepts a body of the announced size", async () => {
    const { file, bytes } = await store(MiB, "patterned", MiB);
    expect(await readAll(file)).toEqual(bytes);
  });

  it("reads a file stored uncompressed, as uploads were before pieces", async () => {
    const key = `test/${unique("plain")}.csv`;
    const bytes = new TextEncoder().encode("employee_number,email\nE1,a@example.com\n");
    await env.FILES.put(key, bytes);
    const file: StoredFile = { key, size: bytes.length, pieces: null };
    expect(await readAll(file)).toEqual(bytes);
    expect(await readStoredRange(env.FILES, file, 22, 24)).toEqual(bytes.subarray(22, 24));
  });

  it("answers null for a file no longer in storage", async () => {
    const { key, file } = await store(1000, "patterned");
    await env.FILES.delete(key);
    expect(await openStoredFile(env.FILES, file)).toBeNull();
    expect(await readStoredRange(env.FILES, file, 0, 10)).toBeNull();
  });

  it("fails a body shorter than announced and keeps nothing", async () => {
    const key = `test/${unique("short")}.csv.gz`;
    await expect(
      storeUpload(env.FILES, key, bytesOf(1000, "patterned").stream, { maxBytes: 100 * MiB, size: 2000 }, {}),
    ).rejects.toThrow("ended after 1000 bytes of the 2000 announced");
    expect(await env.FILES.head(key)).toBeNull();
  });

  it("stops past the limit and keeps nothing, even after parts were sent", async () => {
    const key = `test/${unique("over")}.csv.gz`;
    await expect(
      storeUpload(env.FILES, key, bytesOf(20 * MiB, "random").stream, { maxBytes: 12 * MiB, size: null }, {}),
    ).rejects.toBeInstanceOf(UploadTooLarge);
    expect(await env.FILES.head(key)).toBeNull();
  });
});
