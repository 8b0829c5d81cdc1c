import { asc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { roles, type Role } from "./schema";

/** Every role, Standard first (it is the fallback and has the lowest id). */
export async function listRoles(db: Db): Promise<Role[]> {
  return db.select().from(roles).orderBy(asc(roles.id));
}

/** The role with this id, or null. */
export async function findRole(db: Db, id: number): Promise<Role | null> {
  const [role] = await db.select().from(roles).where(eq(roles.id, id)).limit(1);
  return role ?? null;
}
