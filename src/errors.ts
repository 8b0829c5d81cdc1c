import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An expected failure with a stable code for integrators and a sentence for people. */
export class AppError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }
}

const codeByStatus: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "file_too_large",
  415: "unsupported_media_type",
  422: "invalid_input",
};

/** The stable code of an HTTP failure: the AppError's own, else one named for its status. */
export function errorCode(err: HTTPException): string {
  return err instanceof AppError ? err.code : (codeByStatus[err.status] ?? "error");
}
