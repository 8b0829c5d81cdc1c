import { exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/auth/secrets";
import { toKey } from "../../src/db/keys";
import { accountLinks, roles, users } from "../../src/db/schema";
import { setUserStatus, upsertAdmin } from "../../src/db/users";
import { base, call, createUserWithToken } from "../helpers";
import { Browser, createUser, csrfIn, db, password, signedIn, unique } from "../web/helpers";

const newPassword = "plum orchard lantern";

/** A user as an import leaves them: no password yet. */
async function userWithoutPassword(roleName: "Admin" | "Manager" | "Standard" = "Manager") {
  const user = await createUser(roleName);
  await db.update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
  return user;
}

const makeLink = (token: string, employeeNumber: string, kind: "activation" | "password-reset") =>
  call(token, `/api/users/${encodeURIComponent(employeeNumber)}/${kind}`, { method: "POST" });

async function linkFor(token: string, employeeNumber: string, kind: "activation" | "password-reset" = "activation") {
  const res = await makeLink(token, employeeNumber, kind);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { url: string; expires_at: string };
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** The link's path on this Roster, and its secret. */
function pathOf(url: string) {
  const { pathname } = new URL(url);
  return { path: pathname, secret: pathname.split("/").at(-1) ?? "" };
}

/** Opens the link in a browser of its own and sends the form with these passwords. */
async function setPassword(url: string, pass = newPassword, again = pass, browser = new Browser()) {
  const { path } = pathOf(url);
  const page = await browser.fetch(path);
  if (page.status !== 200) return { res: page, browser };
  const res = await browser.post(path, { _csrf: csrfIn(await page.text()), password: pass, password_again: again });
  return { res, browser };
}

describe("making a link through the API", () => {
  it("answers 401 without a token and 403 for a role without manage users", async () => {
    const target = await userWithoutPassword();
    const anonymous = await exports.default.fetch(
      new Request(`${base}/api/users/${target.employeeNumber}/activation`, { method: "POST" }),
    );
    expect(anonymous.status).toBe(401);
    const { token: manager } = await createUserWithToken("Manager");
    const refused = await makeLink(manager, target.employeeNumber, "activation");
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toContain("manage-users");
    expect(await db.select().from(accountLinks).where(eq(accountLinks.userId, target.id))).toEqual([]);
  });

  it("gives an activation link valid for 7 days, and stores only its hash", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword();
    const before = Date.now();
    const link = await linkFor(token, target.employeeNumber);
    expect(link.url).toMatch(/^http:\/\/roster\.test\/set-password\/[A-Za-z0-9_-]{43}$/);
    const lifetime = Date.parse(link.expires_at) - before;
    expect(lifetime).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(lifetime).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);
    const { secret } = pathOf(link.url);
    const [row] = await db.select().from(accountLinks).where(eq(accountLinks.userId, target.id));
    expect(row?.tokenHash).toBe(await hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row?.kind).toBe("activation");
  });

  it("refuses an activation link for a user with a password, and a reset link for one without", async () => {
    const { token } = await createUserWithToken("Admin");
    const withPassword = await createUser("Standard");
    const has = await makeLink(token, withPassword.employeeNumber, "activation");
    expect(has.status).toBe(409);
    expect((await errorOf(has)).code).toBe("has_password");
    const without = await userWithoutPassword("Standard");
    const none = await makeLink(token, without.employeeNumber, "password-reset");
    expect(none.status).toBe(409);
    expect((await errorOf(none)).code).toBe("no_password");
    expect((await makeLink(token, "no-such-user", "activation")).status).toBe(404);
  });

  it("refuses a link for a deactivated user, and a link made before deactivation stops working", async () => {
    const { user: admin, token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const link = await linkFor(token, target.employeeNumber);
    await setUserStatus(db, target.id, "deactivated", [], new Date(), admin.id);
    const refused = await makeLink(token, target.employeeNumber, "activation");
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe("user_deactivated");
    const { res } = await setPassword(link.url);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("This link cannot be used");
  });

  it("voids a waiting link when its user is deactivated, so it does not work again on their return", async () => {
    const { user: admin, token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const link = await linkFor(token, target.employeeNumber);
    await setUserStatus(db, target.id, "deactivated", [], new Date(), admin.id);
    expect(await db.select().from(accountLinks).where(eq(accountLinks.userId, target.id))).toEqual([]);
    await setUserStatus(db, target.id, "active", [], new Date(), admin.id);
    const { res } = await setPassword(link.url);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("This link cannot be used");
  });

  it("refuses a link for a user whose role allows more than the token's", async () => {
    const { token } = await createUserWithToken("Admin");
    const name = unique("Owner");
    const [owner] = await db
      .insert(roles)
      .values({ name, nameKey: toKey(name), permissions: ["admin_access", "manage_users", "manage_billing"] })
      .returning();
    const target = await userWithoutPassword("Standard");
    await db.update(users).set({ roleId: owner?.id }).where(eq(users.id, target.id));
    const refused = await makeLink(token, target.employeeNumber, "activation");
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toContain(`the ${name} role`);
  });
});

describe("using an activation link", () => {
  it("shows the username, sets the password, signs the person in, and works only once", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Manager");
    const before = (await (await call(token, `/api/users/${target.employeeNumber}`)).json()) as {
      has_password: boolean;
    };
    expect(before.has_password).toBe(false);
    const link = await linkFor(token, target.employeeNumber);
    const browser = new Browser();
    const page = await browser.fetch(pathOf(link.url).path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`value="${target.employeeNumber}"`);
    expect(html).toContain("Your employee number");

    const { res } = await setPassword(link.url, newPassword, newPassword, browser);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/");
    expect((await browser.fetch("/users")).status).toBe(200);
    expect((await new Browser().signIn(target.employeeNumber, newPassword)).status).toBe(303);
    expect(await db.select().from(accountLinks).where(eq(accountLinks.userId, target.id))).toEqual([]);
    const shown = (await (await call(token, `/api/users/${target.employeeNumber}`)).json()) as {
      has_password: boolean;
    };
    expect(shown.has_password).toBe(true);

    const again = await setPassword(link.url, "another long passphrase");
    expect(again.res.status).toBe(404);
    expect((await new Browser().signIn(target.employeeNumber, newPassword)).status).toBe(303);
  });

  it("refuses a short, common or own-username password and keeps the link", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const link = await linkFor(token, target.employeeNumber);
    const cases: [string, string, string][] = [
      ["short one", "short one", "at least 10 characters"],
      ["Password123", "Password123", "one of the most common"],
      ["aaaaaaaaaaaa", "aaaaaaaaaaaa", "one of the most common"],
      [target.employeeNumber.toUpperCase(), target.employeeNumber.toUpperCase(), "cannot be your username"],
      [target.email, target.email, "cannot be your username (employee number) or your email"],
      [newPassword, `${newPassword}!`, "not the same"],
    ];
    for (const [pass, again, says] of cases) {
      const { res } = await setPassword(link.url, pass, again);
      expect(res.status, pass).toBe(422);
      expect(await res.text()).toContain(says);
    }
    expect((await setPassword(link.url)).res.status).toBe(303);
  });

  it("stops working once it expires", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const link = await linkFor(token, target.employeeNumber);
    await db
      .update(accountLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(accountLinks.userId, target.id));
    const { res } = await setPassword(link.url);
    expect(res.status).toBe(404);
    expect((await new Browser().signIn(target.employeeNumber, newPassword)).status).toBe(401);
  });

  it("stops working when a newer link is made", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const older = await linkFor(token, target.employeeNumber);
    const newer = await linkFor(token, target.employeeNumber);
    expect((await setPassword(older.url)).res.status).toBe(404);
    expect((await setPassword(newer.url)).res.status).toBe(303);
  });

  it("answers every link that cannot be used alike, without saying why", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const used = await linkFor(token, target.employeeNumber);
    await setPassword(used.url);
    const answers = await Promise.all(
      [pathOf(used.url).path, `/set-password/${"A".repeat(43)}`, "/set-password/short"].map(async (path) => {
        const res = await new Browser().fetch(path);
        return { status: res.status, body: (await res.text()).replace(/nonce="[^"]*"/g, "") };
      }),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([404]));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
  });

  it("refuses a form without its token, or sent from another site", async () => {
    const { token } = await createUserWithToken("Admin");
    const target = await userWithoutPassword("Standard");
    const link = await linkFor(token, target.employeeNumber);
    const { path } = pathOf(link.url);
    const noCookie = await new Browser().post(path, {
      _csrf: "forged",
      password: newPassword,
      password_again: newPassword,
    });
    expect(noCookie.status).toBe(403);
    const browser = new Browser();
    const form = csrfIn(await (await browser.fetch(path)).text());
    const foreign = await browser.fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: new URLSearchParams({ _csrf: form, password: newPassword, password_again: newPassword }).toString(),
    });
    expect(foreign.status).toBe(403);
    // The link is still there for its person.
    expect((await setPassword(link.url)).res.status).toBe(303);
  });
});

