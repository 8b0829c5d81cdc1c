import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AppError } from "../errors";

/**
 * A sub-app of the JSON API. Its routes are declared with createRoute, so the schemas that
 * validate a request are the ones the OpenAPI document shows; every validation failure is one
 * 400 `invalid_input` whose message names the field.
 */
export function createApiApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const detail = result.error.issues
        .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
        .join("; ");
      throw new AppError(400, "invalid_input", `The request is not valid: ${detail}.`);
    },
  });
}
