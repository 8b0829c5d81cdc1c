import type { Context } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { verifyCsrf } from "../auth/csrf";
import { canManageUsers, canViewUsers, type Viewer } from "../auth/permissions";
import { endSession, requireSession } from "../auth/sessions";
import type { AppEnv } from "../context";
import { appCss } from "./app-css";
import { apiDocsJs } from "./api-docs-js";
import { appJs } from "./app-js";
import { iconSvg } from "./icon-svg";
import { ErrorPage, errorTitle, WelcomePage } from "./error-view";
import { importsApp } from "./imports";
import { Layout, layout } from "./layout";
import { locationsApp } from "./locations";
import { rolesApp } from "./roles";
import { signIn } from "./sign-in";
import { tokensApp } from "./tokens";
import { usersApp, usersExportApp } from "./users";
import type { WebEnv } from "./web-env";

export const web = new Hono<WebEnv>();

// Served by the Worker itself: the CSP allows scripts and styles from this origin only.
const asset = (body: string, type: string) => () =>
  new Response(body, { headers: { "Content-Type": type, "Cache-Control": "public, max-age=600" } });
web.get("/assets/app.css", asset(appCss, "text/css; charset=utf-8"));
web.get("/assets/app.js", asset(appJs, "text/javascript; charset=utf-8"));
web.get("/assets/api-docs.js", asset(apiDocsJs, "text/javascript; charset=utf-8"));
web.get("/assets/icon.svg", asset(iconSvg, "image/svg+xml"));

web.route("/sign-in", signIn);

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

/** Renders an error as a page, never a stack trace; signed-in people keep their menu. */
export function renderErrorPage(c: Context<AppEnv>, status: ContentfulStatusCode, message: string) {
  const viewer: Viewer | undefined = c.get("viewer");
  const csrfToken: string | undefined = c.get("csrfToken");
  const page = (
    <Layout title={errorTitle(status)} viewer={viewer} csrfToken={csrfToken} path={c.req.path}>
      <ErrorPage status={status} message={message} signedIn={!!viewer} />
    </Layout>
  );
  return c.html(html`<!DOCTYPE html>${page}`, status);
}
