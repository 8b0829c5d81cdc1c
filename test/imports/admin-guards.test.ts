import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toKey } from "../../src/db/keys";
import { roles, users } from "../../src/db/schema";
import {
  call,
  createTestLocation,
  createUser,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  storedUser,
  unique,
  uploadCsv,
} from "../helpers";
import { Browser } from "../web/helpers";

let site: { name: string };

beforeAll(async () => {
  site = await createTestLocation();
});

async function roleOf(employeeNumber: string) {
  const user = await storedUser(employeeNumber);
  const [role] = await db
    .select()
    .from(roles)
    .where(eq(roles.id, user?.roleId ?? -1));
  return role?.name;
}

const codes = (line: { messages: { code: string }[] } | undefined) => line?.messages.map((m) => m.code);

describe("an import and the account of the admin who started it", () => {
  it("leaves the importing admin and the other admins able to use the pages and the API after a file demotes them all", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const other = await createUser("Admin");
    const third = await createUser("Admin");
    const csv = csvOf([
      header,
      [me.employeeNumber, "Admin", "Two", site.name, `${unique("admin2")}@example.com`, "Standard"],
      [other.employeeNumber, "Demo", "Admin", site.name, other.email, "Standard"],
      [third.employeeNumber, "Demo", "Admin", site.name, third.email, "Standard"],
    ]);
    const { imp, line } = await importCsv(token, csv);
    expect(imp.status).toBe("completed");
    expect(line(2)?.outcome).toBe("failed");
    expect(codes(line(2))).toEqual(["own_account"]);
    expect(line(2)?.messages[0]?.message).toContain("Ask another admin");
    expect(line(3)?.outcome).toBe("updated");
    expect(line(4)?.outcome).toBe("updated");
    expect(await roleOf(me.employeeNumber)).toBe("Admin");
    expect((await storedUser(me.employeeNumber))?.email).toBe(me.email);
    expect(await roleOf(other.employeeNumber)).toBe("Standard");

    // The API still answers the importing admin's token, for reading and for importing.
    expect((await call(token, "/api/users")).status).toBe(200);
    const again = await uploadCsv(token, csvOf([header, [unique("n"), "New", "User", site.name, "", ""]]));
    expect(again.status).toBe(201);
    // And the pages still open for them.
    const browser = new Browser();
    expect((await browser.signIn(me.employeeNumber)).status).toBe(303);
    expect((await browser.fetch("/users")).status).toBe(200);
    expect((await browser.fetch("/imports/new")).status).toBe(200);
  });

  it("updates the importing admin's own names and location, and fails their line when it changes their email", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const renamed = await importCsv(
      token,
      csvOf([header, [me.employeeNumber, "Renamed", "Self", site.name, me.email, "Admin"]]),
    );
    expect(renamed.line(2)?.outcome).toBe("updated");
    expect(codes(renamed.line(2))).toEqual([]);
    expect((await storedUser(me.employeeNumber))?.firstName).toBe("Renamed");

    const newEmail = await importCsv(
      token,
      csvOf([header, [me.employeeNumber, "Other", "Name", site.name, `${unique("m")}@example.com`, ""]]),
    );
    expect(newEmail.line(2)?.outcome).toBe("failed");
    expect(codes(newEmail.line(2))).toEqual(["own_account"]);
    const stored = await storedUser(me.employeeNumber);
    expect(stored?.email).toBe(me.email);
    expect(stored?.firstName).toBe("Renamed");
  });

  it("fails the importing admin's line asking for an unknown role, which would make them Standard", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const { line } = await importCsv(token, csvOf([header, [me.employeeNumber, "", "", "", "", "Superuser"]]));
    expect(line(2)?.outcome).toBe("failed");
    expect(codes(line(2))).toEqual(["own_account"]);
    expect(await roleOf(me.employeeNumber)).toBe("Admin");
  });
});

describe("roles an import gives", () => {
  it("reports every new Manager or Admin, and every promotion, with a warning", async () => {
    const { token } = await createUserWithToken("Admin");
    const standard = await createUser("Standard");
    const manager = await createUser("Manager");
    const admin = await createUser("Admin");
    const n = unique("new");
    const { imp, line } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}m`, "New", "Manager", site.name, `${n}m@example.com`, "Manager"],
        [standard.employeeNumber, "", "", "", "", "Admin"],
        [manager.employeeNumber, "", "", "", "", "Admin"],
        [admin.employeeNumber, "", "", "", "", "Admin"],
        [`${n}s`, "New", "Standard", site.name, `${n}s@example.com`, ""],
      ]),
    );
    expect(imp.counts).toEqual({ created: 2, updated: 2, unchanged: 1, failed: 0, warnings: 3 });
    expect(line(2)?.outcome).toBe("created");
    expect(codes(line(2))).toEqual(["grants_admin_access"]);
    expect(line(2)?.messages[0]?.message).toContain("admin access");
    expect(codes(line(3))).toEqual(["grants_admin_access"]);
    expect(line(3)?.messages[0]?.message).toContain("admin access (they see every user and import) and manage users");
    // A Manager made Admin gains manage users only, and the message says just that.
    expect(codes(line(4))).toEqual(["grants_admin_access"]);
    expect(line(4)?.messages[0]?.message).not.toContain("admin access (");
    expect(line(5)?.outcome).toBe("unchanged");
    expect(codes(line(5))).toEqual([]);
    expect(codes(line(6))).toEqual([]);
    expect(await roleOf(standard.employeeNumber)).toBe("Admin");
  });

  it("fails a line asking for a role that allows more than the importing admin's own", async () => {
    const { token } = await createUserWithToken("Admin");
    const roleName = unique("Owner");
    const [owner] = await db
      .insert(roles)
      .values({ name: roleName, nameKey: toKey(roleName), permissions: ["admin_access", "manage_users", "owner"] })
      .returning();
    if (!owner) throw new Error("the role was not created");
    const standard = await createUser("Standard");
    const holder = await createUser("Standard");
    await db.update(users).set({ roleId: owner.id }).where(eq(users.id, holder.id));
    const n = unique("own");
    const { line } = await importCsv(
      token,
      csvOf([
        header,
        [n, "New", "Owner", site.name, `${n}@example.com`, roleName],
        [standard.employeeNumber, "", "", "", "", roleName],
        [holder.employeeNumber, "Still", "", "", "", roleName],
      ]),
    );
    expect(line(2)?.outcome).toBe("failed");
    expect(codes(line(2))).toEqual(["role_not_allowed"]);
    expect(line(2)?.messages[0]?.message).toContain(`cannot give the ${roleName} role`);
    expect(await storedUser(n)).toBeUndefined();
    expect(codes(line(3))).toEqual(["role_not_allowed"]);
    expect(await roleOf(standard.employeeNumber)).toBe("Standard");
    // Keeping a role the importer could not give is no change of role, as on the user page.
    expect(line(4)?.outcome).toBe("updated");
    expect(await roleOf(holder.employeeNumber)).toBe(roleName);
  });
});
