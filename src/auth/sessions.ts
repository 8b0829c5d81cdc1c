import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import type { Db } from "../db/client";
import { insertSession, revokeSession } from "../db/sessions";
import { findViewerBySessionHash } from "../db/viewers";
import { createCsrfToken } from "./csrf";
import type { Viewer } from "./permissions";
import { createSecret, hashSecret } from "./secrets";

const sessionCookie = "roster_session";
/** A working day and a bit: long enough not to interrupt, short enough that a forgotten browser ends. */
const sessionLifetimeMs = 12 * 60 * 60 * 1000;

const cookieOptions = { httpOnly: true, secure: true, sameSite: "Lax", path: "/" } as const;

/**
 * A path on this site to return to after signing in, or "/" for anything else: an absolute
 * URL, a protocol-relative `//host` or a backslash trick must never send people elsewhere.
 */
export function safeNextPath(next: string | undefined | null): string {
  const offSite = (path: string) => !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\");
  if (!next || offSite(next)) return "/";
  const base = "http://roster.invalid";
  try {
    const url = new URL(next, base);
    const path = `${url.pathname}${url.search}`;
    // The path is checked again once normalised: dot segments can turn "/.//host" into "//host".
    return url.origin === base && !offSite(path) ? path : "/";
  } catch {
    return "/";
  }
}

/** Starts a session for a user: stores the secret's hash with a fresh CSRF token and sets the cookie. */
export async function startSession(c: Context, db: Db, userId: number): Promise<void> {
  const secret = createSecret("");
  const expiresAt = new Date(Date.now() + sessionLifetimeMs);
  await insertSession(db, { idHash: await hashSecret(secret), userId, csrfToken: createCsrfToken(), expiresAt });
  setCookie(c, sessionCookie, secret, { ...cookieOptions, maxAge: Math.floor(sessionLifetimeMs / 1000) });
}

/** Revokes the browser's session, if it has one, and clears the cookie. */
export async function endSession(c: Context, db: Db): Promise<void> {
  const secret = getCookie(c, sessionCookie);
  if (secret) await revokeSession(db, await hashSecret(secret), new Date());
  deleteCookie(c, sessionCookie, cookieOptions);
}

/** The viewer behind the browser's session cookie, with the session's CSRF token, or null. */
export async function readSession(c: Context, db: Db): Promise<(Viewer & { csrfToken: string }) | null> {
  const secret = getCookie(c, sessionCookie);
  if (!secret) return null;
  return findViewerBySessionHash(db, await hashSecret(secret), new Date());
}

/**
 * Pages need a live session: without one, a page sends people to sign in and back. Signed-in
 * pages are never cached, so a shared computer's back button shows nothing after sign-out.
 */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  const session = await readSession(c, c.var.db);
  if (!session) {
    const url = new URL(c.req.url);
    const back = c.req.method === "GET" ? safeNextPath(url.pathname + url.search) : "/";
    const target = back === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(back)}`;
    return c.redirect(target, 303);
  }
  const { csrfToken, ...viewer } = session;
  c.set("viewer", viewer);
  c.set("csrfToken", csrfToken);
  await next();
  c.header("Cache-Control", "no-store");
});
