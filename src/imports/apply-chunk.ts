import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf, statement } from "../db/statements";
import { nameKeyOf, toKey } from "../db/keys";
import type { Import, ImportChunk } from "../db/schema";
import { checkRow, keysOf, type CheckContext, type CheckedLine, type LocationRef, type RoleRef, type RowKeys, type UserState } from "./check-row";
import type { FileRecord } from "./read";

/** The roles, read once per delivery; `names` lists them for messages: "Standard, Manager or Admin". */
export type RoleBook = { standard: RoleRef; byKey: Map<string, RoleRef>; byId: Map<number, RoleRef>; names: string };

type StoredUser = {
  employee_number: string;
  employee_key: string;
  first_name: string;
  last_name: string;
  email: string;
  email_key: string;
  location_id: number | null;
  location_name: string | null;
  role_id: number;
  role_locked: number;
  location_locked: number;
};

/** The non-empty keys, each once, as one JSON parameter. */
const distinct = (values: string[]) => JSON.stringify([...new Set(values.filter((v) => v !== ""))]);

/**
 * Reads what the rules need for one chunk in a single round trip: the users its employee
 * numbers and emails name, the earlier lines of this import that used them, and the
 * locations it mentions. Every query is keyed by one JSON parameter, so any chunk size
 * stays within D1's 100 bound parameters.
 */
async function loadContext(db: Db, importSeq: number, keys: RowKeys[], roles: RoleBook): Promise<CheckContext> {
  const employeeKeys = distinct(keys.map((k) => k.employee));
  const emailKeys = distinct(keys.map((k) => k.email));
  const locationKeys = distinct(keys.map((k) => k.location));
  const userColumns = sql`u.employee_number, u.employee_key, u.first_name, u.last_name, u.email, u.email_key,
    u.location_id, l.name AS location_name, u.role_id, u.role_locked, u.location_locked`;
  const results = await db.$client.batch([
    statement(db, sql`SELECT ${userColumns} FROM users u LEFT JOIN locations l ON l.id = u.location_id
      WHERE u.employee_key IN (SELECT value FROM json_each(${employeeKeys}))`),
    statement(db, sql`SELECT ${userColumns} FROM users u LEFT JOIN locations l ON l.id = u.location_id
      WHERE u.email_key IN (SELECT value FROM json_each(${emailKeys}))`),
    statement(db, sql`SELECT employee_key AS key, min(line) AS line FROM import_lines
      WHERE import_seq = ${importSeq} AND employee_key IN (SELECT value FROM json_each(${employeeKeys})) GROUP BY employee_key`),
    statement(db, sql`SELECT email_key AS key, min(line) AS line FROM import_lines
      WHERE import_seq = ${importSeq} AND email_key IS NOT NULL AND email_key IN (SELECT value FROM json_each(${emailKeys})) GROUP BY email_key`),
    // Applied lines keep no email key; an email an earlier line applied is found through the
    // user who now owns it, and that user's line in this import.
    statement(db, sql`SELECT l.line, l."values"->>'email' AS email FROM import_lines l
      WHERE l.import_seq = ${importSeq} AND l.outcome <> 'failed' AND l.employee_key IN
        (SELECT employee_key FROM users WHERE email_key IN (SELECT value FROM json_each(${emailKeys})))`),
    statement(db, sql`SELECT k.key, l.id, l.name FROM location_keys k
      JOIN locations l ON l.id = k.location_id WHERE k.key IN (SELECT value FROM json_each(${locationKeys}))`),
  ]);
  const byEmployee = rowsOf<StoredUser>(results[0]);
  const byEmail = rowsOf<StoredUser>(results[1]);
  const employeeLines = rowsOf<{ key: string; line: number }>(results[2]);
  const emailLines = rowsOf<{ key: string; line: number }>(results[3]);
  const appliedEmailLines = rowsOf<{ line: number; email: string | null }>(results[4]);
  const locations = rowsOf<{ key: string; id: number; name: string }>(results[5]);

  const usersByKey = new Map<string, UserState>();
  const emailOwners = new Map<string, string>();
  const locationsById = new Map<number, LocationRef>();
  for (const u of [...byEmployee, ...byEmail]) {
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
    });
    emailOwners.set(u.email_key, u.employee_key);
    if (u.location_id !== null && u.location_name !== null) locationsById.set(u.location_id, { id: u.location_id, name: u.location_name });
  }
  const locationsByKey = new Map<string, LocationRef>();
  for (const l of locations) {
    locationsByKey.set(l.key, { id: l.id, name: l.name });
    locationsById.set(l.id, { id: l.id, name: l.name });
  }
  return {
    standardRole: roles.standard,
    rolesByKey: roles.byKey,
    rolesById: roles.byId,
    roleNames: roles.names,
    locationsByKey,
    locationsById,
    usersByKey,
    emailOwners,
    employeeLines: new Map(employeeLines.map((r) => [r.key, r.line])),
    emailLines: earliestLines([
      ...emailLines,
      ...appliedEmailLines.flatMap((r) => (r.email ? [{ key: toKey(r.email), line: r.line }] : [])),
    ]),
  };
}

