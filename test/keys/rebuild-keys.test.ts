import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/passwords";
import { keyRebuildPending, listKeyCollisions, rebuildKeys } from "../../src/db/key-rebuilds";
import { legacyKeyOf, nameKeyOf, toKey } from "../../src/db/keys";
import { jsonParts } from "../../src/db/bulk-rows";
import { findUser, findUserId, upsertAdmin } from "../../src/db/users";
import { keyCollisions, keyRebuilds, locationKeys, roles, sessions, users } from "../../src/db/schema";
import worker from "../../src/index";
import { call, createUserWithToken, csvOf, db, header, importCsv, password, unique } from "../helpers";
import { Browser, signedIn } from "../web/helpers";

/** The fullwidth form of an ASCII string: looks the same, is other code points. */
const fullwidth = (value: string) => value.replace(/[!-~]/g, (c) => String.fromCodePoint(c.charCodeAt(0) + 0xfee0));

let standardRoleId: number;
let token: string;

beforeAll(async () => {
  const [standard] = await db.select().from(roles).where(eq(roles.nameKey, "standard"));
  if (!standard) throw new Error("no Standard role");
  standardRoleId = standard.id;
  ({ token } = await createUserWithToken("Admin"));
});

/** Stores a user as Roster did before keys folded look-alikes: every key trimmed, NFC and lower-cased only. */
async function insertOldUser(
  employeeNumber: string,
  email: string,
  firstName = "Old",
  lastName = "Style",
): Promise<number> {
  const row = await env.DB.prepare(
    `INSERT INTO users (employee_number, employee_key, first_name, last_name, name_key, email, email_key, role_id, password_hash)
     VALUES (?1, ?2, ?3, ?4, lower(trim(?3 || ' ' || ?4)), ?5, ?6, ?7, ?8) RETURNING id`,
  )
    .bind(
      employeeNumber,
      legacyKeyOf(employeeNumber),
      firstName,
      lastName,
      email,
      legacyKeyOf(email),
      standardRoleId,
      await hashPassword(password),
    )
    .first<{ id: number }>();
  if (!row) throw new Error("user not inserted");
  return row.id;
}

/** Stores a location as Roster did before, with each name, code and alias under its old key. */
async function insertOldLocation(name: string, code: string | null, aliases: string[] = []): Promise<number> {
  const row = await env.DB.prepare("INSERT INTO locations (name, code) VALUES (?1, ?2) RETURNING id")
    .bind(name, code)
    .first<{ id: number }>();
  if (!row) throw new Error("location not inserted");
  const keys: [string, string][] = [
    [name, "name"],
    ...(code ? [[code, "code"] as [string, string]] : []),
    ...aliases.map((a) => [a, "alias"] as [string, string]),
  ];
  for (const [label, kind] of keys) {
    await env.DB.prepare("INSERT INTO location_keys (key, location_id, kind, label) VALUES (?1, ?2, ?3, ?4)")
      .bind(legacyKeyOf(label), row.id, kind, label)
      .run();
  }
  return row.id;
}

/** As migration 0012 leaves it: every table's keys still to rebuild. */
async function startRebuild() {
  await db.update(keyRebuilds).set({ afterId: 0, finishedAt: null });
}

async function rebuildAll(idsPerWindow?: number) {
  for (let run = 0; run < 1_000; run++) if (!(await rebuildKeys(db, 10_000, idsPerWindow)).pending) return;
  throw new Error("the key rebuild never finished");
}

const userById = async (id: number) => (await db.select().from(users).where(eq(users.id, id)))[0];

