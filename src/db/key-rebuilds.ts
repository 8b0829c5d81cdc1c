import { asc, isNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { nameKeyOf, toKey } from "./keys";
import { keyCollisions, keyRebuilds } from "./schema";
import { jsonParts } from "./bulk-rows";
import { rowsOf, statement } from "./statements";

/** Ids looked at per window: each window is a few bounded statements whose rows travel as one JSON parameter. */
const defaultIdsPerWindow = 1_000;
/** Collisions looked at again per run, to remake a key its holder has since let go of. */
const collisionsPerRun = 500;

type Target = (typeof keyRebuilds.$inferSelect)["target"];
type Collision = typeof keyCollisions.$inferInsert;
type Field = Collision["field"];

/** One stored key and the key toKey makes now, in one unique namespace (a column, or location_keys). */
type KeyEntry = { rowId: number; field: Field; oldKey: string; newKey: string };

/**
 * What to do with the keys that changed, in id order: move a key no other row holds; keep the old
 * key, and report the pair, when another row holds the new one; drop a location key its own
 * location already holds (it matches nothing more). `holders` maps each new key to the row that
 * holds it now.
 */
function planMoves(entries: KeyEntry[], holders: Map<string, number>) {
  const moves: KeyEntry[] = [];
  const redundant: KeyEntry[] = [];
  const collisions: (KeyEntry & { otherId: number })[] = [];
  for (const entry of [...entries].sort((a, b) => a.rowId - b.rowId)) {
    if (entry.newKey === entry.oldKey) continue;
    const holder = holders.get(entry.newKey);
    if (holder === undefined) {
      holders.set(entry.newKey, entry.rowId);
      moves.push(entry);
    } else if (holder === entry.rowId) redundant.push(entry);
    else collisions.push({ ...entry, otherId: holder });
  }
  return { moves, redundant, collisions };
}

/** One statement per part of `items` that fits D1's value limit (jsonParts); none for no items. */
const inParts = (items: unknown[], make: (json: string) => D1PreparedStatement) => jsonParts(items).map(make);

/** The rows of one read made in parts (inParts), together. */
async function readInParts<Row>(db: Db, items: unknown[], make: (json: string) => D1PreparedStatement): Promise<Row[]> {
  const reads = inParts(items, make);
  return reads.length ? (await db.$client.batch(reads)).flatMap((result) => rowsOf<Row>(result)) : [];
}

const changedKeys = (entries: KeyEntry[]) => [
  ...new Set(entries.filter((e) => e.newKey !== e.oldKey).map((e) => e.newKey)),
];

/** The rows holding any of these keys now, by key. */
async function holdersOf(db: Db, keys: string[], query: (json: string) => SQL): Promise<Map<string, number>> {
  const rows = await readInParts<{ key: string; id: number }>(db, keys, (part) => statement(db, query(part)));
  return new Map(rows.map((h) => [h.key, h.id]));
}

function recordCollisions(
  db: Db,
  kind: Collision["kind"],
  collisions: (KeyEntry & { otherId: number })[],
): D1PreparedStatement[] {
  return inParts(
    collisions.map((c) => [c.field, c.rowId, c.otherId, c.newKey, c.oldKey]),
    (rows) =>
      statement(
        db,
        sql`INSERT INTO key_collisions (kind, field, row_id, other_id, key, kept_key)
        SELECT ${kind}, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4 FROM json_each(${rows}) j WHERE true
        ON CONFLICT (kind, field, kept_key) DO NOTHING`,
      ),
  );
}

type UserRow = {
  id: number;
  employee_number: string;
  employee_key: string;
  email: string;
  email_key: string;
  first_name: string;
  last_name: string;
  name_key: string;
};

/**
 * The statements that remake these users' keys. Each write is guarded by the old key, so a user
 * an import changed in the meantime keeps the key that import made.
 */
async function remakeUserKeys(
  db: Db,
  rows: UserRow[],
): Promise<{ writes: D1PreparedStatement[]; remade: number; collided: number }> {
  const employee = rows.map((r) => ({
    rowId: r.id,
    field: "employee_number" as const,
    oldKey: r.employee_key,
    newKey: toKey(r.employee_number),
  }));
  const email = rows.map((r) => ({
    rowId: r.id,
    field: "email" as const,
    oldKey: r.email_key,
    newKey: toKey(r.email),
  }));
  const names = rows.flatMap((r) => {
    const key = nameKeyOf(r.first_name, r.last_name);
    return key === r.name_key ? [] : [[r.id, key, r.name_key]];
  });
  const changed = (e: KeyEntry) => e.newKey !== e.oldKey;
  if (names.length === 0 && !employee.some(changed) && !email.some(changed))
    return { writes: [], remade: 0, collided: 0 };
  const employeePlan = planMoves(
    employee,
    await holdersOf(
      db,
      changedKeys(employee),
      (keys) =>
        sql`SELECT id, employee_key AS key FROM users WHERE employee_key IN (SELECT value FROM json_each(${keys}))`,
    ),
  );
  const emailPlan = planMoves(
    email,
    await holdersOf(
      db,
      changedKeys(email),
      (keys) => sql`SELECT id, email_key AS key FROM users WHERE email_key IN (SELECT value FROM json_each(${keys}))`,
    ),
  );
  const moves = (plan: { moves: KeyEntry[] }) => plan.moves.map((m) => [m.rowId, m.newKey, m.oldKey]);
  const writes = [
    ...inParts(moves(employeePlan), (rows) =>
      statement(
        db,
        sql`UPDATE users SET employee_key = j.value->>1 FROM json_each(${rows}) j WHERE users.id = j.value->>0 AND users.employee_key = j.value->>2`,
      ),
    ),
    ...inParts(moves(emailPlan), (rows) =>
      statement(
        db,
        sql`UPDATE users SET email_key = j.value->>1 FROM json_each(${rows}) j WHERE users.id = j.value->>0 AND users.email_key = j.value->>2`,
      ),
    ),
    ...inParts(names, (rows) =>
      statement(
        db,
        sql`UPDATE users SET name_key = j.value->>1 FROM json_each(${rows}) j WHERE users.id = j.value->>0 AND users.name_key = j.value->>2`,
      ),
    ),
    ...recordCollisions(db, "user", [...employeePlan.collisions, ...emailPlan.collisions]),
  ];
  return {
    writes,
    remade: employeePlan.moves.length + emailPlan.moves.length + names.length,
    collided: employeePlan.collisions.length + emailPlan.collisions.length,
  };
}

type LocationKeyRow = { key: string; location_id: number; kind: "name" | "code" | "alias"; label: string };

/** The statements that remake these location keys (name, code and alias rows) from their labels. */
async function remakeLocationKeys(
  db: Db,
  rows: LocationKeyRow[],
): Promise<{ writes: D1PreparedStatement[]; remade: number; collided: number }> {
  const entries = rows.map((r) => ({ rowId: r.location_id, field: r.kind, oldKey: r.key, newKey: toKey(r.label) }));
  if (entries.every((e) => e.newKey === e.oldKey)) return { writes: [], remade: 0, collided: 0 };
  const holders = await holdersOf(
    db,
    changedKeys(entries),
    (keys) => sql`SELECT key, location_id AS id FROM location_keys WHERE key IN (SELECT value FROM json_each(${keys}))`,
  );
  const plan = planMoves(entries, holders);
  const writes = [
    ...inParts(
      plan.redundant.map((r) => r.oldKey),
      (keys) => statement(db, sql`DELETE FROM location_keys WHERE key IN (SELECT value FROM json_each(${keys}))`),
    ),
    ...inParts(
      plan.moves.map((m) => [m.oldKey, m.newKey]),
      (rows) =>
        statement(
          db,
          sql`UPDATE location_keys SET key = j.value->>1 FROM json_each(${rows}) j WHERE location_keys.key = j.value->>0`,
        ),
    ),
    ...recordCollisions(db, "location", plan.collisions),
  ];
  return { writes, remade: plan.moves.length + plan.redundant.length, collided: plan.collisions.length };
}

type RoleRow = { id: number; name: string; name_key: string };

/** The statements that remake these roles' name keys. */
async function remakeRoleKeys(
  db: Db,
  rows: RoleRow[],
): Promise<{ writes: D1PreparedStatement[]; remade: number; collided: number }> {
  const entries = rows.map((r) => ({ rowId: r.id, field: "name" as const, oldKey: r.name_key, newKey: toKey(r.name) }));
  if (entries.every((e) => e.newKey === e.oldKey)) return { writes: [], remade: 0, collided: 0 };
  const holders = await holdersOf(
    db,
    changedKeys(entries),
    (keys) => sql`SELECT id, name_key AS key FROM roles WHERE name_key IN (SELECT value FROM json_each(${keys}))`,
  );
  const plan = planMoves(entries, holders);
  const writes = [
    ...inParts(
      plan.moves.map((m) => [m.rowId, m.newKey, m.oldKey]),
      (rows) =>
        statement(
          db,
          sql`UPDATE roles SET name_key = j.value->>1 FROM json_each(${rows}) j WHERE roles.id = j.value->>0 AND roles.name_key = j.value->>2`,
        ),
    ),
    ...recordCollisions(db, "role", plan.collisions),
  ];
  return { writes, remade: plan.moves.length, collided: plan.collisions.length };
}

const userColumns = "id, employee_number, employee_key, email, email_key, first_name, last_name, name_key";

/** Each target's table, how to read one window of its ids, and how to remake the keys read. */
const targets = {
  users: {
    maxId: "SELECT max(id) AS id FROM users",
    read: `SELECT ${userColumns} FROM users WHERE id > ?1 AND id <= ?2`,
    remake: (db: Db, rows: unknown[]) => remakeUserKeys(db, rows as UserRow[]),
  },
  locations: {
    maxId: "SELECT max(id) AS id FROM locations",
    // A location's name first, then its code: of two of its keys that become one, the first is kept.
    read: "SELECT key, location_id, kind, label FROM location_keys WHERE location_id > ?1 AND location_id <= ?2 ORDER BY location_id, kind = 'alias', kind = 'code'",
    remake: (db: Db, rows: unknown[]) => remakeLocationKeys(db, rows as LocationKeyRow[]),
  },
  roles: {
    maxId: "SELECT max(id) AS id FROM roles",
    read: "SELECT id, name, name_key FROM roles WHERE id > ?1 AND id <= ?2",
    remake: (db: Db, rows: unknown[]) => remakeRoleKeys(db, rows as RoleRow[]),
  },
} satisfies Record<Target, unknown>;
const targetOrder: Target[] = ["users", "locations", "roles"];

export type KeyRebuildRun = { remade: number; collided: number; pending: boolean };

/**
 * Remakes stored keys in JavaScript, as toKey makes them now, for the tables a migration listed in
 * key_rebuilds: a window of `idsPerWindow` ids at a time, each window's writes and the resume
 * point in one batch, at most `idsPerRun` ids per call. A key another row already holds is not
 * merged: the row keeps its old key and the pair goes to key_collisions. Then collisions whose
 * holder has let go of the key are remade, and those no longer true are removed.
 */
export async function rebuildKeys(
  db: Db,
  idsPerRun: number,
  idsPerWindow = defaultIdsPerWindow,
): Promise<KeyRebuildRun> {
  const run: KeyRebuildRun = { remade: 0, collided: 0, pending: false };
  const pending = await db.select().from(keyRebuilds).where(isNull(keyRebuilds.finishedAt));
  // Users first: theirs are the keys people sign in and import by.
  pending.sort((a, b) => targetOrder.indexOf(a.target) - targetOrder.indexOf(b.target));
  let budget = idsPerRun;
  for (const rebuild of pending) {
    const target = targets[rebuild.target];
    const last = (await db.$client.prepare(target.maxId).first<{ id: number | null }>())?.id ?? 0;
    let after = rebuild.afterId;
    while (budget > 0) {
      const upto = after + idsPerWindow;
      const finished = upto >= last;
      const rows = (await db.$client.prepare(target.read).bind(after, upto).all()).results;
      const { writes, remade, collided } = rows.length
        ? await target.remake(db, rows)
        : { writes: [], remade: 0, collided: 0 };
      await db.$client.batch([
        ...writes,
        statement(
          db,
          sql`UPDATE key_rebuilds SET after_id = ${upto}, finished_at = ${finished ? Date.now() : null}
          WHERE target = ${rebuild.target} AND after_id = ${after}`,
        ),
      ]);
      run.remade += remade;
      run.collided += collided;
      budget -= idsPerWindow;
      after = upto;
      if (finished) break;
    }
    if (after < last) run.pending = true;
  }
  await retryCollisions(db);
  return run;
}

/** Collisions whose row still holds the old key it kept: the ones admins must see. */
const liveCollision = sql`CASE ${keyCollisions.kind}
  WHEN 'user' THEN EXISTS (SELECT 1 FROM users u WHERE u.id = ${keyCollisions.rowId}
    AND (CASE ${keyCollisions.field} WHEN 'email' THEN u.email_key ELSE u.employee_key END) = ${keyCollisions.keptKey})
  WHEN 'location' THEN EXISTS (SELECT 1 FROM location_keys k WHERE k.key = ${keyCollisions.keptKey} AND k.location_id = ${keyCollisions.rowId})
  ELSE EXISTS (SELECT 1 FROM roles r WHERE r.id = ${keyCollisions.rowId} AND r.name_key = ${keyCollisions.keptKey}) END`;

/** Looks at recorded collisions again: remakes a key nobody else holds any more, and forgets collisions that are no longer true. */
async function retryCollisions(db: Db): Promise<void> {
  const open = await db
    .select({ kind: keyCollisions.kind, rowId: keyCollisions.rowId, keptKey: keyCollisions.keptKey })
    .from(keyCollisions)
    .orderBy(asc(keyCollisions.id))
    .limit(collisionsPerRun);
  if (open.length === 0) return;
  const ids = (kind: Collision["kind"]) => [...new Set(open.filter((c) => c.kind === kind).map((c) => c.rowId))];
  const read = <Row>(items: unknown[], query: string) =>
    readInParts<Row>(db, items, (part) => db.$client.prepare(query).bind(part));
  const remade = await Promise.all([
    remakeUserKeys(
      db,
      await read<UserRow>(
        ids("user"),
        `SELECT ${userColumns} FROM users WHERE id IN (SELECT value FROM json_each(?1))`,
      ),
    ),
    remakeLocationKeys(
      db,
      await read<LocationKeyRow>(
        open.filter((c) => c.kind === "location").map((c) => c.keptKey),
        "SELECT key, location_id, kind, label FROM location_keys WHERE key IN (SELECT value FROM json_each(?1))",
      ),
    ),
    remakeRoleKeys(
      db,
      await read<RoleRow>(
        ids("role"),
        "SELECT id, name, name_key FROM roles WHERE id IN (SELECT value FROM json_each(?1))",
      ),
    ),
  ]);
  await db.$client.batch([
    ...remade.flatMap((r) => r.writes),
    statement(db, sql`DELETE FROM key_collisions WHERE NOT (${liveCollision})`),
  ]);
}

/** Whether keys are still being rebuilt: until then, some stored keys may be in their old form. */
export async function keyRebuildPending(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ target: keyRebuilds.target })
    .from(keyRebuilds)
    .where(isNull(keyRebuilds.finishedAt))
    .limit(1);
  return row !== undefined;
}

