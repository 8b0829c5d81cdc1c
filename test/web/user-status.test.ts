import Papa from "papaparse";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toKey } from "../../src/db/keys";
import { roles, users } from "../../src/db/schema";
import { setUserStatus, upsertAdmin } from "../../src/db/users";
import { hashPassword } from "../../src/auth/passwords";
import { createApiToken } from "../../src/db/tokens";
import { call, createTestLocation, createUserWithToken, csvOf, header, importCsv, storedUser } from "../helpers";
import { Browser, createUser, csrfIn, db, password, signedIn, unique } from "./helpers";

let site: { name: string };

beforeAll(async () => {
  site = await createTestLocation();
});

const userPath = (employeeNumber: string) => `/users/${encodeURIComponent(employeeNumber)}`;

async function tokenFor(userId: number): Promise<string> {
  const token = await createApiToken(db, userId, "test");
  if (token === null) throw new Error("no token");
  return token;
}

function patch(token: string, employeeNumber: string, body: unknown) {
  return call(token, `/api/users/${encodeURIComponent(employeeNumber)}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe("deactivating a user on their page", () => {
  it("signs them out, refuses their sign-in and their tokens, and keeps them in All Users and the export", async () => {
    const { browser: admin } = await signedIn("Admin");
    const leaver = await createUser("Manager", { firstName: "Lea", lastName: "Ver" });
    const leaverToken = await tokenFor(leaver.id);
    const theirs = new Browser();
    expect((await theirs.signIn(leaver.employeeNumber)).status).toBe(303);
    expect((await theirs.fetch("/users")).status).toBe(200);

    const page = await (await admin.fetch(userPath(leaver.employeeNumber))).text();
    expect(page).toContain(">Deactivate</button>");
    const res = await admin.post(`${userPath(leaver.employeeNumber)}/status`, {
      _csrf: csrfIn(page),
      status: "deactivated",
    });
    expect(res.status).toBe(303);
    const after = await (await admin.fetch(res.headers.get("Location") ?? "")).text();
    expect(after).toContain(`${leaver.employeeNumber} is deactivated: they are signed out`);
    expect(after).toContain(">Reactivate</button>");
    expect((await storedUser(leaver.employeeNumber))?.status).toBe("deactivated");

    // Their open session has ended, and signing in again says why it cannot.
    const signedOut = await theirs.fetch("/users");
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("Location")).toContain("/sign-in");
    const again = await new Browser().signIn(leaver.employeeNumber);
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("Your account is deactivated");
    // Their token is refused with the code the API documents.
    const refused = await call(leaverToken, "/api/users");
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("account_deactivated");

    // They are still listed, and found by their status, on the page and in the export.
    const list = await (await admin.fetch(`/users?q=${leaver.employeeNumber}&status=deactivated`)).text();
    expect(list).toContain(leaver.employeeNumber);
    expect(list).toContain("Deactivated");
    const active = await (await admin.fetch(`/users?q=${leaver.employeeNumber}&status=active`)).text();
    expect(active).not.toContain(`>${leaver.employeeNumber}</a>`);
    const csv = await (await admin.fetch(`/users.csv?q=${leaver.employeeNumber}`)).text();
    const rows = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    const status = rows[0]?.indexOf("status") ?? -1;
    expect(status).toBeGreaterThan(0);
    expect(rows[1]?.[status]).toBe("deactivated");

    // Reactivated, they sign in again and their token works again.
    const back = await admin.post(`${userPath(leaver.employeeNumber)}/status`, {
      _csrf: csrfIn(after),
      status: "active",
    });
    expect(back.status).toBe(303);
    expect((await new Browser().signIn(leaver.employeeNumber)).status).toBe(303);
    expect((await call(leaverToken, "/api/users")).status).toBe(200);
  });

  it("offers no Deactivate button on the admin's own page, and refuses a form that tries", async () => {
    const { user: me, browser } = await signedIn("Admin");
    const page = await (await browser.fetch(userPath(me.employeeNumber))).text();
    expect(page).not.toContain(">Deactivate</button>");
    expect(page).toContain("Your own account can be deactivated only by another admin.");
    const res = await browser.post(`${userPath(me.employeeNumber)}/status`, {
      _csrf: csrfIn(page),
      status: "deactivated",
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("You cannot deactivate or reactivate your own account. Ask another admin.");
    expect((await storedUser(me.employeeNumber))?.status).toBe("active");
  });

  it("refuses a form without the session's CSRF token", async () => {
    const { browser } = await signedIn("Admin");
    const target = await createUser("Standard");
    const res = await browser.post(`${userPath(target.employeeNumber)}/status`, {
      _csrf: "forged",
      status: "deactivated",
    });
    expect(res.status).toBe(403);
    expect((await storedUser(target.employeeNumber))?.status).toBe("active");
  });

  it("shows a Manager the status without the button", async () => {
    const { browser } = await signedIn("Manager");
    const target = await createUser("Standard");
    const page = await (await browser.fetch(userPath(target.employeeNumber))).text();
    expect(page).toContain("<dt>Status</dt><dd>Active</dd>");
    expect(page).not.toContain(">Deactivate</button>");
    const res = await browser.post(`${userPath(target.employeeNumber)}/status`, {
      _csrf: csrfIn(page),
      status: "deactivated",
    });
    expect(res.status).toBe(403);
  });
});

describe("deactivating a user with the API", () => {
  it("deactivates and reactivates with PATCH { status }, and lists users by status", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await createUser("Standard");
    const res = await patch(token, target.employeeNumber, { status: "deactivated" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("deactivated");
    const listed = (await (await call(token, `/api/users?q=${target.employeeNumber}&status=deactivated`)).json()) as {
      users: { employee_number: string; status: string }[];
    };
    expect(listed.users.map((u) => [u.employee_number, u.status])).toEqual([[target.employeeNumber, "deactivated"]]);
    const none = (await (await call(token, `/api/users?q=${target.employeeNumber}&status=active`)).json()) as {
      users: unknown[];
    };
    expect(none.users).toEqual([]);
    const back = await patch(token, target.employeeNumber, { status: "active" });
    expect(((await back.json()) as { status: string }).status).toBe("active");
    const bad = await call(token, "/api/users?status=gone");
    expect(bad.status).toBe(400);
  });

  it("refuses to deactivate the token's own user, or a user whose role allows more, and saves nothing else", async () => {
    const { user: me, token } = await createUserWithToken("Admin");
    const own = await patch(token, me.employeeNumber, { status: "deactivated", role_locked: true });
    expect(own.status).toBe(403);
    expect((await errorOf(own)).message).toBe(
      "You cannot deactivate or reactivate your own account. Ask another admin.",
    );
    expect((await storedUser(me.employeeNumber))?.roleLocked).toBe(false);

    const name = unique("Owner");
    const [owner] = await db
      .insert(roles)
      .values({ name, nameKey: toKey(name), permissions: ["admin_access", "manage_users", "owner"] })
      .returning();
    if (!owner) throw new Error("no role");
    const boss = await createUser("Standard");
    await db.update(users).set({ roleId: owner.id }).where(eq(users.id, boss.id));
    const higher = await patch(token, boss.employeeNumber, { status: "deactivated" });
    expect(higher.status).toBe(403);
    expect((await errorOf(higher)).message).toContain(`user with the ${name} role`);
    expect((await storedUser(boss.employeeNumber))?.status).toBe("active");
  });

  it("never deactivates the last active user holding a role that can import users", async () => {
    const name = unique("Keeper");
    const [keeper] = await db
      .insert(roles)
      .values({ name, nameKey: toKey(name), permissions: ["admin_access", "manage_users"] })
      .returning();
    if (!keeper) throw new Error("no role");
    const one = await createUser("Standard");
    const two = await createUser("Standard");
    for (const u of [one, two]) await db.update(users).set({ roleId: keeper.id }).where(eq(users.id, u.id));
    // Counted over the roles given, here the one role, so the other admins of this file do not count.
    expect(await setUserStatus(db, one.id, "deactivated", [keeper.id], new Date(), one.id)).toBe("changed");
    expect(await setUserStatus(db, two.id, "deactivated", [keeper.id], new Date(), one.id)).toBe("last_admin");
    expect((await storedUser(two.employeeNumber))?.status).toBe("active");
    expect(await setUserStatus(db, one.id, "active", [keeper.id], new Date(), one.id)).toBe("changed");
    expect(await setUserStatus(db, two.id, "deactivated", [keeper.id], new Date(), one.id)).toBe("changed");
  });
});

describe("importing a deactivated user", () => {
  it("updates them, leaves them deactivated and warns", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await createUser("Standard");
    await patch(token, target.employeeNumber, { status: "deactivated" });
    const { line } = await importCsv(
      token,
      csvOf([header, [target.employeeNumber, "Back", "Again", site.name, target.email, ""]]),
    );
    expect(line(2)?.outcome).toBe("updated");
    expect(line(2)?.messages.map((m) => m.code)).toEqual(["user_deactivated"]);
    const stored = await storedUser(target.employeeNumber);
    expect(stored?.firstName).toBe("Back");
    expect(stored?.status).toBe("deactivated");
  });
});

describe("admin:create on a deactivated user", () => {
  it("makes them an active admin who can sign in: the command line is the way back in", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await createUser("Standard");
    await patch(token, target.employeeNumber, { status: "deactivated" });
    const outcome = await upsertAdmin(db, {
      username: target.employeeNumber,
      email: target.email,
      firstName: "Back",
      lastName: "Admin",
      passwordHash: await hashPassword(password),
    });
    expect(outcome.outcome).toBe("updated");
    expect((await storedUser(target.employeeNumber))?.status).toBe("active");
    expect((await new Browser().signIn(target.employeeNumber)).status).toBe(303);
  });
});

describe("admin:create on a user who is signed in", () => {
  it("ends the sessions that signed in with the old password", async () => {
    const { user, browser } = await signedIn("Admin");
    expect((await browser.fetch("/users")).status).toBe(200);
    await upsertAdmin(db, {
      username: user.employeeNumber,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      passwordHash: await hashPassword("another long passphrase"),
    });
    const after = await browser.fetch("/users");
    expect(after.status).toBe(303);
    expect(after.headers.get("Location")).toContain("/sign-in");
  });
});
