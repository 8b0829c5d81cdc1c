import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { base, call, createUserWithToken } from "../helpers";

type Operation = {
  responses: Record<string, { content?: Record<string, unknown> }>;
  parameters?: { name: string; in: string }[];
  security?: unknown[];
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

async function fetchDocument(): Promise<Document> {
  const res = await exports.default.fetch(new Request(`${base}/api/openapi.json`));
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

describe("the OpenAPI document", () => {
  it("describes every route of the API the app serves", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    const served = app.routes
      .filter((r) => r.path.startsWith("/api/") && r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "")}`);
    expect(served.length).toBeGreaterThan(10);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    for (const route of served) expect(documented, `${route} is served but not documented`).toContain(route);
    for (const route of documented) expect(served, `${route} is documented but not served`).toContain(route);
  });

  it("declares the error shape, the token and the answers every validated route can give", async () => {
    const doc = await fetchDocument();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        const publicRoute = Array.isArray(op.security) && op.security.length === 0;
        if (!publicRoute) {
          for (const status of ["401", "403", "429", "500"]) expect(Object.keys(op.responses), where).toContain(status);
          expect(op.responses["401"]?.content?.["application/json"], where).toEqual({
            schema: { $ref: "#/components/schemas/Error" },
          });
        }
        if (op.parameters?.length) expect(Object.keys(op.responses), `${where} validates input`).toContain("400");
      }
    }
    const upload = doc.paths["/api/imports"]?.post;
    expect(Object.keys(upload?.responses ?? {})).toEqual(expect.arrayContaining(["201", "400", "413", "415", "422"]));
  });

  it("documents the CSV, workbook and multipart bodies of an upload", async () => {
    const doc = await fetchDocument();
    const upload = doc.paths["/api/imports"]?.post as unknown as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(upload.requestBody.content)).toEqual([
      "text/csv",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.oasis.opendocument.spreadsheet",
      "multipart/form-data",
    ]);
  });

  it("keeps one error shape for bad input: 400 invalid_input naming the field", async () => {
    const { token } = await createUserWithToken("Admin");
    const res = await call(token, "/api/users?limit=5000");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.message).toMatch(/^The request is not valid: limit: /);
    const patch = await call(token, "/api/users/nobody", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_locked: "yes" }),
    });
    expect(patch.status).toBe(400);
    expect(((await patch.json()) as { error: { message: string } }).error.message).toContain("role_locked");
  });
});

describe("the API reference page", () => {
  it("shows every operation of the document, with no token and no outside scripts", async () => {
    const doc = await fetchDocument();
    const res = await exports.default.fetch(new Request(`${base}/api/docs`));
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item))
        expect(page, `${method} ${path}`).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
    }
    expect(page).not.toMatch(/<script[^>]+src="https?:/);
    expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
  });
});
