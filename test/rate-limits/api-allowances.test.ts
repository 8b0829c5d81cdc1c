import { describe, expect, it } from "vitest";
import { apiAllowances } from "../../src/api/rate-limits";
import { call, createTestLocation, createUserWithToken, csvOf, header, unique, uploadCsv } from "../helpers";

/**
 * The allowances are counted per wall-clock minute; a test that began in a minute's last
 * seconds would see its count start again midway, so it waits for the next minute.
 */
async function startOfAMinute() {
  const left = 60 - (Math.floor(Date.now() / 1000) % 60);
  if (left < 20) await new Promise((r) => setTimeout(r, left * 1000 + 100));
}

type ErrorBody = { error: { code: string; message: string } };

describe("API rate limits", () => {
  it("answers 429 with Retry-After and RateLimit headers once a token has used its reads for the minute", async () => {
    await startOfAMinute();
    const { token } = await createUserWithToken("Admin");
    const { token: other } = await createUserWithToken("Admin");
    const { limit } = apiAllowances.reads;
    for (let sent = 0; sent < limit; sent += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, limit - sent) }, () => call(token, "/api/roles")),
      );
      for (const res of batch) expect(res.status).toBe(200);
      expect(batch[0]?.headers.get("RateLimit-Policy")).toBe(`"reads";q=${limit};w=60`);
    }
    const refused = await call(token, "/api/roles");
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get("Retry-After"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.headers.get("RateLimit")).toBe(`"reads";r=0;t=${wait}`);
    expect(refused.headers.get("RateLimit-Policy")).toBe(`"reads";q=${limit};w=60`);
    const body = (await refused.json()) as ErrorBody;
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.message).toContain(`${limit} reads`);

    // Writes have their own allowance, and another token its own count.
    expect((await call(token, "/api/imports/none/start", { method: "POST" })).status).toBe(404);
    expect((await call(other, "/api/roles")).status).toBe(200);
  });

  it(`lets a token upload ${apiAllowances.uploads.limit} files a minute, and refuses the next with 429`, async () => {
    await startOfAMinute();
    const { token } = await createUserWithToken("Admin");
    const site = await createTestLocation();
    const { limit } = apiAllowances.uploads;
    for (let i = 0; i < limit; i++) {
      const n = unique("rl");
      const res = await uploadCsv(token, csvOf([header, [n, "R", "L", site.name, `${n}@example.com`, ""]]));
      expect(res.status).toBe(201);
    }
    const n = unique("rl");
    const refused = await uploadCsv(token, csvOf([header, [n, "R", "L", site.name, `${n}@example.com`, ""]]));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("RateLimit-Policy")).toBe(`"uploads";q=${limit};w=60`);
    expect(((await refused.json()) as ErrorBody).error.code).toBe("rate_limited");
    // Reading is still allowed.
    expect((await call(token, "/api/imports?limit=1")).status).toBe(200);
  });

  it("counts nothing for a request without a token, which is told to send one", async () => {
    const res = await call("", "/api/roles");
    expect(res.status).toBe(401);
  });
});
