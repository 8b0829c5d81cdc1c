import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { demoLocations, seedLocations } from "../scripts/demo-data.ts";
import { createAdmin, createToken } from "../scripts/lib/admins.ts";
import { migrateDatabase, withDatabase } from "../scripts/lib/database.ts";
import type { Target } from "../scripts/lib/target.ts";
import { freePort, killGroup } from "../scripts/lib/processes.ts";

export type Roster = WranglerDev & { token: string; admin: { username: string; password: string } };

const running = new Set<number>();

// Whatever way the benchmark ends, no wrangler dev may outlive it holding a port and memory.
process.on("exit", () => {
  for (const pid of running) killGroup(pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid, "SIGKILL");
    process.exit(130);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

const tail = (path: string) => readFileSync(path, "utf8").split("\n").slice(-40).join("\n");

/** A `wrangler dev` running in a process group of its own, on a fresh state directory. */
export type WranglerDev = {
  baseUrl: string;
  pid: number;
  stateDir: string;
  logPath: string;
  inspectorPort: number;
  child: ChildProcess;
};

/**
 * Starts `wrangler dev --local` on `stateDir` in a process group of its own and waits until
 * `readyPath` answers. `config` picks another wrangler.toml than the project's.
 */
export async function startWranglerDev(
  stateDir: string,
  logPath: string,
  options: { v8Flags?: string; config?: string; readyPath: string },
): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const log = openSync(logPath, "w");
  const child = spawn(
    "wrangler",
    [
      "dev",
      ...(options.config ? ["--config", options.config] : []),
      "--local",
      "--persist-to",
      stateDir,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
    ],
    {
      detached: true,
      stdio: ["ignore", log, log],
      // Miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd: every isolate of the runtime gets them.
      // A dev registry of its own: when another wrangler dev on this machine starts or stops, wrangler
      // reloads every runtime that shares the registry, and a run would end mid-import.
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_REGISTRY_PATH: join(stateDir, "registry"),
        // The benchmark reads the queue deliveries and the rows written from wrangler's log.
        WRANGLER_LOG: "log",
        ...(options.v8Flags ? { MINIFLARE_WORKERD_V8_FLAGS: options.v8Flags } : {}),
      },
    },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error("wrangler dev did not start.");
  running.add(pid);
  const dev = { baseUrl: `http://127.0.0.1:${port}`, pid, stateDir, logPath, inspectorPort, child };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${dev.baseUrl}${options.readyPath}`)).ok) return dev;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await stopWranglerDev(dev);
  throw new Error(`wrangler dev did not answer ${options.readyPath} within 2 minutes. Its log ends:\n${tail(logPath)}`);
}

/** Stops the whole process group (wrangler, its Node child, workerd) and deletes the state. */
export async function stopWranglerDev(dev: WranglerDev): Promise<void> {
  killGroup(dev.pid, "SIGTERM");
  const stopped = await Promise.race([exited(dev.child).then(() => true), sleep(10_000).then(() => false)]);
  // workerd may outlive its parent for a moment; the group kill reaches it wherever it is.
  killGroup(dev.pid, stopped ? "SIGTERM" : "SIGKILL");
  await sleep(500);
  killGroup(dev.pid, "SIGKILL");
  running.delete(dev.pid);
  await rm(dev.stateDir, { recursive: true, force: true });
}

/**
 * Prepares a fresh local state with the project's own scripts (migrations, demo locations, an
 * admin and an API token), then starts Roster on it with `wrangler dev`.
 */
export async function startRoster(logPath: string, options: { v8Flags?: string } = {}): Promise<Roster> {
  const stateDir = await mkdtemp(join(tmpdir(), "roster-bench-"));
  const target: Target = { remote: false, persistTo: stateDir };
  await migrateDatabase(target);
  const admin = {
    username: "bench-admin",
    email: "bench-admin@example.com",
    password: randomBytes(18).toString("base64url"),
  };
  const token = await withDatabase(target, async (db) => {
    await seedLocations(db, demoLocations);
    await createAdmin(db, admin);
    return createToken(db, admin.username, "benchmark");
  });
  if (token === null) throw new Error("The benchmark's admin was not created.");
  const config = await benchConfig(stateDir);
  return {
    ...(await startWranglerDev(stateDir, logPath, { v8Flags: options.v8Flags, readyPath: "/healthz", config })),
    token,
    admin,
  };
}

export const stopRoster = stopWranglerDev;

/**
 * The project's wrangler.toml with the API's per-token allowances raised out of reach: the
 * benchmark polls and loads the API with one token far past what a person or script may. Written
 * beside the state with the project's paths made absolute, so it reads the same code and files.
 */
async function benchConfig(stateDir: string): Promise<string> {
  const root = join(import.meta.dirname, "..");
  const config = (await readFile(join(root, "wrangler.toml"), "utf8"))
    .replace(/^main = "(.+)"$/m, (_, path: string) => `main = ${JSON.stringify(join(root, path))}`)
    .replace(/^migrations_dir = "(.+)"$/m, (_, path: string) => `migrations_dir = ${JSON.stringify(join(root, path))}`)
    .replace(/^directory = "(.+)"$/m, (_, path: string) => `directory = ${JSON.stringify(join(root, path))}`)
    .replace(/simple = \{ limit = \d+, period = 60 \}/g, "simple = { limit = 1000000, period = 60 }");
  const path = join(stateDir, "wrangler.toml");
  await writeFile(path, config);
  return path;
}

/** Bytes on disk under the state directory: what D1 and R2 keep after an import. */
export async function stateBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * The queue deliveries wrangler dev logged ("QUEUE roster-imports 1/1 (4940ms)"): how long the
 * consumer itself ran. With one import per runtime, they are all that import's.
 */
export function queueDeliveries(logPath: string, queue: string): { count: number; totalMs: number; longestMs: number } {
  // wrangler colours its log; strip the escapes before matching.
  const text = readFileSync(logPath, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
  const durations = [...text.matchAll(new RegExp(`QUEUE ${queue} \\d+/\\d+ \\((\\d+)ms\\)`, "g"))].map((m) =>
    Number(m[1]),
  );
  return {
    count: durations.length,
    totalMs: durations.reduce((a, b) => a + b, 0),
    longestMs: Math.max(0, ...durations),
  };
}