describe("a password reset link", () => {
  it("changes nothing until used, then sets the password and ends the user's other sessions", async () => {
    const { token } = await createUserWithToken("Admin");
    const { user, browser: theirs } = await signedIn("Manager");
    const link = await linkFor(token, user.employeeNumber, "password-reset");
    // Issuing it changed nothing: the old password and session still work.
    expect((await theirs.fetch("/users")).status).toBe(200);
    expect((await new Browser().signIn(user.employeeNumber, password)).status).toBe(303);

    const { res, browser: reset } = await setPassword(link.url);
    expect(res.status).toBe(303);
    expect((await reset.fetch("/users")).status).toBe(200);
    const ended = await theirs.fetch("/users");
    expect(ended.status).toBe(303);
    expect(ended.headers.get("Location")).toContain("/sign-in");
    expect((await new Browser().signIn(user.employeeNumber, password)).status).toBe(401);
    expect((await new Browser().signIn(user.employeeNumber, newPassword)).status).toBe(303);
  });

  it("works while sign-in is paused for the username by wrong passwords", async () => {
    const { token } = await createUserWithToken("Admin");
    const user = await createUser("Standard");
    for (let i = 0; i < 11; i++) await new Browser().signIn(user.employeeNumber, "wrong password");
    expect((await new Browser().signIn(user.employeeNumber, password)).status).toBe(429);
    const link = await linkFor(token, user.employeeNumber, "password-reset");
    expect((await setPassword(link.url)).res.status).toBe(303);
    expect((await new Browser().signIn(user.employeeNumber, newPassword)).status).toBe(303);
  });

  it("is void once admin:create sets the user's password", async () => {
    const { token } = await createUserWithToken("Admin");
    const user = await createUser("Admin");
    const link = await linkFor(token, user.employeeNumber, "password-reset");
    await upsertAdmin(db, {
      username: user.employeeNumber,
      email: user.email,
      firstName: "Test",
      lastName: "Admin",
      passwordHash: "pbkdf2-sha256$1$AAAA$AAAA",
    });
    expect((await setPassword(link.url)).res.status).toBe(404);
  });
});

