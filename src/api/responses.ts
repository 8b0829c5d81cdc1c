import type { z } from "@hono/zod-openapi";
import { apiAllowances } from "./rate-limits";
import { errorBody } from "./schemas";

/*
 * The response objects routes declare. Each route lists every status it can answer, so the
 * OpenAPI document says what a client must handle.
 */

export const jsonResponse = <Schema extends z.ZodType>(description: string, schema: Schema) => ({
  description,
  content: { "application/json": { schema } },
});

/** An error with the API's one error shape; the description names the codes this status carries. */
export const errorResponse = (description: string) => jsonResponse(description, errorBody);

export const csvResponse = (description: string) => ({
  description,
  content: {
    "text/csv": {
      schema: { type: "string" as const, description: "UTF-8 with BOM; formula-like cells are prefixed with '." },
    },
  },
});

const { reads, writes, uploads } = apiAllowances;

/** What every route behind the token can answer besides its own outcomes. */
export const tokenResponses = {
  401: errorResponse("`unauthorized`: no API token, or one that is not valid or has been revoked."),
  403: errorResponse(
    "`forbidden`: the token's user lacks the permission. `account_deactivated`: the token's user is deactivated (the token works again once they are reactivated).",
  ),
  429: {
    ...errorResponse(
      `\`rate_limited\`: the token has used its allowance for this minute: ${reads.limit} reads (GET), ${writes.limit} writes (anything else), of which ${uploads.limit} uploads. Counted per Cloudflare location, approximately.`,
    ),
    headers: {
      "Retry-After": { description: "Seconds until the allowance is renewed.", schema: { type: "integer" as const } },
      RateLimit: {
        description: 'IETF RateLimit header: the allowance used up and when it renews, e.g. `"reads";r=0;t=42`.',
        schema: { type: "string" as const },
      },
      "RateLimit-Policy": {
        description:
          'IETF RateLimit-Policy header, e.g. `"reads";q=600;w=60`; also sent on every answer within the allowance.',
        schema: { type: "string" as const },
      },
    },
  },
  500: errorResponse("`internal_error`: something went wrong on Roster's side; try again."),
};

export const invalidInput = {
  400: errorResponse("`invalid_input`: a query, path or body value is not valid; the message names it."),
};

export const importNotFound = { 404: errorResponse("`not_found`: there is no import with this id.") };
