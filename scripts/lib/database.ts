import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GetPlatformProxyOptions } from "wrangler";
import { createDb, type Db } from "../../src/db/client.ts";
import { countAppliedMigrations, hasTable } from "../../src/db/migration-state.ts";
import { CommandError } from "./command-error.ts";
import { projectRoot, stateDir, targetFlags, type Target } from "./target.ts";
import { quietWranglerEnv, runWrangler } from "./wrangler.ts";

const configPath = join(projectRoot, "wrangler.toml");

/** What is used of wrangler's configuration, whose published type does not resolve. */
type WranglerConfig = {
  name?: string;
  account_id?: string;
  compatibility_date?: string;
  compatibility_flags: string[];
  d1_databases: { binding: string; database_name?: string; database_id?: string }[];
};

/**
 * A configuration with the D1 binding alone, marked remote: the platform proxy reaches the deployed
 * database only for a binding so marked, and wrangler.toml stays local for `wrangler dev`.
 */
async function writeRemoteConfig(): Promise<string> {
  const { unstable_readConfig } = await import("wrangler");
  const config: WranglerConfig = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  const dir = join(projectRoot, ".wrangler/remote");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "wrangler.json");
  const remote = {
    name: config.name,
    account_id: config.account_id,
    compatibility_date: config.compatibility_date,
    compatibility_flags: config.compatibility_flags,
    d1_databases: config.d1_databases.map((d) => ({
      binding: d.binding,
      database_name: d.database_name,
      database_id: d.database_id,
      remote: true,
    })),
  };
  await writeFile(path, JSON.stringify(remote, null, 2));
  return path;
}

async function openD1(target: Target) {
  // Loaded when needed: wrangler takes seconds to load, and a mistyped option needs none of it.
  const { getPlatformProxy } = await import("wrangler");
  Object.assign(process.env, quietWranglerEnv);
  // The script says what it did; wrangler's progress lines would only come between.
  process.env.WRANGLER_LOG ??= "warn";
  const options: GetPlatformProxyOptions = target.remote
    ? { configPath: await writeRemoteConfig(), persist: false, remoteBindings: true }
    : { configPath, persist: { path: join(stateDir(target), "v3") }, remoteBindings: false };
  try {
    return await getPlatformProxy<{ DB: D1Database }>(options);
  } catch (err) {
    if (!target.remote) throw err;
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CommandError(
      `Could not reach the deployed database (sign in with npx wrangler login, or set CLOUDFLARE_API_TOKEN): ${reason}`,
    );
  }
}

/** Applies the D1 migrations wrangler's way, to the local or deployed database; returns how many were new. */
export async function migrateDatabase(target: Target): Promise<number> {
  const proxy = await openD1(target);
  try {
    const db = createDb(proxy.env.DB);
    const before = await countAppliedMigrations(db);
    await runWrangler(["d1", "migrations", "apply", "DB", ...targetFlags(target)]);
    return (await countAppliedMigrations(db)) - before;
  } finally {
    await proxy.dispose();
  }
}

/**
 * Runs `work` on the app's own database layer over the D1 binding, local or deployed, through
 * wrangler's platform proxy, so a script writes exactly what the Worker would.
 */
export async function withDatabase<T>(target: Target, work: (db: Db) => Promise<T>): Promise<T> {
  const proxy = await openD1(target);
  try {
    const db = createDb(proxy.env.DB);
    if (!(await hasTable(db, "users"))) {
      throw new CommandError(
        target.remote
          ? "The deployed database has no tables yet: run npm run db:migrate first."
          : `The local database in ${stateDir(target)} has no tables yet: run npm start first, which applies the migrations.`,
      );
    }
    return await work(db);
  } finally {
    await proxy.dispose();
  }
}
