import { Hono } from "hono";
import { hashPassword, verifyPassword } from "../auth/passwords";
import { csrfField, issueSignInToken, verifySignInToken } from "../auth/csrf";
import { readSession, safeNextPath, startSession } from "../auth/sessions";
import { beginSignInAttempt, clearSignInFailures, failureWindowMs } from "../db/sign-in-failures";
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
  return c.render(
    <SignInPage token={issueSignInToken(c)} next={next} signedOut={c.req.query("signed_out") === "1"} />,
    {
      title: "Sign in",
    },
  );
});

signIn.post("/", async (c) => {
  const body = await c.req.parseBody();
  const field = (name: string) => (typeof body[name] === "string" ? body[name] : "");
  verifySignInToken(c, field(csrfField));
  const next = safeNextPath(field("next"));
  const username = field("username").trim();
  const password = field("password");

  const now = new Date();
  const refuse = (status: 401 | 403 | 429, error: string) => {
    c.status(status);
    return c.render(<SignInPage token={issueSignInToken(c)} next={next} username={username} error={error} />, {
      title: "Sign in",
    });
  };
  if (!username) return refuse(401, "Enter your employee number and password.");
  // Cloudflare sets the visitor's address; without it (locally) only the username's limit applies.
  const attempt = await beginSignInAttempt(c.var.db, username, c.req.header("CF-Connecting-IP") ?? null, now);
  const minutes = failureWindowMs / 60_000;
  if (attempt.paused === "username") {
    return refuse(
      429,
      `Too many wrong passwords for this username in the last ${minutes} minutes. Wait a while and try again, or ask an admin to set a new password.`,
    );
  }
  if (attempt.paused === "client") {
    return refuse(
      429,
      `Too many wrong passwords from your network in the last ${minutes} minutes. Wait a while and try again.`,
    );
  }

  const user = await findUserForSignIn(c.var.db, username);
  decoyHash ??= hashPassword(crypto.randomUUID());
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
  // A wrong password leaves the attempt counted as a failure.
  if (!user?.passwordHash || !valid) {
    return refuse(
      401,
      "That username and password do not match. Check your employee number and password, and try again.",
    );
  }
  await clearSignInFailures(c.var.db, username);
  // Said only to someone who knows the password: they need to know whom to ask.
  if (user.status !== "active") {
    return refuse(403, "Your account is deactivated, so you cannot sign in. Ask an admin to reactivate it.");
  }
  await startSession(c, c.var.db, user.id);
  return c.redirect(next, 303);
});
