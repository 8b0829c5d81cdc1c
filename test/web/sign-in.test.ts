import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "../../src/db/schema";
import { Browser, createUser, csrfIn, db, setCookie, signedIn } from "./helpers";

describe("signing in and out", () => {
  it("sends a signed-out visitor to sign in, remembering where they were going", async () => {
    const res = await new Browser().fetch("/users?q=ada");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/sign-in?next=${encodeURIComponent("/users?q=ada")}`);
  });

  it("signs in with the employee number and password and returns to the page asked for", async () => {
    const user = await createUser("Admin");
    const browser = new Browser();
    const res = await browser.signIn(user.employeeNumber, undefined, "/locations");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/locations");
    const page = await browser.fetch("/locations");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("User menu");
  });

  it("says the username is the employee number, and where a password comes from", async () => {
    const html = await (await new Browser().fetch("/sign-in")).text();
    expect(html).toContain("Your username is your employee number.");
    expect(html).toContain("Ask an admin for a link to set one");
  });

  it("accepts the employee number in any case", async () => {
    const user = await createUser("Admin");
    const res = await new Browser().signIn(user.employeeNumber.toUpperCase());
    expect(res.status).toBe(303);
  });

  it("refuses a wrong password and starts no session", async () => {
    const user = await createUser("Admin");
    const res = await new Browser().signIn(user.employeeNumber, "wrong password");
    expect(res.status).toBe(401);
    expect(setCookie(res, "roster_session")).toBeUndefined();
    const html = await res.text();
    expect(html).toContain("That username and password do not match");
    expect(html).toContain(`value="${user.employeeNumber}"`);
  });

  it("pauses sign-in for a username after ten wrong passwords, even with the right one", async () => {
    const user = await createUser("Admin");
    for (let i = 0; i < 10; i++)
      expect((await new Browser().signIn(user.employeeNumber, `wrong ${i}`)).status).toBe(401);
    const paused = await new Browser().signIn(user.employeeNumber);
    expect(paused.status).toBe(429);
    expect(await paused.text()).toContain("Too many wrong passwords");
    expect(setCookie(paused, "roster_session")).toBeUndefined();
    // Others are not affected.
    expect((await new Browser().signIn((await createUser("Admin")).employeeNumber)).status).toBe(303);
  });

  it("holds the limit against wrong passwords sent all at once", async () => {
    const user = await createUser("Admin");
    const browsers = Array.from({ length: 25 }, () => new Browser());
    const tokens = await Promise.all(browsers.map(async (b) => csrfIn(await (await b.fetch("/sign-in")).text())));
    const answers = await Promise.all(
      browsers.map((b, i) =>
        b.post("/sign-in", {
          _csrf: tokens[i] ?? "",
          username: user.employeeNumber,
          password: `wrong ${i}`,
          next: "/",
        }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await new Browser().signIn(user.employeeNumber)).status).toBe(429);
  });

  it("pauses sign-in from one address after fifty wrong passwords, whatever the usernames", async () => {
    const address = { "CF-Connecting-IP": "203.0.113.7" };
    const user = await createUser("Admin");
    for (let i = 0; i < 50; i++)
      expect((await new Browser(address).signIn(`sprayed-${i}`, "Winter2026!")).status).toBe(401);
    const paused = await new Browser(address).signIn(user.employeeNumber);
    expect(paused.status).toBe(429);
    expect(await paused.text()).toContain("from your network");
    // The same user from another address is not held back.
    expect((await new Browser({ "CF-Connecting-IP": "198.51.100.20" }).signIn(user.employeeNumber)).status).toBe(303);
  });

  it("forgets earlier wrong passwords once the right one is given", async () => {
    const user = await createUser("Admin");
    for (let i = 0; i < 9; i++) await new Browser().signIn(user.employeeNumber, `wrong ${i}`);
    expect((await new Browser().signIn(user.employeeNumber)).status).toBe(303);
    for (let i = 0; i < 9; i++) await new Browser().signIn(user.employeeNumber, `wrong again ${i}`);
    expect((await new Browser().signIn(user.employeeNumber)).status).toBe(303);
  });

  it("refuses an unknown username the same way", async () => {
    const res = await new Browser().signIn("nobody-at-all", "whatever");
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("That username and password do not match");
  });

  it("never sends people to another site after signing in", async () => {
    const user = await createUser("Admin");
    const offSite = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"];
    // Paths that only become "//host" once their dot segments are resolved.
    const dotted = ["/.//evil.example/x", "/%2e//evil.example", "/a/..//evil.example", "/./\\evil.example"];
    const signedInBrowser = new Browser();
    await signedInBrowser.signIn(user.employeeNumber);
    for (const next of [...offSite, ...dotted]) {
      const res = await new Browser().signIn(user.employeeNumber, undefined, next);
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/");
      // A visitor already signed in is sent on at once by the sign-in page.
      const again = await signedInBrowser.fetch(`/sign-in?next=${encodeURIComponent(next)}`);
      expect(again.status).toBe(303);
      expect(again.headers.get("Location")).toBe("/");
    }
  });

  it("refuses a sign-in form posted without its token", async () => {
    const user = await createUser("Admin");
    const browser = new Browser();
    await browser.fetch("/sign-in");
    const res = await browser.post("/sign-in", { username: user.employeeNumber, password: "correct horse battery" });
    expect(res.status).toBe(403);
    expect(setCookie(res, "roster_session")).toBeUndefined();
  });

  it("refuses a sign-in form posted from another site", async () => {
    const user = await createUser("Admin");
    const browser = new Browser();
    const token = csrfIn(await (await browser.fetch("/sign-in")).text());
    const res = await browser.fetch("/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: new URLSearchParams({
        _csrf: token,
        username: user.employeeNumber,
        password: "correct horse battery",
      }).toString(),
    });
    expect(res.status).toBe(403);
  });

  it("sets the session cookie HttpOnly, Secure, SameSite=Lax for the whole site, and stores only its hash", async () => {
    const user = await createUser("Admin");
    const browser = new Browser();
    const res = await browser.signIn(user.employeeNumber);
    const header = res.headers.getSetCookie().find((h) => h.startsWith("roster_session="));
    expect(header).toBeDefined();
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/Secure/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\//);
    expect(header).toMatch(/Max-Age=43200/);
    const secret = browser.cookies.get("roster_session") ?? "";
    const rows = await db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.idHash).not.toBe(secret);
    expect(rows[0]?.idHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("signs out: the old cookie no longer opens any page", async () => {
    const { browser } = await signedIn("Admin");
    const secret = browser.cookies.get("roster_session");
    const res = await browser.post("/sign-out", { _csrf: await browser.csrf() });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/sign-in?signed_out=1");
    expect(browser.cookies.has("roster_session")).toBe(false);

    const replay = new Browser();
    replay.cookies.set("roster_session", secret ?? "");
    const page = await replay.fetch("/users");
    expect(page.status).toBe(303);
    expect(page.headers.get("Location")).toContain("/sign-in");
  });

  it("refuses sign-out without the CSRF token, so another site cannot sign people out", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/sign-out", {});
    expect(res.status).toBe(403);
    expect((await browser.fetch("/users")).status).toBe(200);
  });

  it("ends a session revoked in the database at once", async () => {
    const { user, browser } = await signedIn("Admin");
    expect((await browser.fetch("/users")).status).toBe(200);
    await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.userId, user.id));
    const res = await browser.fetch("/users");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/sign-in?next=%2Fusers");
  });

  it("ends an expired session", async () => {
    const { user, browser } = await signedIn("Admin");
    await db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, user.id));
    expect((await browser.fetch("/users")).status).toBe(303);
  });

  it("does not cache signed-in pages", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.fetch("/users");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });
});
