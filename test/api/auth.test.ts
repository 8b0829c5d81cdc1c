import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokens } from "../../src/db/schema";
import { call, createUserWithToken, csvOf, db, uploadCsv } from "../helpers";
import { exports } from "cloudflare:workers";

const csv = csvOf([
  ["employee_number", "first_name", "last_name", "location", "email", "role"],
  ["1", "A", "B", "London", "a@example.com", ""],
]);

describe("API authentication and permissions", () => {
  let admin: string;
  let manager: string;
  let standard: string;

  beforeAll(async () => {
    admin = (await createUserWithToken("Admin")).token;
    manager = (await createUserWithToken("Manager")).token;
    standard = (await createUserWithToken("Standard")).token;
  });

  it("answers 401 with no token", async () => {
    const res = await exports.default.fetch("http://roster.test/api/imports");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("Bearer") } });
  });

  it("answers 401 to an unknown token", async () => {
    expect((await call("rst_not-a-real-token", "/api/users")).status).toBe(401);
  });

  it("answers 401 to a revoked token", async () => {
    const { user, token } = await createUserWithToken("Admin");
    await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.userId, user.id));
    expect((await call(token, "/api/users")).status).toBe(401);
  });

  it("answers 403 to a Standard user anywhere in the API", async () => {
    for (const path of ["/api/users", "/api/imports", "/api/locations", "/api/roles"]) {
      const res = await call(standard, path);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Standard");
    }
  });

  it("lets a Manager see users and imports but not import or change them", async () => {
    expect((await call(manager, "/api/users")).status).toBe(200);
    expect((await call(manager, "/api/imports")).status).toBe(200);
    const upload = await uploadCsv(admin, csv);
    const { id } = (await upload.json()) as { id: string };
    expect((await call(manager, `/api/imports/${id}`)).status).toBe(200);
    expect((await uploadCsv(manager, csv)).status).toBe(403);
    expect((await call(manager, `/api/imports/${id}/start`, { method: "POST" })).status).toBe(403);
    const lock = await call(manager, "/api/users/1", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role_locked: true }),
    });
    expect(lock.status).toBe(403);
    const add = await call(manager, "/api/locations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Nowhere" }),
    });
    expect(add.status).toBe(403);
  });

  it("lets an Admin import", async () => {
    const res = await uploadCsv(admin, csv);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: "ready", total_rows: 1 });
  });

  it("serves the template and the OpenAPI document without a token", async () => {
    const template = await exports.default.fetch("http://roster.test/api/template.csv");
    expect(template.status).toBe(200);
    // The header alone: an example user would be imported along with the admin's own lines.
    expect((await template.text()).replace(/^\uFEFF/, "")).toBe(
      "employee_number,first_name,last_name,location,email,role\r\n",
    );
    const doc = (await (await exports.default.fetch("http://roster.test/api/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/imports", "/api/imports/{id}/lines", "/api/users"]),
    );
  });

  it("notes when a token was last used, at most once a minute", async () => {
    const { user, token } = await createUserWithToken("Admin");
    const lastUsed = async () =>
      (await db.select({ at: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.userId, user.id)))[0]?.at ??
      null;
    // The note is written after the answer (waitUntil): wait up to a second for it to differ from `before`.
    const lastUsedAfter = async (before: Date | null) => {
      let at = await lastUsed();
      for (let i = 0; i < 50 && at?.getTime() === before?.getTime(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        at = await lastUsed();
      }
      return at;
    };
    expect(await lastUsed()).toBeNull();
    expect((await call(token, "/api/imports")).status).toBe(200);
    const first = await lastUsedAfter(null);
    expect(first).not.toBeNull();
    expect((await call(token, "/api/imports")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lastUsed()).toEqual(first);
    // A minute later it is noted again.
    const earlier = new Date(Date.now() - 2 * 60_000);
    await db.update(apiTokens).set({ lastUsedAt: earlier }).where(eq(apiTokens.userId, user.id));
    expect((await call(token, "/api/imports")).status).toBe(200);
    expect((await lastUsedAfter(earlier))?.getTime()).toBeGreaterThan(earlier.getTime());
  });
});
