import type { RestoreWrite, UndoChangeRow, UndoUser } from "../db/import-undo";
import { nameKeyOf, toKey } from "../db/keys";
import type { FieldChange, UndoKept } from "../db/schema";
import { packChanges, unpackChanges } from "../db/user-changes";

/** A line of the import that created or updated a user, as the undo finds it in the stored file. */
export type UndoLine = { line: number; employeeNumber: string; employeeKey: string; outcome: "created" | "updated" };

/** What the undo found for one chunk, read from D1 (readUndoUsers, readRestoreTargets). */
export type UndoContext = {
  import: { seq: number; id: string };
  /** The admin who asked for the undo: their own role is kept as it is. */
  undoBy: number;
  users: Map<string, UndoUser>;
  /** Each user's changes since the import began, oldest first. */
  changes: Map<number, UndoChangeRow[]>;
  inUse: Set<number>;
  locations: Map<string, number>;
  roles: Map<string, number>;
  emailHolders: Map<string, number>;
  /** For each user a line of this sync reactivated, the latest earlier sync that deactivated them. */
  earlierSyncs: Map<number, number>;
};

/** What undoing one chunk comes to: the rows to write (writeUndoChunk) and the counts. */
export type UndoPlan = {
  touched: { id: number; updatedAt: number }[];
  removed: number[];
  restores: RestoreWrite[][];
  deactivations: { id: number; bySync: number }[];
  history: { userId: number; line: number; changes: ReturnType<typeof packChanges> }[];
  notes: { line: number; employeeNumber: string; kept: UndoKept[] }[];
  restoredCount: number;
};

/** A sync's line bringing back a user an earlier sync deactivated: its undo sends them away again. */
const isReactivation = (c: FieldChange) => c.field === "status" && c.from === "deactivated" && c.to === "active";

/** The fields an import writes, in the order a change lists them. */
type ImportedField = "first_name" | "last_name" | "email" | "location" | "role";
const importedFields = new Set<string>(["first_name", "last_name", "email", "location", "role"]);
const isImportedField = (field: string): field is ImportedField => importedFields.has(field);

const currentValue = (u: UndoUser, field: ImportedField): string | null =>
  ({ first_name: u.first_name, last_name: u.last_name, email: u.email, location: u.location, role: u.role })[field];

/**
 * The import's own change to a user (its line's row), and every change after it but those of a
 * later import that was undone since: that import's change and its undo's together changed
 * nothing, so undoing a later import first and then this one takes both back. What that undo
 * kept stays in the user's fields, where the comparison with what this import set finds it.
 */
function splitChanges(rows: UndoChangeRow[], seq: number, line: number) {
  const own = rows.findIndex((r) => r.source === "import" && r.import_seq === seq && r.line === line);
  if (own === -1) return null;
  const after = rows.slice(own + 1);
  const undone = new Set(after.filter((r) => r.source === "undo").map((r) => r.import_seq));
  const later = after.filter((r) => !((r.source === "import" || r.source === "undo") && undone.has(r.import_seq)));
  return { own: rows[own], later };
}

/** Whether a user still holds every value a change set: nothing changed them since, in effect. */
const holdsAll = (user: UndoUser, changes: FieldChange[]) =>
  changes.every((c) => !isImportedField(c.field) || currentValue(user, c.field) === c.to);

/** The keys of the earlier values a chunk's restores may need, to look them up before planning. */
export function restoreKeysOf(
  lines: UndoLine[],
  users: Map<string, UndoUser>,
  changes: Map<number, UndoChangeRow[]>,
  seq: number,
) {
  const keys = {
    locations: [] as string[],
    roles: [] as string[],
    emails: [] as string[],
    reactivated: [] as number[],
  };
  for (const l of lines) {
    const user = users.get(l.employeeKey);
    if (l.outcome !== "updated" || !user) continue;
    const split = splitChanges(changes.get(user.id) ?? [], seq, l.line);
    for (const c of split?.own ? unpackChanges(JSON.parse(split.own.changes)) : []) {
      if (isReactivation(c)) keys.reactivated.push(user.id);
      if (c.from === null) continue;
      if (c.field === "location") keys.locations.push(toKey(c.from));
      if (c.field === "role") keys.roles.push(toKey(c.from));
      if (c.field === "email") keys.emails.push(toKey(c.from));
    }
  }
  return keys;
}

/**
 * Decides what undoing one chunk's lines does, given the users as they are now and their
 * history. A user the import created is removed, unless they changed since (any later change)
 * or other rows point at them. A user it updated gets back, field by field, the value the import
 * replaced, unless a later change touched that field, the field no longer holds what the import
 * set, or the value cannot be put back (its location or role is gone, another user now has the
 * email). Lines are taken in reverse, as undoing replays the import backwards.
 */
