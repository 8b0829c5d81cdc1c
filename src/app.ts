import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { api } from "./api/routes";
import type { AppEnv } from "./context";
import { createDb } from "./db/client";
import { errorCode } from "./errors";
import { renderErrorPage, web } from "./web/routes";

export const app = new Hono<AppEnv>();

app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: "same-origin",
  }),
);
app.use(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  await next();
});

app.get("/healthz", (c) => c.text("ok"));
app.route("/", api);
app.route("/", web);

const isApi = (path: string) => path === "/api" || path.startsWith("/api/");

app.notFound((c) => {
  if (isApi(c.req.path)) {
    return c.json({ error: { code: "not_found", message: `Nothing is at ${c.req.method} ${c.req.path}.` } }, 404);
  }
  return renderErrorPage(c, 404, "This page does not exist. Check the address, or go back to the start.");
});

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    if (isApi(c.req.path)) {
      return c.json({ error: { code: errorCode(err), message: err.message } }, err.status);
    }
    return renderErrorPage(c, err.status, err.message);
  }
  console.error(`${c.req.method} ${c.req.path} failed`, err);
  if (isApi(c.req.path)) {
    return c.json({ error: { code: "internal_error", message: "Something went wrong on our side. Try again." } }, 500);
  }
  return renderErrorPage(c, 500, "Something went wrong on our side. Try again in a moment.");
});
