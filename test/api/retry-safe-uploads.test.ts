import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeys, imports } from "../../src/db/schema";
import { signedIn } from "../web/helpers";
import { call, createTestLocation, createUserWithToken, csvOf, db, header, unique, waitForImport } from "../helpers";

let token: string;
let site: { name: string };

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

function uploadWithKey(as: string, csv: string, key: string, query = "filename=users.csv") {
  return call(as, `/api/imports?${query}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv", "Idempotency-Key": key },
    body: csv,
  });
}

function fileOf(n: string) {
  return csvOf([header, [n, "I", "Dem", site.name, `${n}@example.com`, ""]]);
}

async function stored() {
  const [row] = await db.select({ n: count() }).from(imports);
  const objects = await env.FILES.list({ prefix: "imports/" });
  return { imports: row?.n ?? 0, files: objects.objects.length };
}

type ErrorBody = { error: { code: string; message: string } };

describe("Idempotency-Key on uploads", () => {
  it("answers a retry with the same key and file with the first answer, 200, storing nothing again", async () => {
    const key = unique("key-");
    const file = fileOf(unique("ik"));
    const first = await uploadWithKey(token, file, key, "filename=users.csv&start=true");
    expect(first.status).toBe(201);
    const body = (await first.json()) as { id: string; status: string };
    expect(body.status).toBe("queued");
    const before = await stored();
    const retry = await uploadWithKey(token, file, key, "filename=users.csv&start=true");
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(body);
    expect(await stored()).toEqual(before);
  });

  it("refuses the same key with a different file: 422 idempotency_key_reused", async () => {
    const key = unique("key-");
    expect((await uploadWithKey(token, fileOf(unique("ia")), key)).status).toBe(201);
    const before = await stored();
    const other = await uploadWithKey(token, fileOf(unique("ib")), key);
    expect(other.status).toBe(422);
    expect(((await other.json()) as ErrorBody).error.code).toBe("idempotency_key_reused");
    expect(await stored()).toEqual(before);
  });

  it("makes one import of concurrent requests with one key", async () => {
    const key = unique("key-");
    const file = fileOf(unique("ic"));
    const before = await stored();
    const answers = await Promise.all([1, 2, 3, 4].map(() => uploadWithKey(token, file, key)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const status of statuses) expect([200, 201, 409]).toContain(status);
    expect((await stored()).imports).toBe(before.imports + 1);
    const created = (await answers[statuses.indexOf(201)]?.json()) as { id: string };
    const retry = await uploadWithKey(token, file, key);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { id: string }).id).toBe(created.id);
  });

  it("keeps keys apart per token, frees a key whose file was refused, and forgets keys after 24 hours", async () => {
    const key = unique("key-");
    const file = fileOf(unique("id"));
    const { token: other } = await createUserWithToken("Admin");
    const mine = (await (await uploadWithKey(token, file, key)).json()) as { id: string };
    const theirs = await uploadWithKey(other, file, key);
    expect(theirs.status).toBe(201);
    expect(((await theirs.json()) as { id: string }).id).not.toBe(mine.id);

    const refusedKey = unique("key-");
    expect((await uploadWithKey(token, "first_name\nAda\n", refusedKey)).status).toBe(422);
    expect((await uploadWithKey(token, fileOf(unique("ie")), refusedKey)).status).toBe(201);

    const [row] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));
    expect(row?.importId).toBe(mine.id);
    await db
      .update(idempotencyKeys)
      .set({ createdAt: new Date(Date.now() - 25 * 3_600_000) })
      .where(eq(idempotencyKeys.key, key));
    const later = await uploadWithKey(token, file, key);
    expect(later.status).toBe(201);
    expect(((await later.json()) as { id: string }).id).not.toBe(mine.id);
  });

  it("refuses a key that is too long or not printable, naming it", async () => {
    const res = await uploadWithKey(token, fileOf(unique("if")), "k".repeat(256));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.message).toContain("idempotency-key");
  });
});

describe("an upload of a file imported before", () => {
  it("names the earlier import of the same content, on the answer and on the preview", async () => {
    const file = fileOf(unique("dup"));
    const first = (await (await uploadWithKey(token, file, unique("key-"), "filename=a.csv&start=true")).json()) as {
      id: string;
      duplicate_of: unknown;
    };
    expect(first.duplicate_of).toBeNull();
    await waitForImport(token, first.id);
    const [row] = await db.select().from(imports).where(eq(imports.id, first.id));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(file)));
    expect(row?.contentHash).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));

    const again = await call(token, "/api/imports?filename=b.csv", {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: file,
    });
    const answer = (await again.json()) as { id: string; duplicate_of: { id: string; created_at: string } | null };
    expect(answer.duplicate_of).toEqual({ id: first.id, created_at: row?.createdAt.toISOString() });
    const otherFile = await call(token, "/api/imports?filename=c.csv", {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: fileOf(unique("dup")),
    });
    expect(((await otherFile.json()) as { duplicate_of: unknown }).duplicate_of).toBeNull();

    const { browser } = await signedIn("Admin");
    const page = await (await browser.fetch(`/imports/${answer.id}`)).text();
    expect(page).toContain("You imported this exact file on");
    expect(page).toContain(`href="/imports/${first.id}"`);
  });
});
