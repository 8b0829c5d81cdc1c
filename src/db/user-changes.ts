import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import {
  changedFields,
  imports,
  userChanges,
  users,
  type ChangeSource,
  type FieldChange,
  type PackedChange,
  type UserStatus,
} from "./schema";
import { rowsOf, statement } from "./statements";

/** Changes as user_changes keeps them (PackedChange). */
export function packChanges(changes: FieldChange[]): PackedChange[] {
  return changes.map((c) => {
    const index = changedFields.indexOf(c.field);
    return c.from === null ? [index, c.to] : [index, c.from, c.to];
  });
}

/** Changes as kept, field by field again. */
export function unpackChanges(packed: PackedChange[]): FieldChange[] {
  return packed.flatMap((p) => {
    const field = changedFields[p[0]];
    if (field === undefined) return [];
    return p.length === 2 ? [{ field, from: null, to: p[1] }] : [{ field, from: p[1], to: p[2] }];
  });
}

/** What an import's lines changed of the users with these employee keys, by line. */
export async function listLineChanges(
  db: Db,
  imp: { seq: number; startedAt: Date | null },
  employeeKeys: string[],
): Promise<Map<number, FieldChange[]>> {
  // From the import's start on: a range of each user's key, not their whole history.
  const since = imp.startedAt?.getTime() ?? 0;
  const result = await statement(
    db,
    sql`SELECT c.line, c.changes FROM user_changes c JOIN users u ON u.id = c.user_id
    WHERE u.employee_key IN (SELECT value FROM json_each(${JSON.stringify([...new Set(employeeKeys)])}))
    AND c.at >= ${since} AND c.source = 'import' AND c.import_seq = ${imp.seq}`,
  ).run();
  return new Map(
    rowsOf<{ line: number; changes: string }>(result).map((r) => [
      r.line,
      unpackChanges(JSON.parse(r.changes) as PackedChange[]),
    ]),
  );
}

/**
 * The statement that keeps a change an admin made by hand; with `when`, only if the user then
 * has that status (the change it records was made in the same batch). The same change twice
 * in one millisecond (a form sent twice) is kept once.
 */
export function recordHandChange(
  db: Db,
  userId: number,
  byUserId: number,
  changes: FieldChange[],
  at: Date,
  when?: { status: UserStatus },
) {
  return db
    .insert(userChanges)
    .select(
      db
        .select({
          userId: users.id,
          at: sql<number>`${at.getTime()}`.as("at"),
          source: sql<"hand">`'hand'`.as("source"),
          importSeq: sql<number>`0`.as("import_seq"),
          line: sql<number>`0`.as("line"),
          byUserId: sql<number>`${byUserId}`.as("by_user_id"),
          changes: sql<string>`${JSON.stringify(packChanges(changes))}`.as("changes"),
        })
        .from(users)
        .where(and(eq(users.id, userId), when === undefined ? undefined : eq(users.status, when.status))),
    )
    .onConflictDoNothing();
}

/** Where a page of a user's history ends: the key of its last change. */
export type HistoryCursor = { at: number; source: ChangeSource; importSeq: number; line: number };

/** One change in a user's history, with the import (by id) that made or undid it, or the admin (by username). */
export type HistoryEntry = {
  at: Date;
  source: ChangeSource;
  importId: string | null;
  line: number;
  by: string | null;
  changes: FieldChange[];
  cursor: HistoryCursor;
};

/** A user's changes, newest first, `limit` at a time after `cursor`. */
export async function listUserHistory(
  db: Db,
  userId: number,
  page: { limit: number; cursor?: HistoryCursor },
): Promise<{ entries: HistoryEntry[]; nextCursor: HistoryCursor | null }> {
  const admin = alias(users, "admin");
  const c = userChanges;
  const after = page.cursor;
  const rows = await db
    .select({
      at: c.at,
      source: c.source,
      importSeq: c.importSeq,
      line: c.line,
      changes: c.changes,
      importId: imports.id,
      by: admin.employeeNumber,
    })
    .from(c)
    .leftJoin(imports, and(inArray(c.source, ["import", "undo"]), eq(imports.seq, c.importSeq)))
    .leftJoin(admin, eq(admin.id, c.byUserId))
    .where(
      and(
        eq(c.userId, userId),
        // A row value: SQLite seeks to the cursor in the key's order rather than scanning to it.
        after === undefined
          ? undefined
          : sql`(${c.at}, ${c.source}, ${c.importSeq}, ${c.line}) < (${after.at}, ${after.source}, ${after.importSeq}, ${after.line})`,
      ),
    )
    .orderBy(desc(c.at), desc(c.source), desc(c.importSeq), desc(c.line))
    .limit(page.limit + 1);
  const entries = rows.slice(0, page.limit).map((r): HistoryEntry => ({
    at: r.at,
    source: r.source,
    importId: r.importId,
    line: r.line,
    by: r.by,
    changes: unpackChanges(r.changes),
    cursor: { at: r.at.getTime(), source: r.source, importSeq: r.importSeq, line: r.line },
  }));
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > page.limit && last ? last.cursor : null };
}
