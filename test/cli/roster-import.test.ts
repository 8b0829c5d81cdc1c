import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createToken } from "../../scripts/lib/admins.ts";
import { withDatabase } from "../../scripts/lib/database.ts";
import { cli, runImporter } from "./run-importer.ts";

const baseUrl = inject("baseUrl");
let token: string;
let dir: string;

beforeAll(async () => {
  const made = await withDatabase({ remote: false, persistTo: inject("persistTo") }, (db) =>
    createToken(db, inject("adminUsername"), "roster-import test"),
  );
  if (made === null) throw new Error("The test admin has no account to make a token for.");
  token = made;
  dir = await mkdtemp(join(tmpdir(), "roster-import-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the importer on a terminal, as a person would: `script` (util-linux) gives it a
 * pseudo-terminal and copies what it writes there, stdout and stderr as one.
 */
function runImporterOnTerminal(args: string[]): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((done) => {
    execFile(
      "script",
      ["--quiet", "--return", "--command", command, "/dev/null"],
      { env: { ...process.env, ROSTER_URL: "", ROSTER_TOKEN: "", TERM: "dumb" } },
      (err, stdout) => {
        done({ code: err ? Number(err.code) : 0, screen: stdout });
      },
    );
  });
}

/** The percentages of the progress lines, in order. */
const progressShares = (stdout: string) =>
  [...stdout.matchAll(/^Progress: (\d+)% \(([\d,]+) of ([\d,]+) users\), (\w+)$/gm)].map((m) => ({
    percent: Number(m[1]),
    processed: Number(m[2]?.replace(/,/g, "")),
    status: m[4],
  }));

/**
 * A number written in letters (0 is "a", 26 is "ba"), for the names of the many users the
 * progress tests import: the browser tests share this Roster and search its names for digits.
 */
function letters(i: number): string {
  let text = "";
  let rest = i;
  do {
    text = String.fromCharCode(97 + (rest % 26)) + text;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return text;
}

let counter = 0;
async function csvFile(lines: string[]): Promise<string> {
  counter += 1;
  const path = join(dir, `users-${counter}.csv`);
  await writeFile(path, ["employee_number,first_name,last_name,location,email,role", ...lines].join("\n") + "\n");
  return path;
}

const n = `cli${Date.now().toString(36)}`;
const number = (count: number) => count.toLocaleString("en-GB");

describe("roster-import", () => {
  it("imports a file, prints the summary, and exits 0 when every line imported", async () => {
    const file = await csvFile([
      `${n}1,Ada,One,London,${n}1@example.com,`,
      `${n}2,Bo,Two,LDN,${n}2@example.com,Manager`,
    ]);
    const run = await runImporter([file, "--url", baseUrl, "--token", token]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Roster found 2 users");
    expect(run.stdout).toContain(
      // The new Manager is reported as a new admin; a warning still exits 0.
      "2 out of 2 users imported: 2 created, 0 updated, 0 unchanged, 0 failed, 1 with warnings.",
    );
  });

  it("shows an import's progress as it runs, in lines of the log when its output is not a terminal", async () => {
    // Fifteen chunks: long enough to be seen part of the way through.
    const rows = 15 * 8_000;
    const lines = Array.from(
      { length: rows },
      (_, i) => `${n}p${i},Pat,Row${letters(i)},London,${n}p${i}@example.com,`,
    );
    const file = await csvFile(lines);
    const run = await runImporter([file, "--url", baseUrl, "--token", token]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const shares = progressShares(run.stdout);
    expect(shares.at(-1)).toEqual({ percent: 100, processed: rows, status: "completed" });
    expect(shares.some((s) => s.processed > 0 && s.processed < rows)).toBe(true);
    expect(shares.map((s) => s.processed)).toEqual(shares.map((s) => s.processed).sort((a, b) => a - b));
    // A line for each change of status or tenth of the way, never one per poll.
    expect(shares.length).toBeLessThanOrEqual(14);
    const out = run.stdout.split("\n");
    expect(out.findIndex((l) => l.startsWith("Progress:"))).toBeGreaterThan(
      out.findIndex((l) => l.startsWith("Uploaded")),
    );
    expect(out.findIndex((l) => l.startsWith(`${number(rows)} out of`))).toBeGreaterThan(
      out.findLastIndex((l) => l.startsWith("Progress:")),
    );
  });

  it("draws a progress bar on a terminal as the import runs, and nothing of progress with --quiet", async () => {
    const rows = 12 * 8_000;
    const file = await csvFile(
      Array.from({ length: rows }, (_, i) => `${n}t${i},Tia,Term${letters(i)},London,${n}t${i}@example.com,`),
    );
    const shown = await runImporterOnTerminal([file, "--url", baseUrl, "--token", token]);
    expect(shown.code).toBe(0);
    // Each poll redraws the bar in place: a carriage return, then the bar.
    const frames = [...shown.screen.matchAll(/\r\[([#.]{30})\] +(\d+)% {2}([\d,]+) of ([\d,]+) users {2}(\w+)/g)];
    const percents = frames.map((f) => Number(f[2]));
    expect(percents.at(-1)).toBe(100);
    expect(frames.at(-1)?.[1]).toBe("#".repeat(30));
    expect(frames.at(-1)?.[5]).toBe("completed");
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(shown.screen).not.toContain("Progress:");
    expect(shown.screen).toContain(`${number(rows)} out of ${number(rows)} users imported`);

    const quietFile = await csvFile([`${n}q1,Tom,Term,London,${n}q1@example.com,`]);
    const quiet = await runImporterOnTerminal([quietFile, "--url", baseUrl, "--token", token, "--quiet"]);
    expect(quiet.code).toBe(0);
    expect(quiet.screen).not.toMatch(/\[[#.]{30}\]/);
    expect(quiet.screen).toContain("1 out of 1 users imported: 1 created");
    const piped = await runImporter([
      await csvFile([`${n}q2,Tao,Pipe,London,${n}q2@example.com,`]),
      "--url",
      baseUrl,
      "--token",
      token,
      "--quiet",
    ]);
    expect(piped.stdout).not.toContain("Progress:");
  });

  it("stops following an import an admin cancels, says so, and exits 4", async () => {
    const rows = 15 * 8_000;
    const file = await csvFile(
      Array.from({ length: rows }, (_, i) => `${n}c${i},Cas,Row${letters(i)},London,${n}c${i}@example.com,`),
    );
    const running = runImporter([file, "--url", baseUrl, "--token", token]);
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${baseUrl}/api${path}`, { ...init, headers: { Authorization: `Bearer ${token}` } });
    // The admin finds the import while it runs, as on the Imports page, and cancels it.
    let cancelled = false;
    for (let tries = 0; tries < 300 && !cancelled; tries++) {
      const { imports } = (await (await api("/imports?limit=20")).json()) as {
        imports: { id: string; file_name: string; status: string }[];
      };
      const imp = imports.find((i) => i.file_name === basename(file));
      if (imp?.status === "queued" || imp?.status === "processing")
        cancelled = (await api(`/imports/${imp.id}/cancel`, { method: "POST" })).status === 202;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(cancelled).toBe(true);
    const run = await running;
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/The import was cancelled after [\d,]+ of 120,000 users\./);
    const shares = progressShares(run.stdout);
    expect(shares.at(-1)?.status).toBe("cancelled");
    expect(shares.at(-1)?.processed).toBeLessThan(rows);
  });

  it("writes the failed lines next to the file and exits 1", async () => {
    const file = await csvFile([
      `${n}3,Cy,Three,London,${n}3@example.com,`,
      `${n}4,Di,Four,Atlantis,${n}4@example.com,`,
    ]);
    const run = await runImporter([file, "--url", baseUrl, "--token", token]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("1 out of 2 users imported: 1 created, 0 updated, 0 unchanged, 1 failed");
    const failed = file.replace(/\.csv$/, ".failed.csv");
    expect(run.stdout).toContain(`The 1 failed lines are in ${failed}`);
    const text = (await readFile(failed, "utf8")).replace(/^\uFEFF/, "");
    expect(text.trim().split("\r\n")).toEqual([
      "employee_number,first_name,last_name,location,email,role",
      `${n}4,Di,Four,Atlantis,${n}4@example.com,`,
    ]);
  });

  it("checks every line with --dry-run, changing nothing, and says how to import the same file", async () => {
    const file = await csvFile([
      `${n}5,Ed,Five,London,${n}5@example.com,`,
      `${n}6,Flo,Six,Atlantis,${n}6@example.com,`,
    ]);
    const run = await runImporter([file, "--url", baseUrl, "--token", token, "--dry-run"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Checking every line (dry run)");
    expect(run.stdout).toContain(
      "Dry run, nothing was changed. Importing this file would import 1 out of 2 users: 1 created, 0 updated, 0 unchanged, 1 failed",
    );
    const id = /\/imports\/([0-9a-f-]{36})/.exec(run.stdout)?.[1] ?? "";
    expect(run.stdout).toContain(`POST ${baseUrl}/api/imports/${id}/apply`);
    expect(run.stdout).toContain(`The 1 lines that would fail are in ${file.replace(/\.csv$/, ".failed.csv")}`);
    const user = await fetch(`${baseUrl}/api/users/${n}5`, { headers: { Authorization: `Bearer ${token}` } });
    expect(user.status).toBe(404);
    const applied = await fetch(`${baseUrl}/api/imports/${id}/apply`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(applied.status).toBe(201);
  });

  it("says why Roster refused a file, and exits 3", async () => {
    const path = join(dir, "names.csv");
    await writeFile(path, "first_name,last_name\nAda,Lovelace\n");
    const run = await runImporter([path, "--url", baseUrl, "--token", token]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("Roster refused the file, and imported nothing:");
    expect(run.stderr).toContain("(missing_columns)");
  });

  it("exits 3 on a token Roster does not know, and 2 when used wrongly", async () => {
    const file = await csvFile([`${n}5,Ed,Five,London,${n}5@example.com,`]);
    expect((await runImporter([file, "--url", baseUrl, "--token", "rst_not-a-token"])).code).toBe(3);
    const noToken = await runImporter([file, "--url", baseUrl]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("Give an API token with --token");
    expect((await runImporter([join(dir, "missing.csv"), "--url", baseUrl, "--token", token])).code).toBe(2);
  });
});
