import { spawn } from "node:child_process";
import { join } from "node:path";
import { CommandError } from "./command-error.ts";
import { projectRoot } from "./target.ts";

export const wranglerBin = join(projectRoot, "node_modules/wrangler/bin/wrangler.js");

/**
 * What wrangler needs to run quietly and without a network: no telemetry, no banner (nor the
 * update check behind it), no fetch of the `Request.cf` object (its placeholder will do).
 */
export const quietWranglerEnv = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/**
 * Runs this project's wrangler on the Node running this script (the project's own), without
 * prompts, and returns what it printed; a failure is a CommandError with wrangler's error line.
 */
export async function runWrangler(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [wranglerBin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...quietWranglerEnv, CI: "true", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => child.on("error", reject).on("close", resolve));
  if (code !== 0) {
    const lines = out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const reason =
      lines.find((l) => l.includes("[ERROR]"))?.replace(/^.*\[ERROR\]\s*/, "") ?? lines.at(-1) ?? `exit code ${code}`;
    throw new CommandError(`wrangler ${args.slice(0, 3).join(" ")} failed: ${reason}`);
  }
  return out;
}
