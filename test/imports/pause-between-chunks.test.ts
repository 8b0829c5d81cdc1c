import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { pauseBetweenChunksMs } from "../../src/imports/yield-to-requests";

it("pauses a long job between chunks while requests come in, and not once they stop", async () => {
  // The runtime's clock moves only at I/O: `before` is at or before the moment the request is noted.
  const before = Date.now();
  const res = await exports.default.fetch("http://roster.test/healthz");
  expect(res.status).toBe(200);
  expect(pauseBetweenChunksMs(before)).toBeGreaterThan(0);
  expect(pauseBetweenChunksMs(Date.now() + 2_000)).toBe(0);
});
