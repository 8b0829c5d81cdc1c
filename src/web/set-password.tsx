import type { Context } from "hono";
import { Hono } from "hono";
import { readAccountLink, redeemAccountLink, setPasswordPath } from "../auth/account-links";
import { csrfField, issueSignInToken, verifySignInToken } from "../auth/csrf";
import { passwordProblem } from "../auth/password-rules";
import { startSession } from "../auth/sessions";
import { clearSignInFailures } from "../db/sign-in-failures";
import { layout } from "./layout";
import { SetPasswordPage, UnusableLinkPage } from "./set-password-view";
import type { WebEnv } from "./web-env";

export const setPasswordApp = new Hono<WebEnv>();

setPasswordApp.use(layout, async (c, next) => {
  await next();
  // The address holds the link's secret: no cache keeps the page.
  c.header("Cache-Control", "no-store");
});

const unusable = (c: Context<WebEnv>) => {
  c.status(404);
  return c.render(<UnusableLinkPage />, { title: "Link cannot be used" });
};

// Opening the link changes nothing, so a mail scanner that follows it does not use it up.
setPasswordApp.get("/:secret", async (c) => {
  const link = await readAccountLink(c.var.db, c.req.param("secret"), new Date());
  if (!link) return unusable(c);
  return c.render(
    <SetPasswordPage
      action={`${setPasswordPath}/${c.req.param("secret")}`}
      token={issueSignInToken(c, setPasswordPath)}
      kind={link.kind}
      employeeNumber={link.employeeNumber}
      firstName={link.firstName}
      expiresAt={link.expiresAt}
    />,
    { title: link.kind === "activation" ? "Set your password" : "Set a new password" },
  );
});

setPasswordApp.post("/:secret", async (c) => {
  const secret = c.req.param("secret");
  const body = await c.req.parseBody();
  const field = (name: string) => (typeof body[name] === "string" ? body[name] : "");
  verifySignInToken(c, field(csrfField), setPasswordPath);
  const now = new Date();
  const link = await readAccountLink(c.var.db, secret, now);
  if (!link) return unusable(c);
  const password = field("password");
  const problem =
    password === field("password_again")
      ? passwordProblem(password, { username: link.employeeNumber, email: link.email })
      : "The two passwords are not the same. Type the new password twice.";
  if (problem) {
    c.status(422);
    return c.render(
      <SetPasswordPage
        action={`${setPasswordPath}/${secret}`}
        token={issueSignInToken(c, setPasswordPath)}
        kind={link.kind}
        employeeNumber={link.employeeNumber}
        firstName={link.firstName}
        expiresAt={link.expiresAt}
        error={problem}
      />,
      { title: link.kind === "activation" ? "Set your password" : "Set a new password" },
    );
  }
  const userId = await redeemAccountLink(c.var.db, secret, password, now);
  // Used by another request meanwhile, or replaced: the same answer as any link that cannot be used.
  if (userId === null) return unusable(c);
  // A paused sign-in is no lock-out: the new password signs in at once.
  await clearSignInFailures(c.var.db, link.employeeNumber);
  await startSession(c, c.var.db, userId);
  return c.redirect("/", 303);
});
