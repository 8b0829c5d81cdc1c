import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookEndpoints } from "../../src/db/schema";
import { markImportQueued } from "../../src/db/imports";
import { recordWebhookEvent } from "../../src/db/webhooks";
import worker from "../../src/index";
import { deliverWebhook } from "../../src/webhooks/deliver-webhook";
import { call, createUserWithToken, csvOf, db, header, importCsv, unique, uploadCsv } from "../helpers";

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
type Attempt = {
  message_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  delivery_status: string;
};

// Nothing listens on port 1: every attempt there fails at once, as a receiver that is down.
const downReceiver = "http://127.0.0.1:1/hooks";

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

let admin: string;
let adminId: number;
beforeAll(async () => {
  const created = await createUserWithToken("Admin");
  admin = created.token;
  adminId = created.user.id;
});

async function createEndpoint(url: string, events = ["import.completed", "import.failed"]): Promise<Endpoint> {
  const res = await call(admin, "/api/webhooks", json({ url, events }));
  expect(res.status).toBe(201);
  return (await res.json()) as Endpoint;
}

async function listAttempts(id: number): Promise<Attempt[]> {
  const res = await call(admin, `/api/webhooks/${id}/attempts`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { attempts: Attempt[] }).attempts;
}

async function waitForAttempts(id: number, count: number): Promise<Attempt[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const attempts = await listAttempts(id);
    if (attempts.length >= count) return attempts;
    if (Date.now() > deadline) throw new Error(`endpoint ${id} has ${attempts.length} attempts, not ${count}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("webhook deliveries", () => {
  it("logs a failed attempt of an import's completion and schedules the next", async () => {
    const endpoint = await createEndpoint(downReceiver, ["import.completed"]);
    const n = unique("wh");
    const { imp } = await importCsv(admin, csvOf([header, [n, "Ada", "Hook", "", `${n}@example.com`, ""]]));
    expect(imp.status).toBe("completed");
    const [attempt] = await waitForAttempts(endpoint.id, 1);
    expect(attempt).toMatchObject({ attempt: 1, status_code: null, delivery_status: "pending" });
    expect(attempt?.message_id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(attempt?.error).toMatch(/^No answer/);
    const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    expect(JSON.parse(delivery?.payload ?? "")).toEqual({
      type: "import.completed",
      timestamp: expect.stringMatching(/Z$/),
      data: { import: await (await call(admin, `/api/imports/${imp.id}`)).json() },
    });
    expect((delivery?.nextAttemptAt.getTime() ?? 0) - Date.now()).toBeLessThan(6_000);
  });

  it("announces an import that was cancelled to the endpoints that want import.cancelled", async () => {
    const endpoint = await createEndpoint(downReceiver, ["import.cancelled"]);
    const n = unique("cx");
    const upload = await uploadCsv(admin, csvOf([header, [n, "Cy", "Cancel", "", `${n}@example.com`, ""]]));
    const { id } = (await upload.json()) as { id: string };
    // Queued without its message, so the cancel lands before the consumer sees the import.
    await markImportQueued(db, id, adminId, new Date());
    expect((await call(admin, `/api/imports/${id}/cancel`, { method: "POST" })).status).toBe(202);
    await env.IMPORT_QUEUE.send({ importId: id });
    await waitForAttempts(endpoint.id, 1);
    const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    const payload = JSON.parse(delivery?.payload ?? "") as {
      type: string;
      data: { import: { id: string; status: string } };
    };
    expect(payload.type).toBe("import.cancelled");
    expect(payload.data.import).toMatchObject({ id, status: "cancelled" });
  });

  it("announces a dry run's end with the same event, its import marked as a dry run", async () => {
    const endpoint = await createEndpoint(downReceiver, ["import.completed"]);
    const n = unique("dr");
    const upload = await uploadCsv(
      admin,
      csvOf([header, [n, "Dee", "Dry", "", `${n}@example.com`, ""]]),
      "filename=users.csv&dry_run=true&start=true",
    );
    const { id } = (await upload.json()) as { id: string };
    await waitForAttempts(endpoint.id, 1);
    const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    const payload = JSON.parse(delivery?.payload ?? "") as {
      type: string;
      data: { import: { id: string; status: string; dry_run: boolean } };
    };
    expect(payload.type).toBe("import.completed");
    expect(payload.data.import).toMatchObject({ id, status: "completed", dry_run: true });
  });

  it("disables an endpoint whose deliveries have all failed for five days, and enables it again", async () => {
    const endpoint = await createEndpoint(downReceiver, ["import.failed"]);
    await db
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 6 * 86_400_000) })
      .where(eq(webhookEndpoints.id, endpoint.id));
    await recordWebhookEvent(db, "import.failed", unique("subject"), "{}", new Date());
    const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    if (!delivery) throw new Error("no delivery was made");
    await deliverWebhook(env, db, delivery.id);
    const shown = ((await (await call(admin, "/api/webhooks")).json()) as { endpoints: Endpoint[] }).endpoints.find(
      (e) => e.id === endpoint.id,
    );
    expect(shown?.status).toBe("disabled");
    expect(shown?.disabled_at).not.toBeNull();
    const [after] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery.id));
    expect(after?.status).toBe("failed");
    // A disabled endpoint is given no new events.
    await recordWebhookEvent(db, "import.failed", unique("subject"), "{}", new Date());
    const deliveries = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    expect(deliveries).toHaveLength(1);
    const enabled = await call(admin, `/api/webhooks/${endpoint.id}/enable`, { method: "POST" });
    expect(enabled.status).toBe(200);
    expect(await enabled.json()).toMatchObject({ status: "active", disabled_at: null, failing_since: null });
  });

  it("sends again, from the scheduled job, a delivery whose queue message was lost", async () => {
    const endpoint = await createEndpoint(downReceiver, ["import.failed"]);
    const subject = unique("lost");
    await db.insert(webhookDeliveries).values({
      id: `msg_${subject}`,
      endpointId: endpoint.id,
      event: "import.failed",
      subject,
      payload: "{}",
      nextAttemptAt: new Date(Date.now() - 10 * 60_000),
    });
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }),
      env,
      createExecutionContext(),
    );
    const [attempt] = await waitForAttempts(endpoint.id, 1);
    expect(attempt?.message_id).toBe(`msg_${subject}`);
  });
});
