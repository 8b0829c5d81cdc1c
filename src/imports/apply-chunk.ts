import { importerRoleIds } from "../auth/permissions";
import type { Db } from "../db/client";
import {
  readChunkContext,
  writeChunk,
  type ChunkTally,
  type ChangeWrite,
  type FlaggedWrite,
  type KeyClaim,
  type UserWrite,
} from "../db/import-chunks";
import { nameKeyOf } from "../db/keys";
import { countProjectedActiveUsersWithRoles, type ProjectedChange } from "../db/projected-users";
import { countActiveUsersWithRoles } from "../db/users";
import type { Import, ImportChunk } from "../db/schema";
import {
  checkRow,
  keysOf,
  type CheckContext,
  type CheckedLine,
  type Importer,
  type LocationRef,
  type RoleRef,
  type RowKeys,
  type UserState,
} from "./check-row";
import { packChanges } from "../db/user-changes";
import { fieldChanges } from "./field-changes";
import { encodeOutcomes } from "./line-outcomes";
import { encodeUserIds } from "./named-users";
import type { FileRecord } from "./read";
import { yieldToRequests } from "./yield-to-requests";

/** The roles, read once per delivery; `names` lists them for messages: "Standard, Manager or Admin". */
export type RoleBook = { standard: RoleRef; byKey: Map<string, RoleRef>; byId: Map<number, RoleRef>; names: string };

/** Which of a chunk's records the upload's scan found sharing a key with another record; null (a chunk planned before the scan looked) means all. */
type Repeats = { employee: (i: number) => boolean; email: (i: number) => boolean };

function repeatsOf(chunk: Partial<Pick<ImportChunk, "employeeRepeats" | "emailRepeats">>): Repeats {
  const test = (list: number[] | null | undefined) => {
    if (list === null || list === undefined) return () => true;
    const set = new Set(list);
    return (i: number) => set.has(i);
  };
  return { employee: test(chunk.employeeRepeats), email: test(chunk.emailRepeats) };
}

/**
 * Reads what the rules need for one chunk and lays it out as the rules' context, with the ids of
 * the users its lines name by employee number.
 */
async function loadContext(
  db: Db,
  importSeq: number,
  keys: RowKeys[],
  repeats: Repeats,
  roles: RoleBook,
  importer: Importer,
  dryRun: boolean,
  sync: boolean,
): Promise<{ ctx: CheckContext; namedIds: number[] }> {
  const rows = await readChunkContext(
    db,
    importSeq,
    {
      employeeKeys: keys.map((k) => k.employee),
      emailKeys: keys.map((k) => k.email),
      locationKeys: keys.map((k) => k.location),
      repeatedEmployeeKeys: keys.flatMap((k, i) => (repeats.employee(i) ? [k.employee] : [])),
      repeatedEmailKeys: keys.flatMap((k, i) => (repeats.email(i) ? [k.email] : [])),
    },
    { dryRun },
  );
  const usersByKey = new Map<string, UserState>();
  const emailOwners = new Map<string, string>();
  const locationsById = new Map<number, LocationRef>();
  // Found by email alone, a user is not named: only a line with their employee number is theirs.
  const employeeKeys = new Set(keys.map((k) => k.employee));
  const namedIds: number[] = [];
  for (const u of rows.users) {
    // A user only a dry run would create has no id (0): created by this sync, they are no candidate of its final step.
    if (employeeKeys.has(u.employee_key) && u.id !== 0) namedIds.push(u.id);
    usersByKey.set(u.employee_key, {
      employeeNumber: u.employee_number,
      employeeKey: u.employee_key,
      firstName: u.first_name,
      lastName: u.last_name,
      email: u.email,
      emailKey: u.email_key,
      locationId: u.location_id,
      roleId: u.role_id,
      roleLocked: !!u.role_locked,
      locationLocked: !!u.location_locked,
      status: u.status,
      deactivatedBySync: u.deactivated_by_sync !== null,
    });
    emailOwners.set(u.email_key, u.employee_key);
    if (u.location_id !== null && u.location_name !== null)
      locationsById.set(u.location_id, { id: u.location_id, name: u.location_name });
  }
  // Only a line naming someone who can import users can leave none who can: most chunks name no
  // admin and skip the count. One more than the chunk names is as good as the whole count: its
  // lines can then take away all of theirs and leave one.
  const importerRoles = importerRoleIds([...roles.byId.values()]);
  const named = rows.users.filter((u) => u.status === "active" && importerRoles.includes(u.role_id)).length;
  const count = dryRun
    ? (atMost: number) => countProjectedActiveUsersWithRoles(db, importSeq, importerRoles, atMost)
    : (atMost: number) => countActiveUsersWithRoles(db, importerRoles, atMost);
  const activeImporters = named > 0 ? await count(named + 1) : null;
  const locationsByKey = new Map<string, LocationRef>();
  for (const l of rows.locations) {
    locationsByKey.set(l.key, { id: l.id, name: l.name });
    locationsById.set(l.id, { id: l.id, name: l.name });
  }
  const ctx: CheckContext = {
    standardRole: roles.standard,
    rolesByKey: roles.byKey,
    rolesById: roles.byId,
    roleNames: roles.names,
    locationsByKey,
    locationsById,
    usersByKey,
    emailOwners,
    employeeLines: new Map(rows.employeeClaims.map((r) => [r.key, r.line])),
    emailLines: new Map(rows.emailClaims.map((r) => [r.key, r.line])),
    importer,
    sync,
    activeImporters,
  };
  return { ctx, namedIds };
}

