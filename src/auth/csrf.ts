import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
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

// The browser's word that a form came from one of Roster's own pages: Origin, or Sec-Fetch-Site
// where a browser sends that instead. It reads no body, so it runs before any form is opened.
const sameOrigin = csrf();

/** Refuses a form another site sent, with Roster's own message rather than a bare "Forbidden". */
async function checkOrigin(c: Context): Promise<void> {
  try {
    await sameOrigin(c, async () => {});
  } catch (err) {
    if (err instanceof HTTPException && err.status === 403) throw refused();
    throw err;
  }
}

const unsafe = (method: string) => method !== "GET" && method !== "HEAD";

/**
 * Refuses a state-changing request that did not come from Roster's pages (its Origin) or whose
 * form does not carry the session's token. The form is parsed with `c.req.parseBody()`, which
 * Hono keeps, so the route's own `parseBody()` reads the same fields, in either encoding.
 */
export const verifyCsrf = createMiddleware<WebEnv>(async (c, next) => {
  if (!unsafe(c.req.method)) return next();
  await checkOrigin(c);
  const contentType = c.req.header("Content-Type") ?? "";
  let token: string | undefined;
  if (/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(contentType)) {
    const value = (await c.req.parseBody())[csrfField];
    token = typeof value === "string" ? value : undefined;
  }
  if (!token || !sameToken(token, c.var.csrfToken)) throw refused();
  await next();
});

/**
 * The upload's check: the form is opened as a stream (the token comes before the file), the
 * token checked before a byte of the file is read, and the form handed to the route, so a
 * 100 MB file never sits in memory. Only the upload route uses it; every other form is read
 * whole by `verifyCsrf`.
 */
export const verifyUploadCsrf = createMiddleware<WebEnv>(async (c, next) => {
  await checkOrigin(c);
  if (!/^multipart\/form-data/i.test(c.req.header("Content-Type") ?? "")) throw refused();
  const form = await readUploadForm(c.req.raw);
  const token = form.fields.get(csrfField);
  if (!token || !sameToken(token, c.var.csrfToken)) throw refused();
  c.set("upload", form);
  await next();
});

/** The forms people send before they have a session, each with its cookie on its own path. */
const publicForms = {
  "/sign-in": signInCookie,
  "/set-password": "roster_set_password",
} as const;
type PublicForm = keyof typeof publicForms;

/**
 * The sign-in form, and the page a link sets a password on, have no session yet: their token is
 * a double-submit cookie, valid only on the form's path. Reuses the browser's token so two open
 * tabs both work.
 */
export function issueSignInToken(c: Context, form: PublicForm = "/sign-in"): string {
  const name = publicForms[form];
  const token = getCookie(c, name) ?? createSecret("");
  setCookie(c, name, token, { httpOnly: true, secure: true, sameSite: "Lax", path: form, maxAge: 3600 });
  return token;
}

/** Checks a sessionless form's token against its cookie, and the Origin when the browser sends one. */
export function verifySignInToken(c: Context, formToken: string | undefined, form: PublicForm = "/sign-in"): void {
  const origin = c.req.header("Origin");
  if (origin && origin !== new URL(c.req.url).origin) throw refused();
  const cookie = getCookie(c, publicForms[form]);
  if (!formToken || !cookie || !sameToken(formToken, cookie)) throw refused();
}
