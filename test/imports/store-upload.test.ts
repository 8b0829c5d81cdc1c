import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeUpload, UploadTooLarge } from "../../src/imports/store-upload";
import { unique } from "../helpers";

const MiB = 1024 * 1024;

/** A stream of `total` bytes of unknown length, in uneven pieces; byte i is i % 251. */
function patterned(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(777_777, total - sent);
      controller.enqueue(Uint8Array.from({ length: n }, (_, i) => (sent + i) % 251));
      sent += n;
    },
  });
}

describe("storing an upload of unknown size", () => {
  it("stores a file larger than one part, byte for byte", async () => {
    const key = `test/${unique("big")}.csv`;
    const size = await storeUpload(env.FILES, key, patterned(17 * MiB + 5), { maxBytes: 100 * MiB, size: null }, {});
    expect(size).toBe(17 * MiB + 5);
    const head = await env.FILES.head(key);
    expect(head?.size).toBe(17 * MiB + 5);
    // A multipart object's etag ends in its number of parts: 8 MiB, 8 MiB and the rest.
    expect(head?.etag).toMatch(/-3$/);
    const tail = await env.FILES.get(key, { range: { offset: 16 * MiB, length: 8 } });
    const bytes = new Uint8Array(await (tail?.arrayBuffer() ?? new ArrayBuffer(0)));
    expect([...bytes]).toEqual(Array.from({ length: 8 }, (_, i) => (16 * MiB + i) % 251));
  });

  it("stores a small file in one put", async () => {
    const key = `test/${unique("small")}.csv`;
    expect(await storeUpload(env.FILES, key, patterned(1000), { maxBytes: 100 * MiB, size: null }, {})).toBe(1000);
    const head = await env.FILES.head(key);
    expect(head?.size).toBe(1000);
    expect(head?.etag).not.toContain("-");
  });

  it("stores a body of announced size in one put", async () => {
    const key = `test/${unique("sized")}.csv`;
    expect(await storeUpload(env.FILES, key, patterned(3 * MiB), { maxBytes: 100 * MiB, size: 3 * MiB }, {})).toBe(3 * MiB);
    const head = await env.FILES.head(key);
    expect(head?.size).toBe(3 * MiB);
    expect(head?.etag).not.toContain("-");
  });

  it("fails a body shorter than announced and keeps nothing", async () => {
    const key = `test/${unique("short")}.csv`;
    await expect(storeUpload(env.FILES, key, patterned(1000), { maxBytes: 100 * MiB, size: 2000 }, {})).rejects.toThrow();
    expect(await env.FILES.head(key)).toBeNull();
  });

  it("stops past the limit and keeps nothing", async () => {
    const key = `test/${unique("over")}.csv`;
    await expect(storeUpload(env.FILES, key, patterned(20 * MiB), { maxBytes: 12 * MiB, size: null }, {})).rejects.toBeInstanceOf(UploadTooLarge);
    expect(await env.FILES.head(key)).toBeNull();
  });
});
