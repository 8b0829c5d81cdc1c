import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createToken } from "../../scripts/lib/admins.ts";
import { withDatabase } from "../../scripts/lib/database.ts";

/*
 * A receiver as an integrator would write one, in Node on 127.0.0.1, checking every delivery
 * from a real local Roster with the Standard Webhooks library rather than Roster's own code.
 */

const baseUrl = inject("baseUrl");
let token: string;

type Received = { path: string; headers: Record<string, string>; body: string; answered: number };
const received: Received[] = [];
let server: Server;
let receiverUrl: string;
const endpointIds: number[] = [];

/** What each path answers, in turn: the last status repeats. */
const answers: Record<string, number[]> = { "/ok": [200], "/checked": [200], "/flaky": [500, 204] };

const flatHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));

beforeAll(async () => {
  const made = await withDatabase({ remote: false, persistTo: inject("persistTo") }, (db) =>
    createToken(db, inject("adminUsername"), "webhook receiver test"),
  );
  if (made === null) throw new Error("The test admin has no account to make a token for.");
  token = made;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const turns = answers[path] ?? [404];
      const seen = received.filter((r) => r.path === path).length;
      const answered = turns[Math.min(seen, turns.length - 1)] ?? 404;
      received.push({
        path,
        headers: flatHeaders(req.headers),
        body: Buffer.concat(chunks).toString("utf8"),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The receiver has no port.");
  receiverUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  // Later test files import too: their events should not be sent to a receiver that is gone.
  for (const id of endpointIds) await api(`/api/webhooks/${id}`, { method: "DELETE" });
  await new Promise((resolve) => server.close(resolve));
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

async function createEndpoint(path: string): Promise<{ id: number; secret: string }> {
  const res = await api("/api/webhooks", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url: `${receiverUrl}${path}`, events: ["import.completed", "import.failed"] }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const endpoint = (await res.json()) as { id: number; secret: string };
  endpointIds.push(endpoint.id);
  return endpoint;
}

const n = `wh${Date.now().toString(36)}`;
let fileCount = 0;

/** Uploads and starts a one-line import; returns its id. */
async function startImport(): Promise<string> {
  fileCount += 1;
  const csv = `employee_number,first_name,last_name,location,email,role\n${n}${fileCount},Wanda,Hook,London,${n}${fileCount}@example.com,\n`;
  const res = await api("/api/imports?filename=hooks.csv&start=true", {
    method: "POST",
    headers: { "Content-Type": "text/csv" },
    body: csv,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The deliveries to `path` about this import, once there are `count` of them. */
async function deliveriesOf(path: string, importId: string, count: number, timeoutMs = 30_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.filter((r) => r.path === path && r.body.includes(importId));
    if (found.length >= count) return found;
    if (Date.now() > deadline)
      throw new Error(`${path} received ${found.length} deliveries of ${importId}, not ${count}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("webhooks, as a receiver on 127.0.0.1 gets them", () => {
  it("delivers an import's completion, signed so the Standard Webhooks library verifies it", async () => {
    const { secret } = await createEndpoint("/ok");
    const importId = await startImport();
    const [delivery] = await deliveriesOf("/ok", importId, 1);
    if (!delivery) throw new Error("no delivery");
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["webhook-id"]).toMatch(/^msg_/);
    expect(Math.abs(Number(delivery.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    const payload = new Webhook(secret).verify(delivery.body, delivery.headers);
    const shown = await (await api(`/api/imports/${importId}`)).json();
    expect(payload).toEqual({
      type: "import.completed",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      data: { import: shown },
    });
    expect(shown).toMatchObject({ id: importId, status: "completed", counts: { created: 1 } });
  });

  it("fails verification with any other secret, or a changed body", async () => {
    const { secret } = await createEndpoint("/checked");
    const importId = await startImport();
    const [delivery] = await deliveriesOf("/checked", importId, 1);
    if (!delivery) throw new Error("no delivery");
    expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: "import.completed" });
    const other = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
    expect(() => new Webhook(other).verify(delivery.body, delivery.headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(delivery.body.replace("completed", "failed"), delivery.headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it("tries again after a 500, with the same webhook-id, and logs both attempts", async () => {
    const { id, secret } = await createEndpoint("/flaky");
    const importId = await startImport();
    const [first, second] = await deliveriesOf("/flaky", importId, 2);
    if (!first || !second) throw new Error("no second attempt");
    expect(first.answered).toBe(500);
    expect(second.answered).toBe(204);
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.body).toBe(first.body);
    // Each attempt is signed afresh, for the moment it is sent.
    expect(new Webhook(secret).verify(second.body, second.headers)).toMatchObject({ type: "import.completed" });
    const log = (await (await api(`/api/webhooks/${id}/attempts`)).json()) as {
      attempts: { message_id: string; attempt: number; status_code: number; delivery_status: string }[];
    };
    const ofMessage = log.attempts.filter((a) => a.message_id === first.headers["webhook-id"]);
    expect(ofMessage.map((a) => [a.attempt, a.status_code])).toEqual([
      [2, 204],
      [1, 500],
    ]);
    expect(ofMessage.every((a) => a.delivery_status === "succeeded")).toBe(true);
  });
});
