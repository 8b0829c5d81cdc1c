import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "./client";
import { toKey } from "./keys";
import { locationKeys, locations } from "./schema";

export type LocationView = { id: number; name: string; code: string | null; aliases: string[] };
export type LocationInput = { name: string; code?: string | null; aliases?: string[] };

/** Every location with its aliases, by name. */
export async function listLocations(db: Db): Promise<LocationView[]> {
  const [rows, aliases] = await db.batch([
    db.select().from(locations).orderBy(asc(locations.name)),
    db.select().from(locationKeys).where(eq(locationKeys.kind, "alias")).orderBy(asc(locationKeys.label)),
  ]);
  const byLocation = new Map<number, string[]>();
  for (const a of aliases) byLocation.set(a.locationId, [...(byLocation.get(a.locationId) ?? []), a.label]);
  return rows.map((l) => ({ id: l.id, name: l.name, code: l.code, aliases: byLocation.get(l.id) ?? [] }));
}

/** One location with its aliases, or null. */
export async function findLocation(db: Db, id: number): Promise<LocationView | null> {
  const [rows, aliases] = await db.batch([
    db.select().from(locations).where(eq(locations.id, id)),
    db
      .select()
      .from(locationKeys)
      .where(and(eq(locationKeys.locationId, id), eq(locationKeys.kind, "alias")))
      .orderBy(asc(locationKeys.label)),
  ]);
  const row = rows[0];
  return row ? { id: row.id, name: row.name, code: row.code, aliases: aliases.map((a) => a.label) } : null;
}

function keysOf(input: LocationInput) {
  const entries: { key: string; kind: "name" | "code" | "alias"; label: string }[] = [
    { key: toKey(input.name), kind: "name", label: input.name.trim() },
  ];
  if (input.code?.trim()) entries.push({ key: toKey(input.code), kind: "code", label: input.code.trim() });
  for (const alias of input.aliases ?? []) {
    if (alias.trim()) entries.push({ key: toKey(alias), kind: "alias", label: alias.trim() });
  }
  return entries;
}

/**
 * Which of the input's name, code and aliases already belong to another location, or
 * repeat within the input: each must resolve to exactly one location.
 */
export async function findLocationKeyClashes(db: Db, input: LocationInput, exceptId?: number): Promise<string[]> {
  const entries = keysOf(input);
  const clashes: string[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.key)) clashes.push(e.label);
    seen.add(e.key);
  }
  const taken = await db
    .select()
    .from(locationKeys)
    .where(inArray(locationKeys.key, [...seen]));
  for (const t of taken) if (t.locationId !== exceptId) clashes.push(t.label);
  return [...new Set(clashes)];
}

/** Creates a location with its name, code and aliases; the caller checks clashes first. */
export async function createLocation(db: Db, input: LocationInput): Promise<LocationView> {
  const [row] = await db
    .insert(locations)
    .values({ name: input.name.trim(), code: input.code?.trim() || null })
    .returning();
  if (!row) throw new Error("The location was not created.");
  await db.insert(locationKeys).values(keysOf(input).map((k) => ({ ...k, locationId: row.id })));
  return { id: row.id, name: row.name, code: row.code, aliases: keysOf(input).filter((k) => k.kind === "alias").map((k) => k.label) };
}

/** Replaces a location's name, code and aliases in one batch; the caller checks clashes first. */
export async function updateLocation(db: Db, id: number, input: LocationInput): Promise<void> {
  await db.batch([
    db.update(locations).set({ name: input.name.trim(), code: input.code?.trim() || null }).where(eq(locations.id, id)),
    db.delete(locationKeys).where(eq(locationKeys.locationId, id)),
    db.insert(locationKeys).values(keysOf(input).map((k) => ({ ...k, locationId: id }))),
  ]);
}
