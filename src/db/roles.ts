import { asc } from "drizzle-orm";
import type { Db } from "./client";
import { roles, type Role } from "./schema";

/** Every role, Standard first (it is the fallback and has the lowest id). */
export async function listRoles(db: Db): Promise<Role[]> {
  return db.select().from(roles).orderBy(asc(roles.id));
}
