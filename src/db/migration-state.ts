import { sql } from "drizzle-orm";
import type { Db } from "./client";

/** Whether a table exists: before the first migration, none of the app's do. */
export async function hasTable(db: Db, name: string): Promise<boolean> {
  const row = await db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ${name}`,
  );
  return (row?.n ?? 0) > 0;
}

/** How many migrations wrangler has recorded as applied (its d1_migrations table); 0 before the first. */
export async function countAppliedMigrations(db: Db): Promise<number> {
  if (!(await hasTable(db, "d1_migrations"))) return 0;
  const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM d1_migrations`);
  return row?.n ?? 0;
}