describe("the key rebuild after migration 0012", () => {
  it("is queued by the migration for users, locations and roles", async () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0012_"));
    expect(migration?.queries.join("\n")).toContain("INSERT INTO `key_rebuilds`");
    const targets = (await db.select().from(keyRebuilds)).map((r) => r.target).sort();
    expect(targets).toEqual(["locations", "roles", "users"]);
  });

  it("remakes old keys in bounded windows, resuming where each run stopped", async () => {
    const n = unique("rb");
    const fullwidthUser = await insertOldUser(fullwidth(`U${n}`), `${n}-1@example.com`, "Zoë", "Straße");
    const emailUser = await insertOldUser(`X${n}`, fullwidth(`x${n}`) + "@example.com");
    const ascii = await insertOldUser(`A${n}`, `a${n}@example.com`, "Ada", "Byron");
    await startRebuild();

    // One id per window and two per run: a run does part of the work, says so, and the next resumes.
    const first = await rebuildKeys(db, 2, 1);
    expect(first.pending).toBe(true);
    const [progress] = await db.select().from(keyRebuilds).where(eq(keyRebuilds.target, "users"));
    expect(progress).toMatchObject({ afterId: 2, finishedAt: null });
    expect(await keyRebuildPending(db)).toBe(true);

    await rebuildAll(1);
    expect(await keyRebuildPending(db)).toBe(false);
    expect(await userById(fullwidthUser)).toMatchObject({
      employeeKey: toKey(`U${n}`),
      nameKey: nameKeyOf("Zoë", "Strasse"),
    });
    expect(await userById(emailUser)).toMatchObject({ employeeKey: toKey(`X${n}`), emailKey: `x${n}@example.com` });
    expect(await userById(ascii)).toMatchObject({ employeeKey: `a${n}`, nameKey: "ada byron" });
    // The values themselves are as they were stored.
    expect((await userById(fullwidthUser))?.employeeNumber).toBe(fullwidth(`U${n}`));

    // Rebuilt, the user is the one an import of any look-alike form updates.
    const site = unique("Site ");
    await call(token, "/api/locations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: site }),
    });
    const { imp } = await importCsv(
      token,
      csvOf([header, [`U\u00AD${n}`, "Zoë", "Straße", site, `${n}-1@example.com`, ""]]),
    );
    expect(imp.counts).toMatchObject({ created: 0, updated: 1 });
  });

  it("sends a window's long values in parts that each fit D1's 2 MB value limit", () => {
    const rows = Array.from({ length: 60 }, (_, i) => [i, "Ｌ".repeat(40_000), "l".repeat(40_000)]);
    const parts = jsonParts(rows);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(new TextEncoder().encode(part).length).toBeLessThan(2 * 1024 * 1024);
    expect(parts.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(rows);
    expect(jsonParts([])).toEqual([]);
  });

  it("keeps both users of a collision apart, each with its own key, and reports the pair", async () => {
    const n = unique("co");
    const real = await insertOldUser(`V${n}`, `v${n}@example.com`, "Real", "Vee");
    const twin = await insertOldUser(fullwidth(`V${n}`), `v${n}-twin@example.com`, "Twin", "Vee");
    const emailHolder = await insertOldUser(`W${n}`, `w${n}@example.com`);
    const emailTwin = await insertOldUser(`W${n}-2`, `w\u00AD${n}@example.com`);
    // Two old rows that both become one key: the first keeps it, the second is reported.
    const firstOld = await insertOldUser(fullwidth(`T${n}`), `t${n}-1@example.com`);
    const secondOld = await insertOldUser(`T\u00AD${n}`, `t${n}-2@example.com`);
    await startRebuild();
    await rebuildAll();

    expect(await userById(real)).toMatchObject({ employeeKey: `v${n}` });
    expect(await userById(twin)).toMatchObject({
      employeeKey: legacyKeyOf(fullwidth(`V${n}`)),
      emailKey: `v${n}-twin@example.com`,
    });
    expect(await userById(emailTwin)).toMatchObject({
      employeeKey: `w${n}-2`,
      emailKey: legacyKeyOf(`w\u00AD${n}@example.com`),
    });
    expect(await userById(firstOld)).toMatchObject({ employeeKey: `t${n}` });
    expect(await userById(secondOld)).toMatchObject({ employeeKey: legacyKeyOf(`T\u00AD${n}`) });

    const mine = (await listKeyCollisions(db, "user"))
      .filter((c) => [twin, emailTwin, secondOld].includes(c.kept.id))
      .sort((a, b) => a.kept.id - b.kept.id);
    expect(mine.map((c) => [c.field, c.kept.id, c.holder.id, c.key])).toEqual([
      ["employee_number", twin, real, `v${n}`],
      ["email", emailTwin, emailHolder, `w${n}@example.com`],
      ["employee_number", secondOld, firstOld, `t${n}`],
    ]);
    expect(mine[0]).toMatchObject({
      kept: { employeeNumber: fullwidth(`V${n}`), name: "Twin Vee" },
      holder: { employeeNumber: `V${n}`, value: `V${n}` },
    });

    // Neither is lost: each is found by its employee number as written, and each signs in as itself.
    expect((await findUser(db, fullwidth(`V${n}`)))?.firstName).toBe("Twin");
    expect((await findUser(db, `V${n}`))?.firstName).toBe("Real");
    expect((await findUser(db, `v${n}`))?.firstName).toBe("Real");
    for (const [username, id] of [
      [fullwidth(`V${n}`), twin],
      [`V${n}`, real],
    ] as const) {
      expect((await new Browser().signIn(username)).status).toBe(303);
      expect(await db.select().from(sessions).where(eq(sessions.userId, id))).toHaveLength(1);
    }
    // The twin's password never opens the real user's account, and a changed password for one is no key to the other.
    await db
      .update(users)
      .set({ passwordHash: await hashPassword("the twin's own password") })
      .where(eq(users.id, twin));
    expect((await new Browser().signIn(`V${n}`, "the twin's own password")).status).toBe(401);
    expect((await new Browser().signIn(fullwidth(`V${n}`), "the twin's own password")).status).toBe(303);
  });

  it("makes the user named an admin from the command line, never the other of a collision", async () => {
    const n = unique("ad");
    const real = await insertOldUser(`M${n}`, `m${n}@example.com`, "Real", "Em");
    const twin = await insertOldUser(fullwidth(`M${n}`), `m${n}-twin@example.com`, "Twin", "Em");
    await startRebuild();
    await rebuildAll();
    const fields = {
      email: `m${n}-twin@example.com`,
      firstName: "Twin",
      lastName: "Admin\u200B",
      passwordHash: await hashPassword("the twin's new password"),
    };
    expect(await upsertAdmin(db, { ...fields, username: fullwidth(`M${n}`) })).toEqual({ outcome: "updated" });
    expect(await userById(twin)).toMatchObject({
      lastName: "Admin",
      roleId: (await db.select().from(roles).where(eq(roles.nameKey, "admin")))[0]?.id,
    });
    expect(await userById(real)).toMatchObject({ lastName: "Em", roleId: standardRoleId });
    expect(await findUserId(db, fullwidth(`M${n}`))).toBe(twin);
    expect((await new Browser().signIn(`M${n}`, "the twin's new password")).status).toBe(401);
  });

  it("remakes a collided key once the other user no longer holds it, and forgets the collision", async () => {
    const n = unique("he");
    const holder = await insertOldUser(`H${n}`, `h${n}@example.com`);
    const twin = await insertOldUser(`H${n}-2`, fullwidth(`h${n}`) + "@example.com");
    await startRebuild();
    await rebuildAll();
    expect((await listKeyCollisions(db, "user")).some((c) => c.kept.id === twin)).toBe(true);

    await db
      .update(users)
      .set({ email: `h${n}-new@example.com`, emailKey: `h${n}-new@example.com` })
      .where(eq(users.id, holder));
    await rebuildKeys(db, 10_000);
    expect(await userById(twin)).toMatchObject({ emailKey: `h${n}@example.com` });
    expect((await listKeyCollisions(db, "user")).some((c) => c.kept.id === twin)).toBe(false);
    expect(await db.select().from(keyCollisions).where(eq(keyCollisions.rowId, twin))).toHaveLength(0);
  });

  it("remakes location keys, drops those their own location already has, and reports look-alike locations", async () => {
    const n = unique("");
    const london = await insertOldLocation(`London${n}`, `LDN${n}`);
    const twin = await insertOldLocation(fullwidth("L") + `ondon${n}`, fullwidth(`LON${n}`));
    const paris = await insertOldLocation(`Paris${n}`, null, [fullwidth("P") + `aris${n}`, `Paname${n}\u00AD`]);
    await startRebuild();
    await rebuildAll();

    const keysOf = async (id: number) =>
      (await db.select().from(locationKeys).where(eq(locationKeys.locationId, id))).map((k) => [k.kind, k.key]).sort();
    expect(await keysOf(london)).toEqual([
      ["code", `ldn${n}`],
      ["name", `london${n}`],
    ]);
    expect(await keysOf(twin)).toEqual([
      ["code", `lon${n}`],
      ["name", legacyKeyOf(fullwidth("L") + `ondon${n}`)],
    ]);
    expect(await keysOf(paris)).toEqual([
      ["alias", `paname${n}`],
      ["name", `paris${n}`],
    ]);

    const mine = (await listKeyCollisions(db, "location")).filter((c) => c.kept.id === twin);
    expect(mine).toMatchObject([
      {
        field: "name",
        key: `london${n}`,
        kept: { name: fullwidth("L") + `ondon${n}` },
        holder: { id: london, name: `London${n}`, value: `London${n}` },
      },
    ]);
  });

  it("shows admins the collisions on All Users, Locations and in the API", async () => {
    const n = unique("sh");
    await insertOldUser(`S${n}`, `s${n}@example.com`, "Sam", "Real");
    await insertOldUser(fullwidth(`S${n}`), `s${n}-2@example.com`, "Sam", "Twin");
    await insertOldLocation(`Rome${n}`, null);
    await insertOldLocation(`Ro\u00ADme${n}`, null);
    await startRebuild();
    await rebuildAll();

    const { browser } = await signedIn("Manager");
    const usersPage = await (await browser.fetch("/users")).text();
    expect(usersPage).toContain("Some users&#39; identifiers look the same as another user&#39;s.");
    expect(usersPage).toContain(`href="/users/${encodeURIComponent(fullwidth(`S${n}`))}"`);
    const locationsPage = await (await browser.fetch("/locations")).text();
    expect(locationsPage).toContain("Some locations&#39; names look the same as another location&#39;s.");
    expect(locationsPage).toContain(`Ro\u00ADme${n}`);

    const res = await call(token, "/api/key-collisions");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      collisions: { kind: string; kept: { employee_number: string | null; value: string } }[];
      rebuilding: boolean;
    };
    expect(body.rebuilding).toBe(false);
    expect(body.collisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "user",
          field: "employee_number",
          kept: expect.objectContaining({ employee_number: fullwidth(`S${n}`) }),
        }),
        expect.objectContaining({
          kind: "location",
          field: "name",
          kept: expect.objectContaining({ employee_number: null, value: `Ro\u00ADme${n}` }),
        }),
      ]),
    );
  });

  it("runs from the scheduled job, and has nothing left to do on a database made after it", async () => {
    const n = unique("cr");
    const old = await insertOldUser(fullwidth(`C${n}`), `c${n}@example.com`);
    await startRebuild();
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }),
      env,
      createExecutionContext(),
    );
    expect(await userById(old)).toMatchObject({ employeeKey: `c${n}` });
    expect(await keyRebuildPending(db)).toBe(false);
    const before = await db
      .select()
      .from(users)
      .where(inArray(users.id, [old]));
    expect((await rebuildKeys(db, 10_000)).remade).toBe(0);
    expect(
      await db
        .select()
        .from(users)
        .where(inArray(users.id, [old])),
    ).toEqual(before);
  });
});
