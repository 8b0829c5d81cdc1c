import { beforeAll, describe, expect, it } from "vitest";
import { call, createTestLocation, createUserWithToken, csvOf, header, importCsv, unique, uploadCsv } from "../helpers";

let token: string;
let site: { name: string };

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

type Page = { next_cursor: unknown };

/** Every page of a list, following next_cursor as a client would. */
async function everyPage<T extends Page>(path: string): Promise<T[]> {
  const pages: T[] = [];
  let cursor: unknown = undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(
      token,
      cursor === undefined ? path : `${path}${sep}cursor=${encodeURIComponent(String(cursor))}`,
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as T;
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return pages;
}

describe("lists", () => {
  it("give every list's next page by the same kind of cursor, an opaque string", async () => {
    const n = unique("cur");
    const rows = [header];
    for (let i = 0; i < 5; i++) rows.push([`${n}${i}`, "C", "U", site.name, `${n}${i}@example.com`, ""]);
    const { imp } = await importCsv(token, csvOf(rows));
    await uploadCsv(token, csvOf([header, [`${n}x`, "C", "X", site.name, `${n}x@example.com`, ""]]));

    const users = await everyPage<{ users: { employee_number: string }[]; next_cursor: string | null }>(
      `/api/users?q=${n}&limit=2`,
    );
    expect(users.flatMap((p) => p.users.map((u) => u.employee_number))).toEqual([0, 1, 2, 3, 4].map((i) => `${n}${i}`));
    const lines = await everyPage<{ lines: { line: number }[]; next_cursor: string | null }>(
      `/api/imports/${imp.id}/lines?limit=2`,
    );
    expect(lines.flatMap((p) => p.lines.map((l) => l.line))).toEqual([2, 3, 4, 5, 6]);
    const imports = await everyPage<{ imports: unknown[]; next_cursor: string | null }>("/api/imports?limit=1");
    expect(imports.length).toBeGreaterThanOrEqual(2);

    for (const page of [users[0], lines[0], imports[0]]) expect(typeof page?.next_cursor).toBe("string");
  });

  it("refuses a cursor it did not give, naming the cursor", async () => {
    for (const path of ["/api/users?cursor=not%20a%20cursor", `/api/imports?cursor=%2F%2F`]) {
      const res = await call(token, path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_input");
      expect(body.error.message).toContain("cursor");
    }
    const { imp } = await importCsv(
      token,
      csvOf([header, [unique("cl"), "C", "L", site.name, `${unique("cl")}@example.com`, ""]]),
    );
    // A cursor of the users list is no line number.
    const res = await call(token, `/api/imports/${imp.id}/lines?cursor=${btoa("abc")}`);
    expect(res.status).toBe(400);
  });

  it("give a user's role and location by id beside their names, as PATCH takes them", async () => {
    const n = unique("rid");
    await importCsv(token, csvOf([header, [n, "R", "Id", site.name, `${n}@example.com`, "Manager"]]));
    const { roles } = (await (await call(token, "/api/roles")).json()) as { roles: { id: number; name: string }[] };
    const { locations } = (await (await call(token, "/api/locations")).json()) as {
      locations: { id: number; name: string }[];
    };
    const one = (await (await call(token, `/api/users/${n}`)).json()) as Record<string, unknown>;
    expect(one).toMatchObject({
      role: "Manager",
      role_id: roles.find((r) => r.name === "Manager")?.id,
      location: site.name,
      location_id: locations.find((l) => l.name === site.name)?.id,
    });
    const listed = (await (await call(token, `/api/users?q=${n}`)).json()) as { users: Record<string, unknown>[] };
    expect(listed.users[0]).toEqual(one);
  });
});
