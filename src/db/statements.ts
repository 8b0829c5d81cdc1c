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
