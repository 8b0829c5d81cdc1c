import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../src/db/schema";
import { csrfIn, db, signedIn, unique } from "./helpers";

const secretIn = (html: string) => /id="new-secret" value="(whsec_[^"]+)"/.exec(html)?.[1];

/** Adds an endpoint through the page; returns the page shown and the endpoint's id. */
async function addEndpoint(browser: Awaited<ReturnType<typeof signedIn>>["browser"], url: string) {
  const page = await (await browser.fetch("/webhooks")).text();
  const formKey = /name="form_key" value="([^"]+)"/.exec(page)?.[1] ?? "";
  const res = await browser.post("/webhooks", {
    _csrf: csrfIn(page),
    form_key: formKey,
    url,
    events: "import.completed",
  });
  const html = await res.text();
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.url, url));
  return { res, html, formKey, id: row?.id ?? 0 };
}

describe("the Webhooks page", () => {
  it("adds an endpoint and shows its secret once", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("page")}`;
    const { res, html, id } = await addEndpoint(browser, url);
    expect(res.status).toBe(200);
    const secret = secretIn(html);
    expect(secret).toMatch(/^whsec_/);
    expect(html).toContain("It is shown only this once");
    const [stored] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(stored?.events).toEqual(["import.completed"]);
    for (const path of ["/webhooks", `/webhooks/${id}`]) {
      const later = await (await browser.fetch(path)).text();
      expect(later, path).toContain(url);
      expect(later, path).not.toContain(secret);
      expect(later, path).not.toContain("whsec_");
    }
  });

  it("adds nothing when the same form is sent again, and does not show the secret again", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("again")}`;
    const first = await addEndpoint(browser, url);
    const again = await browser.post("/webhooks", {
      _csrf: csrfIn(first.html),
      form_key: first.formKey,
      url,
      events: "import.completed",
    });
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(html).toContain("no second one was made");
    expect(html).not.toContain("whsec_");
    expect(await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.url, url))).toHaveLength(1);
  });

  it("says what URL to use when one is refused, keeping what was typed", async () => {
    const { browser } = await signedIn("Admin");
    const { res, html } = await addEndpoint(browser, "http://hooks.example.com/plain");
    expect(res.status).toBe(422);
    expect(html).toContain("Webhooks are sent only over HTTPS. Use an https:// URL");
    expect(html).toContain('value="http://hooks.example.com/plain"');
    const none = await browser.post("/webhooks", { _csrf: await browser.csrf(), url: "https://hooks.example.com/x" });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain("Choose at least one event to send.");
  });

  it("rotates a secret, showing the new one once", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("rotate")}`;
    const { html, id } = await addEndpoint(browser, url);
    const res = await browser.post(`/webhooks/${id}/rotate-secret`, { _csrf: csrfIn(html) });
    expect(res.status).toBe(200);
    const rotated = await res.text();
    const secret = secretIn(rotated);
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(secretIn(html));
    expect(rotated).toContain("signed with the old secret too");
    expect(await (await browser.fetch(`/webhooks/${id}`)).text()).not.toContain("whsec_");
  });

  it("shows each attempt in the endpoint's log, and a disabled endpoint can be enabled again", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("log")}`;
    const { id } = await addEndpoint(browser, url);
    const messageId = `msg_${unique("m")}`;
    await db.insert(webhookDeliveries).values({
      id: messageId,
      endpointId: id,
      event: "import.completed",
      subject: unique("import"),
      payload: "{}",
      status: "failed",
      nextAttemptAt: new Date(),
    });
    await db.insert(webhookAttempts).values([
      {
        deliveryId: messageId,
        endpointId: id,
        attempt: 1,
        statusCode: 503,
        error: "Answered 503",
        durationMs: 41,
        attemptedAt: new Date(),
      },
      {
        deliveryId: messageId,
        endpointId: id,
        attempt: 2,
        statusCode: null,
        error: "No answer within 15 seconds.",
        durationMs: 15000,
        attemptedAt: new Date(),
      },
    ]);
    await db
      .update(webhookEndpoints)
      .set({ disabledAt: new Date(), failingSince: new Date(Date.now() - 6 * 86_400_000) })
      .where(eq(webhookEndpoints.id, id));
    const page = await (await browser.fetch(`/webhooks/${id}`)).text();
    expect(page).toContain(messageId);
    expect(page).toContain("503");
    expect(page).toContain("No answer within 15 seconds.");
    expect(page).toContain("This endpoint is disabled.");
    const list = await (await browser.fetch("/webhooks")).text();
    expect(list).toContain("Disabled");
    const enabled = await browser.post(`/webhooks/${id}/enable`, { _csrf: csrfIn(page) });
    expect(enabled.status).toBe(303);
    const after = await (await browser.fetch(enabled.headers.get("Location") ?? "")).text();
    expect(after).toContain("The endpoint was enabled.");
    expect(after).not.toContain("This endpoint is disabled.");
  });

  it("deletes an endpoint", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("gone")}`;
    const { html, id } = await addEndpoint(browser, url);
    const res = await browser.post(`/webhooks/${id}/delete`, { _csrf: csrfIn(html) });
    expect(res.status).toBe(303);
    const list = await (await browser.fetch(res.headers.get("Location") ?? "")).text();
    expect(list).toContain("The endpoint was deleted.");
    expect(list).not.toContain(url);
    expect((await browser.fetch(`/webhooks/${id}`)).status).toBe(404);
  });

  it("refuses its forms without the session's CSRF token", async () => {
    const { browser } = await signedIn("Admin");
    const url = `https://hooks.example.com/${unique("csrf")}`;
    const { id } = await addEndpoint(browser, url);
    const forged = await browser.post("/webhooks", { url: `${url}/forged`, events: "import.completed" });
    expect(forged.status).toBe(403);
    for (const action of ["rotate-secret", "delete", "enable"]) {
      const res = await browser.post(`/webhooks/${id}/${action}`, { _csrf: "not-the-token" });
      expect(res.status, action).toBe(403);
    }
    const [stored] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(stored?.previousSecret).toBeNull();
  });

  it("is only for people who may import: 403 for a Manager or a Standard user", async () => {
    const { browser: admin } = await signedIn("Admin");
    const { id } = await addEndpoint(admin, `https://hooks.example.com/${unique("perm")}`);
    for (const role of ["Manager", "Standard"] as const) {
      const { browser } = await signedIn(role);
      for (const path of ["/webhooks", `/webhooks/${id}`]) {
        const res = await browser.fetch(path);
        expect(res.status, `${role} ${path}`).toBe(403);
        expect(await res.text()).toContain("manage-users permission");
      }
      const post = await browser.post("/webhooks", {
        _csrf: await browser.csrf(),
        url: "https://hooks.example.com/m",
        events: "import.completed",
      });
      expect(post.status).toBe(403);
      const menu = await (await browser.fetch("/tokens")).text();
      expect(menu).not.toContain('href="/webhooks"');
    }
    const menu = await (await admin.fetch("/tokens")).text();
    expect(menu).toContain('<a href="/webhooks">Webhooks</a>');
  });
});
