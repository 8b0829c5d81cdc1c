import type { Context } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { verifyCsrf } from "../auth/csrf";
import { canManageUsers, canViewUsers, type Viewer } from "../auth/permissions";
import { endSession, readSession, requireSession } from "../auth/sessions";
import type { AppEnv } from "../context";
import { createDb } from "../db/client";
import { ErrorPage, errorTitle, WelcomePage } from "./error-view";
import { importsApp } from "./imports";
import { Layout, layout } from "./layout";
import { locationsApp } from "./locations";
import { rolesApp } from "./roles";
import { setPasswordApp } from "./set-password";
import { signIn } from "./sign-in";
import { tokensApp } from "./tokens";
import { usersApp, usersExportApp } from "./users";
import { webhooksApp } from "./webhooks";
import type { WebEnv } from "./web-env";

export const web = new Hono<WebEnv>();

web.route("/sign-in", signIn);
web.route("/set-password", setPasswordApp);

web.post("/sign-out", requireSession, verifyCsrf, async (c) => {
  await endSession(c, c.var.db);
  return c.redirect("/sign-in?signed_out=1", 303);
});

web.get("/", requireSession, layout, (c) => {
  if (canManageUsers(c.var.viewer)) return c.redirect("/imports/new", 303);
  if (canViewUsers(c.var.viewer)) return c.redirect("/users", 303);
  return c.render(<WelcomePage viewer={c.var.viewer} />, { title: "Welcome" });
});

web.route("/imports", importsApp);
web.route("/users", usersApp);
web.route("/", usersExportApp);
web.route("/locations", locationsApp);
web.route("/roles", rolesApp);
web.route("/tokens", tokensApp);
web.route("/webhooks", webhooksApp);

/**
 * Renders an error as a page, never a stack trace; signed-in people keep their menu, also where
 * no session check ran (an address no route has). A server error does not look the session up:
 * the database may be what failed.
 */
export async function renderErrorPage(c: Context<AppEnv>, status: ContentfulStatusCode, message: string) {
  let viewer: Viewer | undefined = c.get("viewer");
  let csrfToken: string | undefined = c.get("csrfToken");
  if (!viewer && status < 500) {
    const session = await readSession(c, c.get("db") ?? createDb(c.env.DB));
    if (session) ({ csrfToken, ...viewer } = session);
  }
  if (viewer) c.header("Cache-Control", "no-store");
  const page = (
    <Layout title={errorTitle(status)} viewer={viewer} csrfToken={csrfToken} path={c.req.path}>
      <ErrorPage status={status} message={message} signedIn={!!viewer} />
    </Layout>
  );
  return c.html(html`<!DOCTYPE html>${page}`, status);
}