export type CollidingRow = { id: number; employeeNumber: string | null; name: string; value: string };
export type KeyCollisionView = {
  kind: Collision["kind"];
  field: Field;
  key: string;
  foundAt: Date;
  kept: CollidingRow;
  holder: CollidingRow;
};

type CollisionRow = {
  kind: Collision["kind"];
  field: Field;
  key: string;
  found_at: number;
  kept_id: number;
  kept_number: string | null;
  kept_name: string;
  kept_value: string;
  holder_id: number;
  holder_number: string | null;
  holder_name: string;
  holder_value: string | null;
};

/**
 * The collisions still true, oldest first, with both rows: for users their employee numbers, names
 * and the colliding values; for locations and roles their names and the colliding name, code or alias.
 */
export async function listKeyCollisions(db: Db, kind?: Collision["kind"], limit = 100): Promise<KeyCollisionView[]> {
  const rows = await db.all<CollisionRow>(sql`
    SELECT key_collisions.kind, key_collisions.field, key_collisions.key, key_collisions.found_at,
      key_collisions.row_id AS kept_id, u.employee_number AS kept_number,
      coalesce(trim(u.first_name || ' ' || u.last_name), l.name, r.name) AS kept_name,
      coalesce(CASE key_collisions.field WHEN 'email' THEN u.email ELSE u.employee_number END, lk.label, r.name) AS kept_value,
      key_collisions.other_id AS holder_id, ou.employee_number AS holder_number,
      coalesce(trim(ou.first_name || ' ' || ou.last_name), ol.name, orl.name) AS holder_name,
      coalesce(CASE key_collisions.field WHEN 'email' THEN ou.email ELSE ou.employee_number END, olk.label, orl.name) AS holder_value
    FROM key_collisions
      LEFT JOIN users u ON key_collisions.kind = 'user' AND u.id = key_collisions.row_id
      LEFT JOIN users ou ON key_collisions.kind = 'user' AND ou.id = key_collisions.other_id
      LEFT JOIN locations l ON key_collisions.kind = 'location' AND l.id = key_collisions.row_id
      LEFT JOIN location_keys lk ON key_collisions.kind = 'location' AND lk.key = key_collisions.kept_key
      LEFT JOIN locations ol ON key_collisions.kind = 'location' AND ol.id = key_collisions.other_id
      LEFT JOIN location_keys olk ON key_collisions.kind = 'location' AND olk.key = key_collisions.key
      LEFT JOIN roles r ON key_collisions.kind = 'role' AND r.id = key_collisions.row_id
      LEFT JOIN roles orl ON key_collisions.kind = 'role' AND orl.id = key_collisions.other_id
    WHERE (${liveCollision}) ${kind ? sql`AND key_collisions.kind = ${kind}` : sql``}
    ORDER BY key_collisions.id LIMIT ${limit}`);
  return rows.map((r) => ({
    kind: r.kind,
    field: r.field,
    key: r.key,
    foundAt: new Date(r.found_at),
    kept: { id: r.kept_id, employeeNumber: r.kept_number, name: r.kept_name, value: r.kept_value },
    holder: { id: r.holder_id, employeeNumber: r.holder_number, name: r.holder_name, value: r.holder_value ?? r.key },
  }));
}
