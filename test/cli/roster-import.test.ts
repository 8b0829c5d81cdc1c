import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createToken } from "../../scripts/lib/admins.ts";
import { withDatabase } from "../../scripts/lib/database.ts";

const cli = resolve(import.meta.dirname, "../../bin/roster-import.mjs");
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

/** Runs the importer as a person would, and gives its exit code and output. */
function runImporter(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ROSTER_URL: "", ROSTER_TOKEN: "" } },
      (err, stdout, stderr) => {
        done({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

let counter = 0;
async function csvFile(lines: string[]): Promise<string> {
  counter += 1;
  const path = join(dir, `users-${counter}.csv`);
  await writeFile(path, ["employee_number,first_name,last_name,location,email,role", ...lines].join("\n") + "\n");
  return path;
}

const n = `cli${Date.now().toString(36)}`;

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