describe("the user's page", () => {
  it("makes an activation link with a CSRF form and shows it once", async () => {
    const { browser: admin } = await signedIn("Admin");
    const target = await userWithoutPassword("Manager");
    const path = `/users/${encodeURIComponent(target.employeeNumber)}`;
    const page = await (await admin.fetch(path)).text();
    expect(page).toContain("They have no password yet");
    expect(page).toContain("Create an activation link");
    expect((await admin.post(`${path}/link`, { kind: "activation" })).status).toBe(403);
    const made = await admin.post(`${path}/link`, { _csrf: csrfIn(page), kind: "activation" });
    expect(made.status).toBe(200);
    const html = await made.text();
    const url = /id="issued-link"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="issued-link"/.exec(html);
    const linkUrl = url?.[1] ?? url?.[2] ?? "";
    expect(linkUrl).toMatch(/\/set-password\//);
    const later = await (await admin.fetch(path)).text();
    expect(later).toContain("An activation link made");
    expect(later).not.toContain(linkUrl);
    expect((await setPassword(linkUrl)).res.status).toBe(303);
    expect(await (await admin.fetch(path)).text()).toContain("Create a password reset link");
  });

  it("does not offer links to a Manager, and refuses their form", async () => {
    const { browser: manager } = await signedIn("Manager");
    const target = await userWithoutPassword("Standard");
    const path = `/users/${encodeURIComponent(target.employeeNumber)}`;
    const page = await (await manager.fetch(path)).text();
    expect(page).not.toContain("Create an activation link");
    expect((await manager.post(`${path}/link`, { _csrf: csrfIn(page), kind: "activation" })).status).toBe(403);
  });
});
