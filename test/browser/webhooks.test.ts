import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createToken } from "../../scripts/lib/admins.ts";
import { withDatabase } from "../../scripts/lib/database.ts";
import { openBrowser, signInAsAdmin, type screenshotter } from "./chromium";

const baseUrl = inject("baseUrl");

let browser: Browser;
let page: Page;
let errors: string[];
let shoot: Awaited<ReturnType<typeof screenshotter>>;
let server: Server;
let receiverUrl: string;
const bodies: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      bodies.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The receiver has no port.");
  receiverUrl = `http://127.0.0.1:${address.port}/roster`;
  ({ browser, page, errors, shoot } = await openBrowser(80, 89));
  await signInAsAdmin(page, baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("an admin connects a webhook receiver", () => {
  it("adds an endpoint from the menu, sees its secret once, and the receiver gets an import's end", async () => {
    await page.getByText("User menu", { exact: true }).click();
    await page.getByRole("link", { name: "Webhooks", exact: true }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.getByLabel("Signing secret", { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    await shoot(page, "webhook-secret");
    await page.goto(`${baseUrl}/webhooks`);
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByRole("cell", { name: "Active" }).count()).toBeGreaterThan(0);

    // An import's end reaches the receiver, signed with the secret the page showed.
    const token = await withDatabase({ remote: false, persistTo: inject("persistTo") }, (db) =>
      createToken(db, inject("adminUsername"), "webhooks page test"),
    );
    const res = await fetch(`${baseUrl}/api/imports?filename=hooked.csv&start=true`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv" },
      body: `employee_number,first_name,last_name,location,email,role\nbw1,Wes,Hook,Leeds,bw1@example.com,\n`,
    });
    const { id } = (await res.json()) as { id: string };
    const deadline = Date.now() + 30_000;
    while (!bodies.some((b) => b.body.includes(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const delivery = bodies.find((b) => b.body.includes(id));
    if (!delivery) throw new Error("The receiver got nothing.");
    expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: "import.completed" });

    await page.getByRole("link", { name: `Delivery log of ${receiverUrl}` }).click();
    await page.getByRole("cell", { name: delivery.headers["webhook-id"] }).waitFor();
    // This delivery's own row: other browser tests' imports end meanwhile and are logged too.
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: delivery.headers["webhook-id"] }) });
    expect(await row.getByRole("cell", { name: "200" }).count()).toBe(1);
    await shoot(page, "webhook-log");
  });

  it("rotates the secret and then deletes the endpoint", async () => {
    await page.getByRole("button", { name: "Rotate secret" }).click();
    expect(await page.getByLabel("Signing secret", { exact: true }).inputValue()).toMatch(/^whsec_/);
    await page.getByText("signed with the old secret too", { exact: false }).waitFor();
    await page.getByRole("button", { name: "Delete endpoint" }).click();
    await page.getByText("The endpoint was deleted.").waitFor();
    expect(await page.getByText(receiverUrl).count()).toBe(0);
    await shoot(page, "webhook-deleted");
    expect(errors).toEqual([]);
  });
});
