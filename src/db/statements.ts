import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

const dialect = new SQLiteAsyncDialect();

/**
 * A D1 statement from drizzle's `sql` template. drizzle-orm 0.45 cannot put raw `sql` with
 * parameters into `db.batch` (its raw query has no prepared statement), and the bulk
 * statements here are raw (json_each), so batches of them go to D1 directly.
 */
export function statement(db: Db, query: SQL): D1PreparedStatement {
  const built = dialect.sqlToQuery(query);
  return db.$client.prepare(built.sql).bind(...built.params);
}

/** Rows of a read statement in a D1 batch result. */
export function rowsOf<Row>(result: D1Result | undefined): Row[] {
  return (result?.results ?? []) as Row[];
}

/** D1 takes a value of at most 2 MB; a UTF-16 code unit is at most 3 bytes of UTF-8. */
const maxJsonChars = Math.floor((1.9 * 1024 * 1024) / 3);

/**
 * Items as JSON arrays of at most D1's value size, in order, for statements that take them as one
 * parameter (json_each): normally one array, and several when the values are long.
 */
export function jsonArrays(items: unknown[]): string[] {
  const parts: string[] = [];
  let part: string[] = [];
  let size = 2;
  for (const item of items) {
    const text = JSON.stringify(item);
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