/** A line with at least one warning needs attention, and counts once as a warning however many it has. */
const hasWarning = (l: CheckedLine) => l.messages.some((m) => m.level === "warning");

/** Counts a chunk's outcomes. */
function tallyLines(lines: CheckedLine[]): ChunkTally {
  const tally: ChunkTally = { created: 0, updated: 0, unchanged: 0, failed: 0, warnings: 0 };
  for (const l of lines) {
    tally[l.outcome]++;
    if (hasWarning(l)) tally.warnings++;
  }
  return tally;
}

/**
 * The keys this chunk's repeated records claimed for the rest of the file: the rules set a key's
 * line when a line is the first to hold it (see checkRow), so a claim is a key whose line is the
 * record's own.
 */
function claimsOf(records: FileRecord[], keys: RowKeys[], repeats: Repeats, ctx: CheckContext): KeyClaim[] {
  const claims: KeyClaim[] = [];
  records.forEach((record, i) => {
    const k = keys[i];
    if (!k) return;
    if (repeats.employee(i) && k.employee !== "" && ctx.employeeLines.get(k.employee) === record.line) {
      claims.push({ kind: "employee", key: k.employee, line: record.line });
    }
    if (repeats.email(i) && k.email !== "" && ctx.emailLines.get(k.email) === record.line) {
      claims.push({ kind: "email", key: k.email, line: record.line });
    }
  });
  return claims;
}

function userWriteOf(w: UserState): UserWrite {
  return {
    employeeNumber: w.employeeNumber,
    employeeKey: w.employeeKey,
    firstName: w.firstName,
    lastName: w.lastName,
    nameKey: nameKeyOf(w.firstName, w.lastName),
    email: w.email,
    emailKey: w.emailKey,
    locationId: w.locationId,
    roleId: w.roleId,
    status: w.status,
  };
}

/**
 * Whether a later chunk's rules can tell this write from no write, so a dry run must record it
 * (projected_users). A later line naming the same employee number, or the email this line set,
 * fails as a repeat of it whatever the user holds (import_keys), so only two things reach later
 * lines: an email the user gave up, which a later line may take, and who can import users, which
 * the last-admin rule counts by role and status (a sync's line reactivates).
 */
