import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { readUploadForm } from "../http/read-upload-form";
import type { WebEnv } from "../web/web-env";
import { createSecret } from "./secrets";

/** The hidden field every form sends its token in. */
export const csrfField = "_csrf";
const signInCookie = "roster_sign_in";

const refused = () =>
  new HTTPException(403, {
    message: "This form has expired or did not come from Roster. Go back, reload the page and send it again.",
  });

/** Compares two tokens in time that does not depend on where they differ. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A token for a new session's forms. */
export function createCsrfToken(): string {
  return createSecret("");
}

/**
 * Refuses a state-changing request whose form does not carry the session's token. An upload
 * form is opened here as a stream (the token comes before the file) and handed to the route.
 */
export const verifyCsrf = createMiddleware<WebEnv>(async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const contentType = c.req.header("Content-Type") ?? "";
  let token: string | undefined;
  if (/^multipart\/form-data/i.test(contentType)) {
    const form = await readUploadForm(c.req.raw);
    token = form.fields.get(csrfField);
    c.set("upload", form);
  } else if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    const body = await c.req.parseBody();
    const value = body[csrfField];
    token = typeof value === "string" ? value : undefined;
  }
  if (!token || !sameToken(token, c.var.csrfToken)) throw refused();
  await next();
});

/**
 * The sign-in form has no session yet: its token is a double-submit cookie, valid only on the
 * sign-in path. Reuses the browser's token so two open tabs both work.
 */
export function issueSignInToken(c: Context): string {
  const token = getCookie(c, signInCookie) ?? createSecret("");
  setCookie(c, signInCookie, token, { httpOnly: true, secure: true, sameSite: "Lax", path: "/sign-in", maxAge: 3600 });
  return token;
}

/** Checks the sign-in form's token against its cookie, and the Origin when the browser sends one. */
export function verifySignInToken(c: Context, formToken: string | undefined): void {
  const origin = c.req.header("Origin");
  if (origin && origin !== new URL(c.req.url).origin) throw refused();
  const cookie = getCookie(c, signInCookie);
  if (!formToken || !cookie || !sameToken(formToken, cookie)) throw refused();
}
