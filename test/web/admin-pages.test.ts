import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createLocation, listLocations } from "../../src/db/locations";
import { apiTokens, roles, users } from "../../src/db/schema";
import { createUser, csrfIn, db, signedIn, unique } from "./helpers";
import { exports } from "cloudflare:workers";

describe("Locations", () => {
  it("adds a location with a code and aliases", async () => {
    const { browser } = await signedIn("Admin");
    const name = unique("Bristol ");
    const res = await browser.post("/locations", {
      _csrf: await browser.csrf(),
      name,
      code: unique("BRS"),
      aliases: "Bristol HQ x, Temple Meads x",
    });
    expect(res.status).toBe(303);
    const html = await (await browser.fetch(res.headers.get("Location") ?? "")).text();
    expect(html).toContain("The location was added.");
    expect(html).toContain(name);
    expect(html).toContain("Bristol HQ x, Temple Meads x");
  });

  it("explains which location already owns a name, code or alias", async () => {
    const owner = unique("Cardiff ");
    const alias = unique("Caerdydd ");
    await createLocation(db, { name: owner, aliases: [alias] });
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", {
      _csrf: await browser.csrf(),
      name: unique("Elsewhere "),
      aliases: alias.toUpperCase(),
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(`is already an alias of ${owner}`);
    expect(html).toContain(`value="${alias.toUpperCase()}"`);
  });

  it("refuses a code that repeats the location's name", async () => {
    const name = unique("Twice ");
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", { _csrf: await browser.csrf(), name, code: name.toLowerCase() });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("is both this location&#39;s name and its code.");
  });

  it("leaves out aliases that repeat the name, the code or each other", async () => {
    const name = unique("Leeds ");
    const code = unique("LDS");
    const other = unique("Leeds HQ ");
    const { browser } = await signedIn("Admin");
    const aliases = `${name.toUpperCase()}, ${code}, ${other}, ${other.toLowerCase()}`;
    const res = await browser.post("/locations", { _csrf: await browser.csrf(), name, code, aliases });
    expect(res.status).toBe(303);
    const [saved] = (await listLocations(db)).filter((l) => l.name === name);
    expect(saved).toMatchObject({ code, aliases: [other] });
  });

  it("edits a location, keeping its own names free to reuse", async () => {
    const name = unique("Derby ");
    const created = await createLocation(db, { name, code: unique("DBY") });
    const { browser } = await signedIn("Admin");
    const form = await (await browser.fetch(`/locations/${created.id}`)).text();
    expect(form).toContain(`value="${name}"`);
    const res = await browser.post(`/locations/${created.id}`, {
      _csrf: csrfIn(form),
      name,
      code: created.code ?? "",
      aliases: "Pride Park" + unique(""),
    });
    expect(res.status).toBe(303);
    const list = await (await browser.fetch(res.headers.get("Location") ?? "")).text();
    expect(list).toContain("The location was saved.");
    expect(list).toContain("Pride Park");
  });

  it("requires a name", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", { _csrf: await browser.csrf(), name: " " });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Give the location a name.");
  });
});

