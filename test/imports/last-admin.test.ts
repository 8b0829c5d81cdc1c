import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { markImportQueued } from "../../src/db/imports";
import { roles, users } from "../../src/db/schema";
import { advanceImport } from "../../src/imports/consume-import";
import { chunkRows } from "../../src/imports/limits";
import { toKey } from "../../src/db/keys";
import {
  call,
  createTestLocation,
  createUser,
  createUserWithToken,
  csvOf,
  db,
  header,
  unique,
  uploadCsv,
} from "../helpers";
import type { LineBody } from "../helpers";

async function roleId(name: string): Promise<number> {
  const [role] = await db
    .select()
    .from(roles)
    .where(eq(roles.nameKey, toKey(name)));
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

/**
 * The state these tests start from: the admin who starts the import, and two other admins, the
 * only users who can import users. The importing admin then becomes a Manager, as another admin
 * might make them while their import runs, so that the file's lines can reach the last admin.
 */
async function importByDemotedAdmin(
  rows: (other: string, last: string) => string[][],
  before: (other: { id: number }) => Promise<unknown> = async () => undefined,
) {
  const admin = await roleId("Admin");
  await db
    .update(users)
    .set({ roleId: await roleId("Standard") })
    .where(eq(users.roleId, admin));
  const { user: me, token } = await createUserWithToken("Admin");
  const other = await createUser("Admin");
  const last = await createUser("Admin");
  await before(other);
  const upload = await uploadCsv(token, csvOf([header, ...rows(other.employeeNumber, last.employeeNumber)]));
  expect(upload.status).toBe(201);
  const { id } = (await upload.json()) as { id: string };
  await markImportQueued(db, id, me.id, new Date());
  await db
    .update(users)
    .set({ roleId: await roleId("Manager") })
    .where(eq(users.id, me.id));
  expect(await advanceImport(env, db, id, 60_000)).toBe("done");

  // A token to read the report with.
  const { token: reader } = await createUserWithToken("Admin");
  const lines = async (level: string) =>
    ((await (await call(reader, `/api/imports/${id}/lines?level=${level}&limit=1000`)).json()) as { lines: LineBody[] })
      .lines;
  const roleOf = async (employeeNumber: string) => {
    const [row] = await db
      .select()
      .from(users)
      .where(eq(users.employeeKey, toKey(employeeNumber)));
    return row?.roleId;
  };
  return { other: other.employeeNumber, last: last.employeeNumber, lines, roleOf, admin };
}

describe("the last user who can import users", () => {
  it("keeps the last admin an admin when a line of the same chunk would demote them", async () => {
    const site = await createTestLocation();
    const { last, other, lines, roleOf, admin } = await importByDemotedAdmin((other, last) => [
      [other, "", "", site.name, "", "Standard"],
      [last, "", "", site.name, "", "Manager"],
    ]);
    const failed = await lines("error");
    expect(failed.map((l) => [l.line, l.messages.map((m) => m.code)])).toEqual([[3, ["last_admin"]]]);
    expect(failed[0]?.messages[0]?.message).toContain(`${last} is the last`);
    expect(await roleOf(other)).toBe(await roleId("Standard"));
    expect(await roleOf(last)).toBe(admin);
  });

  it("counts no deactivated admin as one who can import users", async () => {
    const site = await createTestLocation();
    const { last, lines, roleOf, admin } = await importByDemotedAdmin(
      (_other, last) => [[last, "", "", site.name, "", "Standard"]],
      (other) => db.update(users).set({ status: "deactivated" }).where(eq(users.id, other.id)),
    );
    expect((await lines("error")).map((l) => [l.line, l.messages.map((m) => m.code)])).toEqual([[2, ["last_admin"]]]);
    expect(await roleOf(last)).toBe(admin);
  });

  it("counts the admins earlier chunks demoted when a later chunk would demote the last", async () => {
    const site = await createTestLocation();
    const n = unique("fill");
    const { last, other, lines, roleOf, admin } = await importByDemotedAdmin((other, last) => [
      [other, "", "", site.name, "", "Standard"],
      // Fills the first chunk, so that the last admin's line is read in the next one.
      ...Array.from({ length: chunkRows }, (_, i) => [
        `${n}-${i}`,
        "Fill",
        `${i}`,
        site.name,
        `${n}-${i}@example.com`,
        "",
      ]),
      [last, "", "", site.name, "", "Standard"],
    ]);
    const failed = await lines("error");
    expect(failed.map((l) => [l.line, l.messages.map((m) => m.code)])).toEqual([[chunkRows + 3, ["last_admin"]]]);
    expect(await roleOf(other)).toBe(await roleId("Standard"));
    expect(await roleOf(last)).toBe(admin);
  });
});