function earliestLines(rows: { key: string; line: number }[]): Map<string, number> {
  const lines = new Map<string, number>();
  for (const { key, line } of rows) lines.set(key, Math.min(line, lines.get(key) ?? line));
  return lines;
}

/** D1 takes a value of at most 2 MB; a UTF-16 code unit is at most 3 bytes of UTF-8. */
const maxJsonChars = Math.floor((1.9 * 1024 * 1024) / 3);

/**
 * Rows as JSON arrays of at most D1's value size, in order: a chunk's rows normally fit in
 * one, and a chunk of long values becomes several statements in the same atomic batch.
 */
export function jsonParts(rows: unknown[][]): string[] {
  const parts: string[] = [];
  let part: string[] = [];
  let size = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (part.length > 0 && size + text.length + 1 > maxJsonChars) {
      parts.push(`[${part.join(",")}]`);
      part = [];
      size = 2;
    }
    part.push(text);
    size += text.length + 1;
  }
  if (part.length > 0) parts.push(`[${part.join(",")}]`);
  return parts;
}

type ChunkTally = { created: number; updated: number; unchanged: number; failed: number; warnings: number };

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
 * Checks one chunk's records in file order and writes the result in one D1 batch: the line
 * outcomes, the users created or changed, and the import's progress. The batch is one
 * transaction, so a chunk is applied whole or not at all; and because the line outcomes are
 * keyed by (import, line), applying the same chunk twice fails instead of counting twice.
 */
export async function applyChunk(
  db: Db,
  imp: Pick<Import, "id" | "seq" | "chunkCount">,
  chunk: Pick<ImportChunk, "index">,
  records: FileRecord[],
  roles: RoleBook,
  now: Date,
): Promise<ChunkTally> {
  const keyed = records.map((record) => ({ record, keys: keysOf(record.values) }));
  const ctx = await loadContext(db, imp.seq, keyed.map((k) => k.keys), roles);
  const lines = keyed.map(({ record, keys }) => checkRow(record, keys, ctx));
  const tally = tallyLines(lines);
  const at = now.getTime();

  const lineRows = jsonParts(
    lines.map((l, i) => [
      l.line,
      l.employeeNumber,
      l.employeeKey,
      l.outcome === "failed" ? l.emailKey : null,
      l.outcome,
      hasWarning(l) ? 1 : 0,
      JSON.stringify(l.messages),
      JSON.stringify(records[i]?.values ?? {}),
    ]),
  );
  const userRows = jsonParts(
    lines.flatMap((l) => {
      const w = l.write;
      if (!w) return [];
      return [[w.employeeNumber, w.employeeKey, w.firstName, w.lastName, w.email, w.emailKey, w.locationId, w.roleId, nameKeyOf(w.firstName, w.lastName)]];
    }),
  );
  const isLast = chunk.index + 1 >= imp.chunkCount;

  await db.$client.batch([
    ...lineRows.map((rows) =>
      statement(db, sql`INSERT INTO import_lines (import_seq, line, employee_number, employee_key, email_key, outcome, has_warning, messages, "values")
        SELECT ${imp.seq}, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7
        FROM json_each(${rows}) j`),
    ),
    // Rows go in line order, so a later line may take an email an earlier line gave up. A lock
    // set after the chunk's users were read still holds: the write itself keeps a locked field.
    ...userRows.map((rows) =>
      statement(db, sql`INSERT INTO users (employee_number, employee_key, first_name, last_name, email, email_key, location_id, role_id, name_key,
        created_at, updated_at, created_import_id, last_import_id, last_imported_at)
      SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7,
        j.value->>8,
        ${at}, ${at}, ${imp.id}, ${imp.id}, ${at}
      FROM json_each(${rows}) j WHERE true
      ON CONFLICT (employee_key) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, name_key = excluded.name_key,
        email = excluded.email, email_key = excluded.email_key,
        location_id = CASE WHEN users.location_locked THEN users.location_id ELSE excluded.location_id END,
        role_id = CASE WHEN users.role_locked THEN users.role_id ELSE excluded.role_id END,
        updated_at = excluded.updated_at, last_import_id = excluded.last_import_id, last_imported_at = excluded.last_imported_at`),
    ),
    statement(db, sql`UPDATE imports SET
        next_chunk = next_chunk + 1,
        processed_rows = processed_rows + ${records.length},
        created = created + ${tally.created}, updated = updated + ${tally.updated}, unchanged = unchanged + ${tally.unchanged},
        failed = failed + ${tally.failed}, warnings = warnings + ${tally.warnings},
        status = ${isLast ? "completed" : "processing"},
        finished_at = ${isLast ? at : null},
        progress_at = ${at}, error = NULL
      WHERE id = ${imp.id} AND next_chunk = ${chunk.index}`),
  ]);
  return tally;
}
