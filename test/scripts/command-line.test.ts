import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../scripts/lib/database.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { projectRoot } from "../../scripts/lib/target.ts";

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `npm run <script> -- <args>` in the project as a person would, and collects what it printed. */
function npmRun(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn("npm", ["run", "--silent", script, "--", ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on("error", reject).on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

/** An error as the scripts must give one: a single line, no stack trace. */
function expectOneLine(run: Run, pattern: RegExp) {
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

let state: string;
let emptyState: string;

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "roster-scripts-"));
  emptyState = await mkdtemp(join(tmpdir(), "roster-scripts-empty-"));
  await migrateDatabase({ remote: false, persistTo: state });
});

afterAll(async () => {
  await rm(state, { recursive: true, force: true });
  await rm(emptyState, { recursive: true, force: true });
});

describe.concurrent("script errors are one line saying what to do", () => {
  it("token:create for a user who does not exist says to check the username or create an admin", async () => {
    const run = await npmRun("token:create", ["--username", "nosuchuser", "--persist-to", state]);
    expect(run.code).toBe(1);
    expectOneLine(run, /^There is no user nosuchuser on the local database: .*npm run admin:create/);
    expect(run.stdout).toBe("");
  });

  it("token:create on a database without tables says to run npm start first", async () => {
    const run = await npmRun("token:create", ["--username", "admin", "--persist-to", emptyState]);
    expect(run.code).toBe(1);
    expectOneLine(run, /has no tables yet: run npm start first/);
  });

  it("admin:create with a short password asks for a longer one", async () => {
    const run = await npmRun("admin:create", [
      "--username",
      "boss",
      "--email",
      "boss@example.com",
      "--password",
      "short",
      "--persist-to",
      state,
    ]);
    expect(run.code).toBe(2);
    expectOneLine(run, /^Choose a password of at least 10 characters\.$/);
  });

  it("admin:create with one of the most common passwords asks for another", async () => {
    const run = await npmRun("admin:create", [
      "--username",
      "boss",
      "--email",
      "boss@example.com",
      "--password",
      "Password123",
      "--persist-to",
      state,
    ]);
    expect(run.code).toBe(2);
    expectOneLine(run, /^This password is one of the most common ones, .*Choose another/);
  });

  it("admin:create with an option it does not know shows the usage", async () => {
    const run = await npmRun("admin:create", ["--usernme", "boss"]);
    expect(run.code).toBe(2);
    expectOneLine(run, /^Unknown option '--usernme'\. Usage: npm run admin:create -- --username U/);
  });

  it("admin:create with an email that is not one says how to write it", async () => {
    const run = await npmRun("admin:create", [
      "--username",
      "boss",
      "--email",
      "boss",
      "--password",
      "long enough pass",
      "--persist-to",
      state,
    ]);
    expect(run.code).toBe(2);
    expectOneLine(run, /^Give the admin an email address, as name@example\.com, with --email\.$/);
  });

  it("start on a port already in use says to stop what runs there or choose another", async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const run = await npmRun("start", ["--persist-to", emptyState], { PORT: String(port) });
      expect(run.code).toBe(1);
      expectOneLine(run, new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is in use: .*PORT=${port + 1} npm start`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("start with a PORT that is not a number says what to use", async () => {
    const run = await npmRun("start", [], { PORT: "eighty" });
    expect(run.code).toBe(2);
    expectOneLine(run, /^PORT=eighty is not a port number/);
  });
});

describe("admins and tokens from the command line", () => {
  it("creates an admin, then a token for it, printed alone on stdout", async () => {
    const created = await npmRun("admin:create", [
      "--username",
      "Casey",
      "--email",
      "casey@example.com",
      "--password",
      "casey-password-1",
      "--persist-to",
      state,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Admin Casey created on the local database/);
    const token = await npmRun("token:create", ["--username", "casey", "--persist-to", state]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toMatch(/^rst_[A-Za-z0-9_-]{43}\n$/);
  });

  it("refuses an admin whose email is another user's, naming that user", async () => {
    const run = await npmRun("admin:create", [
      "--username",
      "Drew",
      "--email",
      "CASEY@example.com",
      "--password",
      "drew-password-1",
      "--persist-to",
      state,
    ]);
    expect(run.code).toBe(1);
    expectOneLine(
      run,
      /^The email CASEY@example\.com is already user Casey's: give this admin another with --email\.$/,
    );
  });
});
