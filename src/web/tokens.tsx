import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { verifyCsrf } from "../auth/csrf";
import { cleanText } from "../clean-text";
import { canManageUsers, canViewUsers } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import { createApiToken, listApiTokens, revokeApiToken } from "../db/tokens";
import { layout } from "./layout";
import { TokensPage, type TokensPageProps } from "./tokens-view";
import type { WebEnv } from "./web-env";

export const tokensApp = new Hono<WebEnv>();

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Any signed-in person may hold tokens; the API itself checks what their role allows.
tokensApp.use(requireSession, verifyCsrf, layout);

tokensApp.get("/", async (c) => {
  return c.render(
    <TokensPage
      tokens={await listApiTokens(c.var.db, c.var.viewer.id)}
      csrfToken={c.var.csrfToken}
      formKey={crypto.randomUUID()}
      origin={new URL(c.req.url).origin}
      canUseApi={canViewUsers(c.var.viewer)}
      canManage={canManageUsers(c.var.viewer)}
      notice={
        c.req.query("revoked") === "1" ? "The token was revoked. Programs using it can no longer sign in." : undefined
      }
    />,
    { title: "API tokens" },
  );
});

tokensApp.post("/", async (c) => {
  const body = await c.req.parseBody();
  const name = typeof body.name === "string" ? cleanText(body.name) : "";
  const props: Omit<TokensPageProps, "tokens"> = {
    csrfToken: c.var.csrfToken,
    formKey: crypto.randomUUID(),
    origin: new URL(c.req.url).origin,
    canUseApi: canViewUsers(c.var.viewer),
    canManage: canManageUsers(c.var.viewer),
  };
  if (!name || name.length > 100) {
    c.status(422);
    const error = name ? "Keep the name under 100 characters." : "Give the token a name, so you recognise it later.";
    return c.render(<TokensPage tokens={await listApiTokens(c.var.db, c.var.viewer.id)} {...props} error={error} />, {
      title: "API tokens",
    });
  }
  const formKey = typeof body.form_key === "string" && uuid.test(body.form_key) ? body.form_key : undefined;
  const token = await createApiToken(c.var.db, c.var.viewer.id, name, formKey);
  if (token === null) {
    c.status(409);
    return c.render(<TokensPage tokens={await listApiTokens(c.var.db, c.var.viewer.id)} {...props} resent />, {
      title: "API tokens",
    });
  }
  // Rendered, not redirected: the token must not travel in a URL or be shown twice.
  return c.render(
    <TokensPage tokens={await listApiTokens(c.var.db, c.var.viewer.id)} {...props} created={{ name, token }} />,
    { title: "API tokens" },
  );
});

tokensApp.post("/:id/revoke", async (c) => {
  const id = Number(c.req.param("id"));
  if (!Number.isInteger(id) || !(await revokeApiToken(c.var.db, c.var.viewer.id, id))) {
    throw new HTTPException(404, { message: "You have no live token with this id. It may already be revoked." });
  }
  return c.redirect("/tokens?revoked=1", 303);
});
