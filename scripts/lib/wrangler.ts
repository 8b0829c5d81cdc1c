import { spawnSync } from "node:child_process";

export type Target = { remote: boolean; persistTo?: string };

/** Quotes a value as an SQLite string literal: the only escape SQLite needs is a doubled quote. */
export function sqlText(value: string | null | undefined): string {
  return value === null || value === undefined ? "NULL" : `'${value.replaceAll("'", "''")}'`;
}

function targetFlags(target: Target): string[] {
  if (target.remote) return ["--remote"];
  return ["--local", ...(target.persistTo ? ["--persist-to", target.persistTo] : [])];
}

/** Runs wrangler from this project's node_modules, with the project's Node, and fails loudly. */
export function wrangler(args: string[], options: { quiet?: boolean } = {}): string {
  const result = spawnSync("wrangler", args, {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed`);
  }
  if (!options.quiet) process.stderr.write(result.stderr);
  return result.stdout;
}

/** Applies the D1 migrations to the local or deployed database. */
export function applyMigrations(target: Target): void {
  wrangler(["d1", "migrations", "apply", "DB", ...targetFlags(target)], { quiet: true });
}

/** Runs SQL against the local or deployed D1 database and returns the rows of the last statement. */
export function executeSql<Row = Record<string, unknown>>(target: Target, command: string): Row[] {
  const out = wrangler(["d1", "execute", "DB", ...targetFlags(target), "--json", "--command", command], { quiet: true });
  const results = JSON.parse(out) as { results: Row[] }[];
  return results.at(-1)?.results ?? [];
}