describe("a user's page", () => {
  it("shows the user and toggles their role and location locks", async () => {
    const user = await createUser("Standard", { firstName: "Lock", lastName: "Target" });
    const { browser } = await signedIn("Admin");
    const page = await browser.fetch(`/users/${user.employeeNumber}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(user.email);
    expect(html).toContain("Lock the role");
    const res = await browser.post(`/users/${user.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(user.roleId),
      location_id: "",
      role_locked: "on",
    });
    expect(res.status).toBe(303);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row?.roleLocked).toBe(true);
    expect(row?.locationLocked).toBe(false);
    expect(await (await browser.fetch(res.headers.get("Location") ?? "")).text()).toContain(
      "The role, location and locks were saved.",
    );
  });

  it("saves a role chosen together with a lock: one form, so neither is dropped", async () => {
    const user = await createUser("Standard");
    const place = await createLocation(db, { name: unique("Selby ") });
    const [manager] = await db.select().from(roles).where(eq(roles.nameKey, "manager"));
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    // The role, location and locks share one form; deactivating and making a link are forms of their own.
    expect(html.match(/<form method="post" action="\/users\/[^"]*"/g)).toEqual([
      `<form method="post" action="/users/${user.employeeNumber}"`,
      `<form method="post" action="/users/${user.employeeNumber}/status"`,
      `<form method="post" action="/users/${user.employeeNumber}/link"`,
    ]);
    const res = await browser.post(`/users/${user.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(manager?.id),
      location_id: String(place.id),
      location_locked: "on",
    });
    expect(res.status).toBe(303);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ roleId: manager?.id, locationId: place.id, roleLocked: false, locationLocked: true });
  });

  it("shows a refused save again with what was chosen, and says why", async () => {
    const user = await createUser("Standard");
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    const res = await browser.post(`/users/${user.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: "999999",
      location_id: "",
      role_locked: "on",
    });
    expect(res.status).toBe(422);
    const again = await res.text();
    expect(again).toContain("Choose the role and the location from the lists");
    expect(again).toMatch(/<input type="checkbox" name="role_locked" value="on" checked=""/);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row?.roleLocked).toBe(false);
  });

  it("gives a user another role and location by hand, even where imports are locked out", async () => {
    const user = await createUser("Standard", { firstName: "Role", lastName: "Target" });
    await db.update(users).set({ roleLocked: true }).where(eq(users.id, user.id));
    const place = await createLocation(db, { name: unique("Wells ") });
    const [manager] = await db.select().from(roles).where(eq(roles.nameKey, "manager"));
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    expect(html).toContain("Role, location and locks");
    const res = await browser.post(`/users/${user.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(manager?.id),
      location_id: String(place.id),
      role_locked: "on",
    });
    expect(res.status).toBe(303);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ roleId: manager?.id, locationId: place.id, roleLocked: true });
    expect(await (await browser.fetch(res.headers.get("Location") ?? "")).text()).toContain(
      "The role, location and locks were saved.",
    );
  });

  it("refuses a role or location not on the lists, and an admin's change of their own role", async () => {
    const { browser, user: admin } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users/${admin.employeeNumber}`)).text();
    expect(html).toContain("Your own role can be changed only by another admin.");
    const [standard] = await db.select().from(roles).where(eq(roles.nameKey, "standard"));
    const own = await browser.post(`/users/${admin.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(standard?.id),
      location_id: "",
    });
    expect(own.status).toBe(403);
    expect(await own.text()).toContain("You cannot change your own role.");
    const other = await createUser("Standard");
    const unknown = await browser.post(`/users/${other.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: "999999",
      location_id: "",
    });
    expect(unknown.status).toBe(422);
    // Keeping their own role while moving location is allowed.
    const [row] = await db.select().from(users).where(eq(users.id, admin.id));
    const kept = await browser.post(`/users/${admin.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(row?.roleId),
      location_id: "",
    });
    expect(kept.status).toBe(303);
  });

  it("lets only people who manage users assign roles", async () => {
    const user = await createUser("Standard");
    const { browser } = await signedIn("Manager");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    expect(html).not.toContain("Role, location and locks");
    const [admin] = await db.select().from(roles).where(eq(roles.nameKey, "admin"));
    const res = await browser.post(`/users/${user.employeeNumber}`, {
      _csrf: csrfIn(html),
      role_id: String(admin?.id),
      location_id: "",
    });
    expect(res.status).toBe(403);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row?.roleId).not.toBe(admin?.id);
  });

  it("shows a Manager the locks without the form", async () => {
    const user = await createUser("Standard");
    const { browser } = await signedIn("Manager");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    expect(html).not.toContain('<button type="submit">Save</button>');
    expect(html).toContain("Changing locks needs the manage-users permission");
  });

  it("answers 404 for an unknown employee number", async () => {
    const { browser } = await signedIn("Admin");
    expect((await browser.fetch("/users/no-such-person")).status).toBe(404);
  });
});

describe("API tokens", () => {
  it("creates a token, shows it once with a curl example, and the API accepts it", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/tokens", { _csrf: await browser.csrf(), name: "HR sync" });
    expect(res.status).toBe(200);
    const html = await res.text();
    const token = /id="new-token" value="(rst_[^"]+)"/.exec(html)?.[1] ?? "";
    expect(token).not.toBe("");
    expect(html).toContain(`curl -H &quot;Authorization: Bearer ${token}&quot; http://roster.test/api/users`);
    const api = await exports.default.fetch("http://roster.test/api/users", {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(api.status).toBe(200);
    const list = await (await browser.fetch("/tokens")).text();
    expect(list).toContain("HR sync");
    expect(list).not.toContain(token);
  });

  it("creates no second token when the same form is sent again, as a reload does", async () => {
    const { browser, user } = await signedIn("Admin");
    const page = await (await browser.fetch("/tokens")).text();
    const formKey = /name="form_key" value="([^"]+)"/.exec(page)?.[1] ?? "";
    expect(formKey).not.toBe("");
    const fields = { _csrf: csrfIn(page), form_key: formKey, name: "Reloaded" };
    expect((await browser.post("/tokens", fields)).status).toBe(200);
    const again = await browser.post("/tokens", fields);
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(html).toContain("no second token was made");
    expect(html).not.toContain('id="new-token"');
    const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(rows.filter((t) => t.name === "Reloaded")).toHaveLength(1);
  });

  it("revokes a token", async () => {
    const { user, browser } = await signedIn("Admin");
    await browser.post("/tokens", { _csrf: await browser.csrf(), name: "Old job" });
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    const res = await browser.post(`/tokens/${row?.id}/revoke`, { _csrf: await browser.csrf() });
    expect(res.status).toBe(303);
    const [after] = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(after?.revokedAt).not.toBeNull();
  });

  it("cannot revoke someone else's token", async () => {
    const owner = await signedIn("Admin");
    await owner.browser.post("/tokens", { _csrf: await owner.browser.csrf(), name: "Mine" });
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.userId, owner.user.id));
    const { browser } = await signedIn("Admin");
    expect((await browser.post(`/tokens/${row?.id}/revoke`, { _csrf: await browser.csrf() })).status).toBe(404);
    const [still] = await db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.id, row?.id ?? -1));
    expect(still?.revokedAt).toBeNull();
  });
});

describe("Roles", () => {
  it("describes what each role allows in words", async () => {
    const { browser } = await signedIn("Manager");
    const html = await (await browser.fetch("/roles")).text();
    expect(html).toContain("What the different roles allow");
    expect(html).toContain("Admin access");
    expect(html).toContain("Manage users");
    expect(html).toContain("Sees users, imports and their reports, but cannot import or change users.");
  });

  it("describes each role once", async () => {
    const { browser } = await signedIn("Manager");
    const html = await (await browser.fetch("/roles")).text();
    for (const allows of [
      "Uses the platform only: cannot see other users or imports here.",
      "Sees users, imports and their reports, but cannot import or change users.",
      "Sees users and imports, and imports and changes users.",
    ]) {
      expect(html.split(allows)).toHaveLength(2);
    }
    // The roles' stored descriptions said the same again in other words.
    expect(html).not.toContain("Has admin access to see users and imports");
    expect(html).not.toContain("Cannot see other users or change settings.");
  });
});
