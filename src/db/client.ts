import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function makeDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof makeDb>;

/**
 * Each binding's drizzle client, made once: making one reads the whole schema into drizzle's
 * relational config, a few milliseconds of CPU that every request would otherwise pay. A client
 * holds no state of its own between queries, so requests and messages share it.
 */
const clients = new WeakMap<D1Database, Db>();

/** The drizzle client over the D1 binding. */
export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (db === undefined) {
    db = makeDb(d1);
    clients.set(d1, db);
  }
  return db;
}
