import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** The drizzle client over the D1 binding; cheap to make, so each request or message makes its own. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;