export function planUndo(lines: UndoLine[], ctx: UndoContext): UndoPlan {
  const plan: UndoPlan = {
    touched: [],
    removed: [],
    restores: [[]],
    deactivations: [],
    history: [],
    notes: [],
    restoredCount: 0,
  };
  const holders = new Map(ctx.emailHolders);
  const noteOf = (l: UndoLine, kept: UndoKept[]) => {
    if (kept.length) plan.notes.push({ line: l.line, employeeNumber: l.employeeNumber, kept });
  };
  const reversed = [...lines].sort((a, b) => b.line - a.line);

  // Removals run first in the batch: their emails are free for the restores that follow.
  for (const l of reversed) {
    const user = ctx.users.get(l.employeeKey);
    if (l.outcome !== "created") continue;
    if (!user) {
      noteOf(l, [{ field: null, reason: "user_missing" }]);
      continue;
    }
    const split = splitChanges(ctx.changes.get(user.id) ?? [], ctx.import.seq, l.line);
    if (!split) noteOf(l, [{ field: null, reason: "not_recorded" }]);
    else if (split.later.length || !holdsAll(user, unpackChanges(JSON.parse(split.own?.changes ?? "[]"))))
      noteOf(l, [{ field: null, reason: "user_changed_since" }]);
    else if (ctx.inUse.has(user.id) || user.id === ctx.undoBy) noteOf(l, [{ field: null, reason: "user_in_use" }]);
    else {
      plan.removed.push(user.id);
      plan.touched.push({ id: user.id, updatedAt: user.updated_at });
      if (holders.get(user.email_key) === user.id) holders.delete(user.email_key);
    }
  }

  const restoredBy = new Set<number>();
  for (const l of reversed) {
    const user = ctx.users.get(l.employeeKey);
    if (l.outcome !== "updated") continue;
    if (!user) {
      noteOf(l, [{ field: null, reason: "user_missing" }]);
      continue;
    }
    const split = splitChanges(ctx.changes.get(user.id) ?? [], ctx.import.seq, l.line);
    if (!split?.own) {
      noteOf(l, [{ field: null, reason: "not_recorded" }]);
      continue;
    }
    const touchedLater = new Set(split.later.flatMap((r) => unpackChanges(JSON.parse(r.changes)).map((c) => c.field)));
    const kept: UndoKept[] = [];
    const back: FieldChange[] = [];
    const next = {
      firstName: user.first_name,
      lastName: user.last_name,
      email: user.email,
      emailKey: user.email_key,
      locationId: user.location_id,
      roleId: user.role_id,
    };
    let waitsForEarlier = false;
    let deactivateAs: number | null = null;
    for (const c of unpackChanges(JSON.parse(split.own.changes))) {
      if (isReactivation(c)) {
        const keep = (reason: UndoKept["reason"]) => kept.push({ field: "status", reason });
        if (touchedLater.has("status")) keep("changed_since");
        else if (user.status !== "active") keep("not_as_imported");
        else if (user.id === ctx.undoBy) keep("own_account");
        else {
          // That sync's own undo must find them its own; one purged since leaves this sync's mark.
          deactivateAs = ctx.earlierSyncs.get(user.id) ?? ctx.import.seq;
          back.push({ field: "status", from: "active", to: "deactivated" });
        }
        continue;
      }
      if (!isImportedField(c.field)) continue;
      const field = c.field;
      const keep = (reason: UndoKept["reason"]) => kept.push({ field, reason });
      if (touchedLater.has(field)) {
        keep("changed_since");
        continue;
      }
      if (currentValue(user, field) !== c.to) {
        keep("not_as_imported");
        continue;
      }
      if (field === "first_name") next.firstName = c.from ?? "";
      else if (field === "last_name") next.lastName = c.from ?? "";
      else if (field === "location") {
        const id = c.from === null ? null : ctx.locations.get(toKey(c.from));
        if (id === undefined) {
          keep("location_missing");
          continue;
        }
        next.locationId = id;
      } else if (field === "role") {
        const id = c.from === null ? undefined : ctx.roles.get(toKey(c.from));
        if (user.id === ctx.undoBy) {
          keep("own_account");
          continue;
        }
        if (id === undefined) {
          keep("role_missing");
          continue;
        }
        next.roleId = id;
      } else {
        const key = toKey(c.from ?? "");
        const holder = holders.get(key);
        if (c.from === null || (holder !== undefined && holder !== user.id)) {
          keep("email_taken");
          continue;
        }
        // Held, when read, by a user this chunk restores before: the write must wait for theirs.
        const readHolder = ctx.emailHolders.get(key);
        if (readHolder !== undefined && restoredBy.has(readHolder)) waitsForEarlier = true;
        if (holders.get(user.email_key) === user.id) holders.delete(user.email_key);
        holders.set(key, user.id);
        next.email = c.from;
        next.emailKey = key;
      }
      back.push({ field, from: c.to, to: c.from });
    }
    noteOf(l, kept);
    if (!back.length) continue;
    if (deactivateAs !== null) plan.deactivations.push({ id: user.id, bySync: deactivateAs });
    if (waitsForEarlier) plan.restores.push([]);
    if (back.some((c) => c.field !== "status"))
      plan.restores.at(-1)?.push({ id: user.id, ...next, nameKey: nameKeyOf(next.firstName, next.lastName) });
    plan.history.push({ userId: user.id, line: l.line, changes: packChanges(back) });
    plan.touched.push({ id: user.id, updatedAt: user.updated_at });
    restoredBy.add(user.id);
    plan.restoredCount++;
  }
  plan.restores = plan.restores.filter((wave) => wave.length > 0);
  return plan;
}
