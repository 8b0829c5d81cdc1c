import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { pauseBetweenChunksMs } from "../../src/imports/yield-to-requests";

it("pauses a long job between chunks while requests come in, and not once they stop", async () => {
  const res = await exports.default.fetch("http://roster.test/healthz");
  expect(res.status).toBe(200);
  const now = Date.now();
  expect(pauseBetweenChunksMs(now)).toBeGreaterThan(0);
  expect(pauseBetweenChunksMs(now + 2_000)).toBe(0);
});
