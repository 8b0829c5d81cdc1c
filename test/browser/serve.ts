import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import type { LocationInput } from "../../src/db/locations.ts";
import { seedLocations } from "../../scripts/demo-data.ts";
import { createAdmin } from "../../scripts/lib/admins.ts";
import { migrateDatabase, withDatabase } from "../../scripts/lib/database.ts";
import { freePort, killGroup } from "../../scripts/lib/processes.ts";

declare module "vitest" {
  interface ProvidedContext {
    baseUrl: string;
    adminUsername: string;
    adminPassword: string;
    /** The local state wrangler dev runs on, for a test that must set up what the pages can't. */
    persistTo: string;
  }
}

const root = resolve(import.meta.dirname, "../..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const adminUsername = "900001";
const adminPassword = "browser-test-password";
// Wrangler runs without prompts, telemetry or colours, on the repository's Node.
const wranglerEnv = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

/** The locations the browser tests' files name, by name, code and alias. */
const helpArticleLocations: LocationInput[] = [
  { name: "London", code: "LDN", aliases: ["London HQ"] },
  { name: "Manchester", code: "MAN", aliases: [] },
  { name: "Leeds", code: "LDS", aliases: ["Leeds Office"] },
];

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited with ${child.exitCode}; see test-results/wrangler-dev*.log`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `wrangler dev did not answer ${url}/healthz within ${timeoutMs} ms; see test-results/wrangler-dev*.log`,
  );
}

/**
 * Starts the Worker as `wrangler dev` does for a person, on a fresh local database with an admin
 * and three locations, logging to test-results/`logName`. Returns where it listens, and how to stop it.
 */
export async function startRoster(
  logName: string,
): Promise<{ baseUrl: string; persistTo: string; stop: () => Promise<void> }> {
  const persistTo = await mkdtemp(join(tmpdir(), "roster-browser-"));
  // The project's own scripts prepare the database, as `npm start` does.
  const target = { remote: false, persistTo };
  await migrateDatabase(target);
  await withDatabase(target, async (db) => {
    await createAdmin(db, {
      username: adminUsername,
      email: "avery.admin@example.com",
      password: adminPassword,
      firstName: "Avery",
      lastName: "Admin",
    });
    await seedLocations(db, helpArticleLocations);
  });

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  await mkdir(join(root, "test-results"), { recursive: true });
  const log = createWriteStream(join(root, "test-results", logName));
  const child = spawn(
    wrangler,
    [
      "dev",
      "--local",
      "--persist-to",
      persistTo,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      // As under npm start: the webhook tests' receivers listen on 127.0.0.1.
      "--var",
      "WEBHOOKS_ALLOW_LOCALHOST:true",
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, env: wranglerEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      // The whole process group: wrangler starts workerd as a child.
      killGroup(child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) killGroup(child.pid, "SIGKILL");
    }
    log.end();
    await rm(persistTo, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, persistTo, stop };
}

/** Starts the Roster the browser tests share, and tells them where it listens. */
export default async function setup(project: TestProject) {
  const { baseUrl, persistTo, stop } = await startRoster("wrangler-dev.log");
  project.provide("baseUrl", baseUrl);
  project.provide("adminUsername", adminUsername);
  project.provide("adminPassword", adminPassword);
  project.provide("persistTo", persistTo);
  return stop;
}
