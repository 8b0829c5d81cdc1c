import type { Db } from "../db/client";
import type { Import } from "../db/schema";
import { countActiveUsers, listSyncCandidates } from "../db/sync-deactivations";
import { AppError } from "../errors";
import { fileHasEmployee, readEmployeeHashes } from "./employee-hashes";

/** What a sync of a ready import would do, as its preview and its start tell the admin. */
export type SyncForecast = {
  /** The users it would deactivate if it started now. */
  deactivations: number;
  activeUsers: number;
  /** SYNC_CONFIRM_ABOVE_PERCENT, and the most deactivations that need no confirmation. */
  percent: number;
  limit: number;
  needsConfirmation: boolean;
};

/** Candidates read per query: ids and employee keys only, a few hundred KB. */
const forecastPage = 20_000;

/**
 * Counts the users a sync of this file would deactivate, started by `starterId` now: the
 * candidates (finish-sync.ts) whose employee key the file does not hold, told by the 64-bit
 * hashes kept at upload. Two different keys share a hash with odds of about one in 2^64 per
 * pair, a few in a hundred million for a million-line file against a million users, and only
 * ever make the count one lower; the sync itself compares the users, not hashes.
 */
export async function forecastSync(
  env: Env,
  db: Db,
  imp: Pick<Import, "fileKey">,
  starterId: number,
): Promise<SyncForecast> {
  const hashes = await readEmployeeHashes(env.FILES, imp.fileKey);
  if (!hashes)
    throw new AppError(
      409,
      "sync_unavailable",
      "This file was uploaded before Roster could check a sync against it. Upload it again to import it as a sync.",
    );
  let deactivations = 0;
  for (let afterId = 0; ;) {
    const page = await listSyncCandidates(db, { afterId, exceptUserId: starterId, limit: forecastPage });
    for (const user of page) if (!fileHasEmployee(hashes, user.employeeKey)) deactivations++;
    const last = page.at(-1);
    if (!last || page.length < forecastPage) break;
    afterId = last.id;
  }
  return guardrailOf(env, db, deactivations);
}

/** The guardrail for a sync that would deactivate `deactivations` users, against the active users now. */
export async function guardrailOf(env: Env, db: Db, deactivations: number): Promise<SyncForecast> {
  const activeUsers = await countActiveUsers(db);
  const percent = Number(env.SYNC_CONFIRM_ABOVE_PERCENT);
  const limit = Math.floor((activeUsers * percent) / 100);
  return { deactivations, activeUsers, percent, limit, needsConfirmation: deactivations > limit };
}

/**
 * Refuses a sync of this file, started now by `starterId`, that would deactivate more users than
 * the guardrail allows unless `confirmed` is that exact number (409 too_many_deactivations,
 * saying it). The number is the forecast now, whatever an earlier dry run found.
 */
export async function requireSyncConfirmed(
  env: Env,
  db: Db,
  imp: Pick<Import, "fileKey">,
  starterId: number,
  confirmed: number | undefined,
): Promise<void> {
  const forecast = await forecastSync(env, db, imp, starterId);
  if (!forecast.needsConfirmation || confirmed === forecast.deactivations) return;
  const asked =
    confirmed === undefined
      ? ""
      : ` The number confirmed, ${confirmed.toLocaleString("en")}, is not that number: the users changed since, or it was mistyped.`;
  throw new AppError(
    409,
    "too_many_deactivations",
    `This sync would deactivate ${forecast.deactivations.toLocaleString("en")} users, more than the ${forecast.limit.toLocaleString("en")} (${forecast.percent}% of ${forecast.activeUsers.toLocaleString("en")} active users) a sync may deactivate unconfirmed.${asked} Check that the file holds the whole organisation; if it does, confirm ${forecast.deactivations.toLocaleString("en")} to start it.`,
  );
}
