import { join, resolve } from "node:path";

/** Which database a script works on: the deployed one, or a local state folder of `wrangler dev`. */
export type Target = { remote: boolean; persistTo?: string };

export const projectRoot = resolve(import.meta.dirname, "../..");

/** The local state folder, as `wrangler dev --persist-to` names it (the data lives in its `v3/`). */
export function stateDir(target: Target): string {
  return target.persistTo ? resolve(target.persistTo) : join(projectRoot, ".wrangler/state");
}

/** wrangler's flags for the target. */
export function targetFlags(target: Target): string[] {
  return target.remote ? ["--remote"] : ["--local", "--persist-to", stateDir(target)];
}
