import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { hashPassword } from "../../src/auth/passwords.ts";

declare module "vitest" {
  interface ProvidedContext {
    baseUrl: string;
    adminUsername: string;
    adminPassword: string;
  }
}

const root = resolve(import.meta.dirname, "../..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const run = promisify(execFile);
const adminUsername = "900001";
const adminPassword = "browser-test-password";
// Wrangler runs without prompts, telemetry or colours, on the repository's Node.
const wranglerEnv = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function d1(persistTo: string, ...args: string[]) {
  await run(wrangler, ["d1", ...args, "--local", "--persist-to", persistTo], { cwd: root, env: wranglerEnv });
}

/** The admin who signs in, and the locations the help article's example file names. */
async function seedSql(): Promise<string> {
  const hash = await hashPassword(adminPassword);
  const statements = [
    `INSERT INTO users (employee_number, employee_key, first_name, last_name, email, email_key, role_id, password_hash)
     VALUES (${sqlText(adminUsername)}, ${sqlText(adminUsername)}, 'Avery', 'Admin', 'avery.admin@example.com', 'avery.admin@example.com',
       (SELECT id FROM roles WHERE name_key = 'admin'), ${sqlText(hash)})`,
  ];
  const locations: [name: string, code: string, aliases: string[]][] = [
    ["London", "LDN", ["London HQ"]],
    ["Manchester", "MAN", []],
    ["Leeds", "LDS", ["Leeds Office"]],
  ];
  for (const [name, code, aliases] of locations) {
    statements.push(`INSERT INTO locations (name, code) VALUES (${sqlText(name)}, ${sqlText(code)})`);
    const keys: [string, string][] = [[name, "name"], [code, "code"], ...aliases.map((a): [string, string] => [a, "alias"])];
    for (const [label, kind] of keys) {
      statements.push(
        `INSERT INTO location_keys (key, location_id, kind, label)
         VALUES (${sqlText(label.toLowerCase())}, (SELECT id FROM locations WHERE name = ${sqlText(name)}), ${sqlText(kind)}, ${sqlText(label)})`,
      );
    }
  }
  return statements.join(";\n") + ";";
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}; see test-results/wrangler-dev.log`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/healthz within ${timeoutMs} ms; see test-results/wrangler-dev.log`);
}

/**
 * Starts the Worker as `wrangler dev` does for a person, on a fresh local database with an admin
 * and three locations, and tells the tests where it listens.
 */
export default async function setup(project: TestProject) {
  const persistTo = await mkdtemp(join(tmpdir(), "roster-browser-"));
  await d1(persistTo, "migrations", "apply", "DB");
  await d1(persistTo, "execute", "DB", "--command", await seedSql());

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  await mkdir(join(root, "test-results"), { recursive: true });
  const log = createWriteStream(join(root, "test-results/wrangler-dev.log"));
  const child = spawn(
    wrangler,
    ["dev", "--local", "--persist-to", persistTo, "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"],
    { cwd: root, env: wranglerEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      // The whole process group: wrangler starts workerd as a child.
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
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
  project.provide("baseUrl", baseUrl);
  project.provide("adminUsername", adminUsername);
  project.provide("adminPassword", adminPassword);
  return stop;
}
