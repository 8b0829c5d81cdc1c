import { spawnSync } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export type FloorResult =
  | { ok: true; ms: number; schema: string; rows: number; created: number; updated: number; failed: number; warnings: number; node: string; sqlite: string; peakRssBytes: number }
  | { ok: false; reason: string };

/**
 * The system's Node: the first `node` on PATH outside node_modules. better-sqlite3 was built at
 * install time against its headers (npm's nodedir=/usr), so only that Node can load it.
 */
export function findSystemNode(): string | null {
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      if (real.includes("node_modules") || seen.has(real)) continue;
      seen.add(real);
      return candidate;
    } catch {
      // Not in this PATH entry.
    }
  }
  return null;
}

/**
 * Runs bench/floor.mjs on the file with the system Node in a child process, on a fresh database:
 * `minimal` is the floor proper; `roster` uses Roster's migrations, to show what its schema costs.
 */
export async function runFloor(file: string, schema: "minimal" | "roster"): Promise<FloorResult> {
  const node = findSystemNode();
  if (!node) return { ok: false, reason: "No node outside node_modules on PATH to load better-sqlite3 with." };
  const dir = await mkdtemp(join(tmpdir(), "roster-floor-"));
  try {
    const script = new URL("./floor.mjs", import.meta.url).pathname;
    const run = spawnSync(node, [script, file, join(dir, "floor.sqlite"), schema], { encoding: "utf8", maxBuffer: 1 << 20 });
    const last = run.stdout.trim().split("\n").at(-1) ?? "";
    if (run.status !== 0 || !last.startsWith("{")) {
      return { ok: false, reason: `${node} bench/floor.mjs exited ${run.status}: ${(run.stderr || run.stdout).trim().split("\n").slice(0, 6).join(" | ")}` };
    }
    return { ok: true, ...(JSON.parse(last) as Omit<Extract<FloorResult, { ok: true }>, "ok">) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
