import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createLocation, findLocation } from "../../src/db/locations";
import { apiTokens, imports, roles, users } from "../../src/db/schema";
import { createUser, csrfIn, db, signedIn, unique, type Browser } from "./helpers";

type Encoding = "multipart" | "urlencoded";

/** Posts a form's fields as a browser does for `<form enctype=…>`: multipart or urlencoded. */
function send(browser: Browser, path: string, fields: Record<string, string>, encoding: Encoding) {
  if (encoding === "urlencoded") return browser.post(path, fields);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return browser.fetch(path, { method: "POST", body: form });
}

async function upload(browser: Browser, csv: string) {
  const form = new FormData();
  form.set("_csrf", await browser.csrf());
  form.set("file", new File([csv], "users.csv", { type: "text/csv" }));
  const res = await browser.fetch("/imports", { method: "POST", body: form });
  expect(res.status).toBe(303);
  return (res.headers.get("Location") ?? "").split("/").pop() ?? "";
}

describe.each<Encoding>(["urlencoded", "multipart"])("every form, sent %s", (encoding) => {
  it("creates and revokes an API token", async () => {
    const { browser, user } = await signedIn("Admin");
    const name = unique("Sync ");
    const created = await send(
      browser,
      "/tokens",
      { _csrf: await browser.csrf(), name, form_key: crypto.randomUUID() },
      encoding,
    );
    expect(created.status).toBe(200);
    expect(await created.text()).toContain("Copy it now");
    const [token] = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(token?.name).toBe(name);
    const revoked = await send(browser, `/tokens/${token?.id}/revoke`, { _csrf: await browser.csrf() }, encoding);
    expect(revoked.status).toBe(303);
  });

  it("adds and edits a location", async () => {
    const { browser } = await signedIn("Admin");
    const name = unique("Ely ");
    const added = await send(
      browser,
      "/locations",
      { _csrf: await browser.csrf(), name, code: "", aliases: "" },
      encoding,
    );
    expect(added.status).toBe(303);
    const location = await createLocation(db, { name: unique("Ripon ") });
    const renamed = unique("Ripon North ");
    const edited = await send(
      browser,
      `/locations/${location.id}`,
      { _csrf: await browser.csrf(), name: renamed, code: "", aliases: "" },
      encoding,
    );
    expect(edited.status).toBe(303);
    expect((await findLocation(db, location.id))?.name).toBe(renamed);
  });

  it("saves a user's locks, role and location", async () => {
    const user = await createUser("Standard");
    const [manager] = await db.select().from(roles).where(eq(roles.nameKey, "manager"));
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    const saved = await send(
      browser,
      `/users/${user.employeeNumber}`,
      { _csrf: csrfIn(html), role_id: String(manager?.id), location_id: "", location_locked: "on" },
      encoding,
    );
    expect(saved.status).toBe(303);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ roleId: manager?.id, locationLocked: true });
  });

  it("cancels a previewed import and starts another", async () => {
    const { browser } = await signedIn("Admin");
    const csv = `employee_number,first_name,last_name,location,email\n${unique("f")},A,B,Nowhere,\n`;
    const cancelled = await upload(browser, csv);
    expect(
      (await send(browser, `/imports/${cancelled}/cancel`, { _csrf: await browser.csrf() }, encoding)).status,
    ).toBe(303);
    expect(await db.select().from(imports).where(eq(imports.id, cancelled))).toHaveLength(0);
    const started = await upload(browser, csv);
    expect((await send(browser, `/imports/${started}/start`, { _csrf: await browser.csrf() }, encoding)).status).toBe(
      303,
    );
    const [row] = await db.select().from(imports).where(eq(imports.id, started));
    expect(row?.status).not.toBe("ready");
  });

  it("signs out", async () => {
    const { browser } = await signedIn("Standard");
    const res = await send(browser, "/sign-out", { _csrf: await browser.csrf() }, encoding);
    expect(res.status).toBe(303);
    expect((await browser.fetch("/tokens")).status).toBe(303);
  });

  it("refuses a form with the right token sent from another site", async () => {
    const { browser } = await signedIn("Admin");
    const form = new FormData();
    form.set("_csrf", await browser.csrf());
    form.set("name", unique("Elsewhere "));
    const body =
      encoding === "multipart"
        ? form
        : new URLSearchParams({ _csrf: await browser.csrf(), name: unique("Elsewhere ") });
    const res = await browser.fetch("/locations", {
      method: "POST",
      body,
      headers: { Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This form has expired or did not come from Roster");
  });
});
