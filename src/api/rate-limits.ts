import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { bearerToken } from "../auth/bearer";
import { hashSecret } from "../auth/secrets";
import type { AppEnv } from "../context";

/*
 * Each token's allowances per minute, counted by the Workers Rate Limiting bindings of
 * wrangler.toml (which hold the same numbers). The count is kept per Cloudflare location and is
 * approximate, and it costs no D1 query: a script past its allowance is refused before its token
 * is even looked up, so it cannot slow the pages.
 */
export const apiAllowances = {
  reads: { name: "reads", binding: "API_READS", limit: 600 },
  writes: { name: "writes", binding: "API_WRITES", limit: 60 },
  uploads: { name: "uploads", binding: "API_UPLOADS", limit: 10 },
} as const;

type Allowance = (typeof apiAllowances)[keyof typeof apiAllowances];

const windowSeconds = 60;

/** The allowance as the IETF RateLimit-Policy header gives it. */
const policyOf = (allowance: Allowance) => `"${allowance.name}";q=${allowance.limit};w=${windowSeconds}`;

/** Seconds until the minute the count is kept for ends. */
function secondsToReset(now: Date): number {
  return windowSeconds - (Math.floor(now.getTime() / 1000) % windowSeconds);
}

/** Counts one request against an allowance; past it, the 429 to answer instead. */
async function spend(c: Context<AppEnv>, allowance: Allowance, key: string): Promise<Response | null> {
  const { success } = await c.env[allowance.binding].limit({ key });
  if (success) return null;
  const wait = secondsToReset(new Date());
  return c.json(
    {
      error: {
        code: "rate_limited",
        message: `This token has used its ${allowance.limit} ${allowance.name} for this minute. Try again in ${wait} seconds.`,
      },
    },
    429,
    {
      "Retry-After": String(wait),
      RateLimit: `"${allowance.name}";r=0;t=${wait}`,
      "RateLimit-Policy": policyOf(allowance),
    },
  );
}

/** Every API call with a token counts against its reads (GET) or writes (anything else). */
export const limitApiRate = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  // No token: requireToken answers 401, and nothing is counted.
  if (!token) return next();
  const key = await hashSecret(token);
  c.set("tokenHash", key);
  const allowance = c.req.method === "GET" || c.req.method === "HEAD" ? apiAllowances.reads : apiAllowances.writes;
  const refused = await spend(c, allowance, key);
  if (refused) return refused;
  await next();
  // An upload refused by its own allowance already names that one.
  if (!c.res.headers.has("RateLimit-Policy")) c.header("RateLimit-Policy", policyOf(allowance));
});

/** Uploads count against their own, smaller allowance too: each stores and scans a whole file. */
export const limitUploads = createMiddleware<AppEnv>(async (c, next) => {
  const refused = await spend(c, apiAllowances.uploads, c.var.tokenHash);
  if (refused) return refused;
  await next();
});
