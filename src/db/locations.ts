import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { cleanText } from "../clean-text";
import type { Db } from "./client";
import { toKey } from "./keys";
import { locationKeys, locations } from "./schema";
import { rowsOf, statement } from "./statements";

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

type KeyEntry = { key: string; kind: "name" | "code" | "alias"; label: string };

/**
 * A location's name, code and aliases as the keys a file's value is matched by. An alias that
 * repeats the name, the code or an earlier alias adds nothing to match, so it is left out rather
 * than refused: "London, LDN, London HQ" for London (LDN) keeps London HQ.
 */
function keysOf(input: LocationInput): KeyEntry[] {
  const name = cleanText(input.name);
  const code = cleanText(input.code ?? "");
  const entries: KeyEntry[] = [{ key: toKey(name), kind: "name", label: name }];
  if (code) entries.push({ key: toKey(code), kind: "code", label: code });
  for (const alias of (input.aliases ?? []).map(cleanText)) {
    const key = toKey(alias);
    if (alias && !entries.some((e) => e.key === key)) entries.push({ key, kind: "alias", label: alias });
  }
  return entries;
}

/** The location's own row as stored: the name and code cleaned as every value is (cleanText). */
const locationRow = (input: LocationInput) => ({
  name: cleanText(input.name),
  code: cleanText(input.code ?? "") || null,
});

/** A name, code or alias that cannot be saved: another location's (`owner`), or a code that repeats the name (null). */
export type LocationKeyClash = { label: string; owner: { name: string; kind: KeyEntry["kind"] } | null };

/**
 * Which of the input's name, code and aliases already belong to another location, or a code
 * that repeats the name: each must resolve to exactly one location.
 */
export async function findLocationKeyClashes(
  db: Db,
  input: LocationInput,
  exceptId?: number,
): Promise<LocationKeyClash[]> {
  const clashes = new Map<string, LocationKeyClash>();
  const seen = new Set<string>();
  for (const e of keysOf(input)) {
    if (seen.has(e.key)) clashes.set(e.key, { label: e.label, owner: null });
    seen.add(e.key);
  }
  // One JSON parameter, so any number of aliases stays within D1's 100 bound parameters.
  const taken = await db
    .select({
      key: locationKeys.key,
      label: locationKeys.label,
      kind: locationKeys.kind,
      locationId: locationKeys.locationId,
      name: locations.name,
    })
    .from(locationKeys)
    .innerJoin(locations, eq(locations.id, locationKeys.locationId))
    .where(sql`${locationKeys.key} IN (SELECT value FROM json_each(${JSON.stringify([...seen])}))`);
  for (const t of taken)
    if (t.locationId !== exceptId) clashes.set(t.key, { label: t.label, owner: { name: t.name, kind: t.kind } });
  return [...clashes.values()];
}

/**
 * Inserts a location's keys from one JSON parameter (any number of aliases stays within D1's 100
 * bound parameters), for the location `locationId` selects.
 */
function insertKeys(db: Db, keys: KeyEntry[], locationId: SQL) {
  const rows = JSON.stringify(keys.map((k) => [k.key, k.kind, k.label]));
  return statement(
    db,
    sql`INSERT INTO location_keys (key, location_id, kind, label)
    SELECT j.value->>0, (${locationId}), j.value->>1, j.value->>2 FROM json_each(${rows}) j`,
  );
}

/**
 * Creates a location with its name, code and aliases in one batch, so a failure leaves no location
 * without its keys; the caller checks clashes first.
 */
export async function createLocation(db: Db, input: LocationInput): Promise<LocationView> {
  const keys = keysOf(input);
  // Within the batch's transaction the new location is the one with the highest id.
  const created = sql`SELECT max(id) FROM locations`;
  const results = await db.$client.batch([
    statement(db, db.insert(locations).values(locationRow(input)).getSQL()),
    insertKeys(db, keys, created),
    statement(db, sql`SELECT id, name, code FROM locations WHERE id = (${created})`),
  ]);
  const [row] = rowsOf<{ id: number; name: string; code: string | null }>(results[2]);
  if (!row) throw new Error("The location was not created.");
  return { ...row, aliases: keys.filter((k) => k.kind === "alias").map((k) => k.label) };
}

/** Replaces a location's name, code and aliases in one batch; the caller checks clashes first. */
export async function updateLocation(db: Db, id: number, input: LocationInput): Promise<void> {
  await db.$client.batch([
    statement(db, db.update(locations).set(locationRow(input)).where(eq(locations.id, id)).getSQL()),
    statement(db, db.delete(locationKeys).where(eq(locationKeys.locationId, id)).getSQL()),
    insertKeys(db, keysOf(input), sql`${id}`),
  ]);
}
