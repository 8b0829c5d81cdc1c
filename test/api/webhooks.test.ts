import { beforeAll, describe, expect, it } from "vitest";
import { call, createUserWithToken } from "../helpers";

type Endpoint = {
  id: number;
  url: string;
  events: string[];
  status: string;
  disabled_at: string | null;
  failing_since: string | null;
  previous_secret_valid_until: string | null;
  secret?: string;
};
const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

let admin: string;
beforeAll(async () => {
  admin = (await createUserWithToken("Admin")).token;
});

async function createEndpoint(url: string, events = ["import.completed", "import.failed"]): Promise<Endpoint> {
  const res = await call(admin, "/api/webhooks", json({ url, events }));
  expect(res.status).toBe(201);
  return (await res.json()) as Endpoint;
}

describe("webhook endpoints in the API", () => {
  it("shows a new endpoint's secret once, in the answer that creates it", async () => {
    const created = await createEndpoint("https://hooks.example.com/roster", ["import.completed"]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      url: "https://hooks.example.com/roster",
      events: ["import.completed"],
      status: "active",
    });
    const list = await (await call(admin, "/api/webhooks")).text();
    expect(list).toContain("https://hooks.example.com/roster");
    expect(list).not.toContain(created.secret);
    expect(list).not.toContain("whsec_");
    expect(await (await call(admin, `/api/webhooks/${created.id}/attempts`)).text()).not.toContain("whsec_");
  });

  it("rotates a secret: the new one is shown once and the old one signs beside it for a day", async () => {
    const created = await createEndpoint("https://hooks.example.com/rotate");
    const res = await call(admin, `/api/webhooks/${created.id}/rotate-secret`, { method: "POST" });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Endpoint;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const until = Date.parse(rotated.previous_secret_valid_until ?? "");
    expect(until - Date.now()).toBeGreaterThan(23 * 3600_000);
    const list = await (await call(admin, "/api/webhooks")).text();
    expect(list).not.toContain(rotated.secret);
    expect(list).not.toContain(created.secret);
  });

  it("deletes an endpoint, and answers 404 for one that is not there", async () => {
    const created = await createEndpoint("https://hooks.example.com/delete");
    expect((await call(admin, `/api/webhooks/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await (await call(admin, "/api/webhooks")).text()).not.toContain("hooks.example.com/delete");
    const again = await call(admin, `/api/webhooks/${created.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect((await call(admin, "/api/webhooks/nope/rotate-secret", { method: "POST" })).status).toBe(404);
  });

  it("refuses people without the manage-users permission", async () => {
    for (const role of ["Manager", "Standard"] as const) {
      const { token } = await createUserWithToken(role);
      expect((await call(token, "/api/webhooks")).status).toBe(403);
      const res = await call(
        token,
        "/api/webhooks",
        json({ url: "https://hooks.example.com/x", events: ["import.failed"] }),
      );
      expect(res.status).toBe(403);
    }
  });

  it("refuses URLs that are not https://, or that point into a private network, saying what to use", async () => {
    for (const url of [
      "http://hooks.example.com/x",
      "ftp://hooks.example.com/x",
      "https://10.1.2.3/x",
      "https://192.168.0.9/",
      "https://169.254.169.254/latest",
      "https://[::1]/",
      "https://printer.local/",
      "https://user:pw@hooks.example.com/",
      "not a url",
    ]) {
      const res = await call(admin, "/api/webhooks", json({ url, events: ["import.completed"] }));
      expect(res.status, url).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code, url).toBe("invalid_url");
      expect(error.message, url).toMatch(/https:\/\/|user name/);
    }
  });

  it("accepts a receiver on this machine where the local setting allows it", async () => {
    const local = await createEndpoint("http://localhost:8123/hooks");
    expect(local.url).toBe("http://localhost:8123/hooks");
    await createEndpoint("http://127.0.0.1:9/hooks");
  });

  it("refuses an event it does not know, naming the field", async () => {
    const res = await call(
      admin,
      "/api/webhooks",
      json({ url: "https://hooks.example.com/e", events: ["import.exploded"] }),
    );
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain("events.0");
    const none = await call(admin, "/api/webhooks", json({ url: "https://hooks.example.com/e", events: [] }));
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain("at least one event");
  });
});
