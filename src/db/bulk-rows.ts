import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** D1 takes a value of at most 2 MB; a UTF-16 code unit is at most 3 bytes of UTF-8. */
const maxJsonChars = Math.floor((1.9 * 1024 * 1024) / 3);

/**
 * Rows as JSON arrays of at most D1's value size, in order: a chunk's rows normally fit in
 * one, and a chunk of long values becomes several statements in the same atomic batch.
 */
export function jsonParts(rows: unknown[]): string[] {
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

type Columns = Record<string, SQLiteColumn>;

/** A column's value as a bulk row carries it: booleans as JSON booleans, null where allowed. */
type ValueOf<C extends SQLiteColumn> = C["_"]["notNull"] extends true ? C["_"]["data"] : C["_"]["data"] | null;

/** One row of a bulk statement, by the declaration's names. */
export type BulkRow<T extends Columns> = { [K in keyof T]: ValueOf<T[K]> };

/** A declared bulk row: how rows become JSON, and the SQL that reads them back from `json_each(…) j`. */
export type BulkShape<T extends Columns> = {
  /** The rows as JSON parameters of at most D1's value size, in order. */
  encode(rows: readonly BulkRow<T>[]): string[];
  /** The table's column names, in the declaration's order: `INSERT INTO t (${names}) …`. */
  names: SQL;
  /** Each column read from the JSON row `j`, in the same order: `SELECT ${values} FROM json_each(?) j`. */
  values: SQL;
  /** `col = excluded.col` for the named columns, for an upsert's SET. */
  setFromExcluded(keys: readonly (keyof T & string)[]): SQL;
  /** One column read from the JSON row `j`, for a row whose columns go to more than one table. */
  value(key: keyof T & string): SQL;
};

/**
 * Declares the columns of rows written in bulk as one JSON parameter (D1 binds at most 100
 * parameters per statement). The row's type, its JSON, the column list and the projection all
 * come from this one declaration, so they cannot drift apart: adding a field touches the
 * schema and the declaration.
 */
export function bulkShape<T extends Columns>(columns: T): BulkShape<T> {
  const keys = Object.keys(columns) as (keyof T & string)[];
  const nameOf = (key: keyof T & string) => `"${columns[key]?.name ?? key}"`;
  return {
    encode: (rows) => jsonParts(rows.map((row) => keys.map((key) => row[key]))),
    names: sql.raw(keys.map(nameOf).join(", ")),
    values: sql.raw(keys.map((_, i) => `j.value->>${i}`).join(", ")),
    setFromExcluded: (set) => sql.raw(set.map((key) => `${nameOf(key)} = excluded.${nameOf(key)}`).join(", ")),
    value: (key) => sql.raw(`j.value->>${keys.indexOf(key)}`),
  };
}

/** The row type of a declared shape. */
export type RowOf<S> = S extends BulkShape<infer T> ? BulkRow<T> : never;