function readByLaterChunks(before: UserState | undefined, after: UserState, importerRoles: number[]): boolean {
  if (!before) return importerRoles.includes(after.roleId);
  return before.emailKey !== after.emailKey || before.roleId !== after.roleId || before.status !== after.status;
}

/**
 * Checks one chunk's records in file order, acting for `importer`, and writes the result in one
 * D1 batch (writeChunk): applied whole or not at all, and never twice. Only the lines that need
 * attention keep a row; the rest are one letter each in the chunk's outcomes. A dry run's chunk
 * writes the same outcomes and no user.
 */
export async function applyChunk(
  db: Db,
  imp: Pick<Import, "id" | "seq" | "chunkCount"> & Partial<Pick<Import, "dryRun" | "sync">>,
  chunk: Pick<ImportChunk, "index"> & Partial<Pick<ImportChunk, "employeeRepeats" | "emailRepeats">>,
  records: FileRecord[],
  roles: RoleBook,
  importer: Importer,
  now: Date,
): Promise<ChunkTally & { rowsWritten: number; historyRowsWritten: number; cancelling: boolean }> {
  const keys = records.map((record) => keysOf(record.values));
  const repeats = repeatsOf(chunk);
  const dryRun = imp.dryRun ?? false;
  const sync = imp.sync ?? false;
  const { ctx, namedIds } = await loadContext(db, imp.seq, keys, repeats, roles, importer, dryRun, sync);
  await yieldToRequests();
  const changes: ChangeWrite[] = [];
  const projectedChanges: ProjectedChange[] = [];
  const projectedUsers: UserWrite[] = [];
  const importerRoles = importerRoleIds([...roles.byId.values()]);
  const lines = records.map((record, i) => {
    const lineKeys = keys[i] ?? keysOf(record.values);
    // The user as this line finds them: checkRow puts the line's result in their place.
    const before = ctx.usersByKey.get(lineKeys.employee);
    const line = checkRow(record, lineKeys, ctx);
    if (line.write) {
      const packed = packChanges(fieldChanges(before, line.write, ctx));
      changes.push({ employeeKey: line.write.employeeKey, line: line.line, changes: packed });
      // A report shows what updating lines change; a dry run has no history to keep the rest in.
      if (dryRun && line.outcome === "updated") projectedChanges.push({ line: line.line, changes: packed });
      if (dryRun && readByLaterChunks(before, line.write, importerRoles)) projectedUsers.push(userWriteOf(line.write));
    }
    return line;
  });
  const tally = tallyLines(lines);
  const flagged: FlaggedWrite[] = [];
  lines.forEach((l, i) => {
    const warned = hasWarning(l);
    if (l.outcome !== "failed" && !warned) return;
    flagged.push({
      line: l.line,
      employeeNumber: l.employeeNumber,
      outcome: l.outcome,
      hasWarning: warned,
      messages: l.messages,
      values: records[i]?.values ?? {},
    });
  });
  await yieldToRequests();
  const written = await writeChunk(db, {
    importId: imp.id,
    importSeq: imp.seq,
    chunkIndex: chunk.index,
    isLast: chunk.index + 1 >= imp.chunkCount,
    // A sync's last chunk leaves it running: its final step (finish-sync.ts) completes it.
    completes: chunk.index + 1 >= imp.chunkCount && !sync,
    rowCount: records.length,
    tally,
    namedUsers: sync ? encodeUserIds(namedIds) : null,
    outcomes: encodeOutcomes(lines.map((l) => ({ outcome: l.outcome, warned: hasWarning(l) }))),
    flagged,
    claims: claimsOf(records, keys, repeats, ctx),
    users: dryRun ? projectedUsers : lines.flatMap((l) => (l.write ? [userWriteOf(l.write)] : [])),
    changes,
    at: now.getTime(),
    dryRun: dryRun ? { changes: projectedChanges } : undefined,
  });
  return { ...tally, ...written };
}
