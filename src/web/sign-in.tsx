import { Hono } from "hono";
import { hashPassword, verifyPassword } from "../auth/passwords";
import { csrfField, issueSignInToken, verifySignInToken } from "../auth/csrf";
import { readSession, safeNextPath, startSession } from "../auth/sessions";
import { clearSignInFailures, failureWindowMs, isSignInPaused, recordSignInFailure } from "../db/sign-in-failures";
import { findUserForSignIn } from "../db/users";
import { layout } from "./layout";
import { SignInPage } from "./sign-in-view";
import type { WebEnv } from "./web-env";

export const signIn = new Hono<WebEnv>();

signIn.use(layout);

// Checked against when the username is unknown, so a wrong username takes as long as a wrong password.
let decoyHash: Promise<string> | undefined;

signIn.get("/", async (c) => {
  const next = safeNextPath(c.req.query("next"));
  if (await readSession(c, c.var.db)) return c.redirect(next, 303);
  return c.render(<SignInPage token={issueSignInToken(c)} next={next} signedOut={c.req.query("signed_out") === "1"} />, {
    title: "Sign in",
  });
});

signIn.post("/", async (c) => {
  const body = await c.req.parseBody();
  const field = (name: string) => (typeof body[name] === "string" ? body[name] : "");
  verifySignInToken(c, field(csrfField));
  const next = safeNextPath(field("next"));
  const username = field("username").trim();
  const password = field("password");

  const now = new Date();
  const refuse = (status: 401 | 429, error: string) => {
    c.status(status);
    return c.render(<SignInPage token={issueSignInToken(c)} next={next} username={username} error={error} />, { title: "Sign in" });
  };
  if (username && (await isSignInPaused(c.var.db, username, now))) {
    return refuse(
      429,
      `Too many wrong passwords for this username in the last ${failureWindowMs / 60_000} minutes. Wait a while and try again, or ask an admin to set a new password.`,
    );
  }

  const user = username ? await findUserForSignIn(c.var.db, username) : null;
  decoyHash ??= hashPassword(crypto.randomUUID());
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
  if (!user?.passwordHash || !valid) {
    if (username) await recordSignInFailure(c.var.db, username, now);
    return refuse(401, "That username and password do not match. Check your employee number and password, and try again.");
  }
  await clearSignInFailures(c.var.db, username);
  await startSession(c, c.var.db, user.id);
  return c.redirect(next, 303);
});
