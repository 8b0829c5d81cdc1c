import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createToken } from "../../scripts/lib/admins.ts";
import { withDatabase } from "../../scripts/lib/database.ts";
import { startRoster } from "../browser/serve";
import { runImporter } from "./run-importer.ts";

// A Roster of its own: a sync deactivates every imported user its file lacks, and the shared one
// holds the other tests' users.
let roster: Awaited<ReturnType<typeof startRoster>>;
let token = "";
let dir = "";

beforeAll(async () => {
  roster = await startRoster("wrangler-dev-cli-sync.log");
  const made = await withDatabase({ remote: false, persistTo: roster.persistTo }, (db) =>
    createToken(db, inject("adminUsername"), "roster-import sync test"),
  );
  if (made === null) throw new Error("The test admin has no account to make a token for.");
  token = made;
  dir = await mkdtemp(join(tmpdir(), "roster-import-sync-"));
});

afterAll(async () => {
  await roster?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A file of the users s0 … s<count - 1>, as an HR export names them. */
async function staffFile(name: string, count: number): Promise<string> {
  const path = join(dir, name);
  const lines = Array.from({ length: count }, (_, i) => `s${i},Staff,Member${i},London,s${i}@example.com,`);
  await writeFile(path, ["employee_number,first_name,last_name,location,email,role", ...lines].join("\n") + "\n");
  return path;
}

const run = (file: string, ...flags: string[]) =>
  runImporter([file, "--url", roster.baseUrl, "--token", token, ...flags]);

async function statusOf(employeeNumber: string): Promise<string> {
  const res = await fetch(`${roster.baseUrl}/api/users/${employeeNumber}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { status: string }).status;
}

describe("roster-import --sync", () => {
  it("checks a sync with --dry-run, is refused above the guardrail, then deactivates the leavers once confirmed", async () => {
    // Ten imported users and the admin: the guardrail lets a sync deactivate 1 of the 11 unconfirmed.
    expect((await run(await staffFile("all.csv", 10))).code).toBe(0);
    const stayers = await staffFile("stayers.csv", 8);

    const dry = await run(stayers, "--sync", "--dry-run");
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Checking every line (dry run of a sync)");
    expect(dry.stdout).toContain("As a sync, it would also deactivate 2 users the file does not name");
    expect(await statusOf("s8")).toBe("active");

    const refused = await run(stayers, "--sync");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      "This sync would deactivate 2 of the 11 active users, more than the 1 it may without confirming, so nothing was imported.",
    );
    expect(refused.stderr).toContain("run again with --confirm-deactivations 2.");
    expect(await statusOf("s9")).toBe("active");

    const mistyped = await run(stayers, "--sync", "--confirm-deactivations", "3");
    expect(mistyped.code).toBe(3);
    expect(mistyped.stderr).toContain("You confirmed 3: the users changed since, or the number was mistyped.");

    const synced = await run(stayers, "--sync", "--confirm-deactivations", "2");
    expect(synced.stderr).toBe("");
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain("Importing as a sync…");
    expect(synced.stdout).toContain("8 out of 8 users imported: 0 created, 0 updated, 8 unchanged");
    expect(synced.stdout).toContain("2 users deactivated because the file does not name them");
    expect(await statusOf("s8")).toBe("deactivated");
    expect(await statusOf("s9")).toBe("deactivated");
    expect(await statusOf("s7")).toBe("active");
  });

  it("takes --confirm-deactivations only with --sync, and only as a number", async () => {
    const file = await staffFile("one.csv", 1);
    const alone = await run(file, "--confirm-deactivations", "2");
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("--confirm-deactivations goes with --sync.");
    const words = await run(file, "--sync", "--confirm-deactivations", "two");
    expect(words.code).toBe(2);
    expect(words.stderr).toContain("--confirm-deactivations takes the number the refused sync gave");
  });
});
