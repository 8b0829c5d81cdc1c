import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type FloorResult =
  | {
      ok: true;
      ms: number;
      schema: string;
      rows: number;
      created: number;
      updated: number;
      failed: number;
      warnings: number;
      node: string;
      sqlite: string;
      peakRssBytes: number;
    }
  | { ok: false; reason: string };

/**
 * Runs bench/floor.mjs on the file in a child process of this same Node, on a fresh database:
 * `minimal` is the floor proper; `roster` uses Roster's migrations, to show what its schema costs.
 */
export async function runFloor(file: string, schema: "minimal" | "roster"): Promise<FloorResult> {
  const node = process.execPath;
  const dir = await mkdtemp(join(tmpdir(), "roster-floor-"));
  try {
    const script = new URL("./floor.mjs", import.meta.url).pathname;
    const run = spawnSync(node, [script, file, join(dir, "floor.sqlite"), schema], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    const last = run.stdout.trim().split("\n").at(-1) ?? "";
    if (run.status !== 0 || !last.startsWith("{")) {
      return {
        ok: false,
        reason: `${node} bench/floor.mjs exited ${run.status}: ${(run.stderr || run.stdout).trim().split("\n").slice(0, 6).join(" | ")}`,
      };
    }
    return { ok: true, ...(JSON.parse(last) as Omit<Extract<FloorResult, { ok: true }>, "ok">) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
