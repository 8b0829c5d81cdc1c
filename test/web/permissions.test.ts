import { describe, expect, it } from "vitest";
import { Browser, signedIn } from "./helpers";

describe("who may open which page", () => {
  it("shows a Standard user a 403 page on Import Users that names what their role lacks", async () => {
    const { browser } = await signedIn("Standard");
    const res = await browser.fetch("/imports/new");
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("You can&#39;t open this page");
    expect(html).toContain("Your role (Standard) does not allow this");
    expect(html).toContain("admin access and the manage-users permission");
  });

  it("keeps a Standard user out of users, imports, locations and roles", async () => {
    const { browser } = await signedIn("Standard");
    for (const path of ["/users", "/imports", "/locations", "/roles"]) {
      const res = await browser.fetch(path);
      expect(res.status, path).toBe(403);
      expect(await res.text(), path).toContain("it needs admin access");
    }
  });

  it("lets a Standard user manage their API tokens and explains their start page", async () => {
    const { browser } = await signedIn("Standard");
    expect((await browser.fetch("/tokens")).status).toBe(200);
    const home = await browser.fetch("/");
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("does not include admin access");
    expect(html).not.toContain('href="/imports/new"');
    expect(html).not.toContain('href="/users"');
  });

  it("lets a Manager see users and imports but not Import Users", async () => {
    const { browser } = await signedIn("Manager");
    expect((await browser.fetch("/users")).status).toBe(200);
    expect((await browser.fetch("/imports")).status).toBe(200);
    expect((await browser.fetch("/roles")).status).toBe(200);
    const upload = await browser.fetch("/imports/new");
    expect(upload.status).toBe(403);
    expect(await upload.text()).toContain("Your role (Manager) does not allow this");
    const home = await browser.fetch("/");
    expect(home.headers.get("Location")).toBe("/users");
  });

  it("refuses a Manager's location changes even with a valid token", async () => {
    const { browser } = await signedIn("Manager");
    const res = await browser.post("/locations", { _csrf: await browser.csrf(), name: "Somewhere" });
    expect(res.status).toBe(403);
  });

  it("shows an Admin the User menu with Import Users and sends them there from the start", async () => {
    const { browser } = await signedIn("Admin");
    const home = await browser.fetch("/");
    expect(home.status).toBe(303);
    expect(home.headers.get("Location")).toBe("/imports/new");
    const html = await (await browser.fetch("/imports/new")).text();
    expect(html).toContain("<summary>User menu</summary>");
    for (const link of [
      'href="/imports/new"',
      'href="/users"',
      'href="/imports"',
      'href="/locations"',
      'href="/roles"',
      'href="/tokens"',
    ]) {
      expect(html).toContain(link);
    }
    expect(html).toContain('action="/sign-out"');
  });

  it("renders an unknown page as a page", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.fetch("/no-such-page");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(await res.text()).toContain("Page not found");
  });
});

describe("error pages know who is signed in", () => {
  it("shows a signed-in user their User menu on a 404 page, and no Sign in link", async () => {
    const { browser } = await signedIn("Admin", { firstName: "Nadia", lastName: "Found" });
    for (const path of ["/no-such-page", "/users/no-such-person", "/imports/no-such-import", "/locations/999999"]) {
      const res = await browser.fetch(path);
      expect(res.status, path).toBe(404);
      const html = await res.text();
      expect(html, path).toContain("<summary>User menu</summary>");
      expect(html, path).toContain("Nadia Found");
      expect(html, path).not.toContain('href="/sign-in"');
      expect(html, path).toContain("Go to the start page");
    }
  });

  it("shows a signed-in user their User menu on a 403 page", async () => {
    const { browser } = await signedIn("Standard", { firstName: "Sam", lastName: "Standard" });
    const res = await browser.fetch("/users");
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("<summary>User menu</summary>");
    expect(html).toContain("Sam Standard");
    expect(html).not.toContain('href="/sign-in"');
  });

  it("offers a signed-out visitor Sign in on a 404 page", async () => {
    const res = await new Browser().fetch("/no-such-page");
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('href="/sign-in"');
    expect(html).not.toContain("User menu");
  });
});
