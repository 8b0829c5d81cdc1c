import { beforeAll, describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import { accountLinks, sessions } from "../../src/db/schema";
import { insertSession } from "../../src/db/sessions";
import { setUserStatus } from "../../src/db/users";
import {
  call,
  createTestLocation,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  storedUser,
  syncCsv,
  unique,
  uploadCsv,
  waitForImport,
  waitForUndo,
  type ImportBody,
} from "../helpers";

type UndoneBody = ImportBody & { deactivated: number; undo: { restored: number; removed: number } | null };
type History = {
  history: { source: Record<string, unknown>; changes: { field: string; from: unknown; to: unknown }[] }[];
};

let admin: { user: { id: number }; token: string };
let site: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  site = await createTestLocation();
});

const row = (n: string) => [n, "Left", n, site.name, `${n}@example.com`, "Standard"];

/** Runs a sync of `rows`, confirming the number the guardrail asks for; the finished import. */
async function runSync(rows: string[][]): Promise<UndoneBody> {
  const { imp }: { imp: ImportBody } = await syncCsv(admin.token, csvOf([header, ...rows]));
  return imp as UndoneBody;
}

async function undo(id: string): Promise<UndoneBody> {
  expect((await call(admin.token, `/api/imports/${id}/undo`, { method: "POST" })).status).toBe(202);
  return waitForUndo<UndoneBody>(admin.token, id);
}

const liveSessions = async (userId: number) =>
  (
    await db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
  ).length;

describe("undoing a sync", () => {
  it("reactivates the users it deactivated, but not one whose status changed since", async () => {
    const [stays, left, handled] = [unique("S"), unique("S"), unique("S")];
    await importCsv(admin.token, csvOf([header, row(stays), row(left), row(handled)]));

    const upload = await uploadCsv(admin.token, csvOf([header, row(stays)]), "filename=users.csv");
    const { id } = (await upload.json()) as { id: string };
    const forecast = (await (await call(admin.token, `/api/imports/${id}/sync-forecast`)).json()) as {
      deactivations: number;
    };
    const start = `/api/imports/${id}/start?sync=true&confirm_deactivations=${forecast.deactivations}`;
    expect((await call(admin.token, start, { method: "POST" })).status).toBe(202);
    const synced = (await waitForImport(admin.token, id)) as UndoneBody;
    expect(synced.deactivated).toBe(forecast.deactivations);
    expect((await storedUser(left))?.status).toBe("deactivated");

    // An admin brings one back by hand and sends them away again: that status is theirs now.
    const handledUser = await storedUser(handled);
    if (!handledUser) throw new Error("no user");
    await setUserStatus(db, handledUser.id, "active", [], new Date(), admin.user.id);
    await setUserStatus(db, handledUser.id, "deactivated", [], new Date(), admin.user.id);

    expect((await call(admin.token, `/api/imports/${id}/undo`, { method: "POST" })).status).toBe(202);
    const undone = await waitForUndo<UndoneBody>(admin.token, id);
    expect(undone.status).toBe("undone");
    expect(undone.undo?.restored).toBe(forecast.deactivations - 1);
    expect((await storedUser(left))?.status).toBe("active");
    expect((await storedUser(handled))?.status).toBe("deactivated");
    expect((await storedUser(stays))?.status).toBe("active");

    const history = (await (await call(admin.token, `/api/users/${left}/history`)).json()) as History;
    expect(history.history[0]).toMatchObject({
      source: { undo_of_import_id: id, line: 0 },
      changes: [{ field: "status", from: "deactivated", to: "active" }],
    });
    // Asked again, it changes nothing.
    expect((await call(admin.token, `/api/imports/${id}/undo`, { method: "POST" })).status).toBe(202);
    const again = (await (await call(admin.token, `/api/users/${left}/history`)).json()) as History;
    expect(again.history.length).toBe(history.history.length);
  });

  it("deactivates again, as the earlier sync's, a user one of its lines reactivated", async () => {
    const [stays, back] = [unique("S"), unique("S")];
    await importCsv(admin.token, csvOf([header, row(stays), row(back)]));
    const first = await runSync([row(stays)]);
    const leaver = await storedUser(back);
    expect(leaver?.status).toBe("deactivated");
    expect(leaver?.deactivatedBySync).not.toBeNull();

    const second = await runSync([row(stays), row(back)]);
    const returned = await storedUser(back);
    if (!returned) throw new Error("no user");
    expect(returned.status).toBe("active");
    // Signed in once reactivated: taking the reactivation back ends that session.
    await insertSession(db, {
      idHash: unique("session-hash"),
      userId: returned.id,
      csrfToken: "t",
      expiresAt: new Date(Date.now() + 3_600_000),
    });

    const undone = await undo(second.id);
    expect(undone.status).toBe("undone");
    const again = await storedUser(back);
    expect(again?.status).toBe("deactivated");
    expect(again?.deactivatedBySync).toBe(leaver?.deactivatedBySync);
    expect(await liveSessions(returned.id)).toBe(0);
    const history = (await (await call(admin.token, `/api/users/${back}/history`)).json()) as History;
    expect(history.history[0]).toMatchObject({
      source: { undo_of_import_id: second.id },
      changes: [{ field: "status", from: "active", to: "deactivated" }],
    });

    // The earlier sync holds them again, so its undo gives them back.
    await undo(first.id);
    expect((await storedUser(back))?.status).toBe("active");
  });

  it("keeps the status of a user reactivated by its line whose status changed since", async () => {
    const [stays, back] = [unique("S"), unique("S")];
    await importCsv(admin.token, csvOf([header, row(stays), row(back)]));
    await runSync([row(stays)]);
    const second = await runSync([row(stays), row(back)]);
    const returned = await storedUser(back);
    if (!returned) throw new Error("no user");
    await setUserStatus(db, returned.id, "deactivated", [], new Date(), admin.user.id);
    await setUserStatus(db, returned.id, "active", [], new Date(), admin.user.id);

    await undo(second.id);
    expect((await storedUser(back))?.status).toBe("active");
    const notes = (await (await call(admin.token, `/api/imports/${second.id}/undo-notes`)).json()) as {
      notes: { line: number; kept: { field: string | null; reason: string }[] }[];
    };
    expect(notes.notes).toContainEqual(
      expect.objectContaining({
        line: 3,
        kept: [expect.objectContaining({ field: "status", reason: "changed_since" })],
      }),
    );
  });

  it("voids the waiting activation link of a user a sync deactivates, and of one its undo sends away again", async () => {
    const [stays, left] = [unique("S"), unique("S")];
    await importCsv(admin.token, csvOf([header, row(stays), row(left)]));
    const user = await storedUser(left);
    if (!user) throw new Error("no user");
    const linksOf = () => db.select().from(accountLinks).where(eq(accountLinks.userId, user.id));
    const makeLink = () => call(admin.token, `/api/users/${left}/activation`, { method: "POST" });
    expect((await makeLink()).status).toBe(201);
    const first = await runSync([row(stays)]);
    expect(await linksOf()).toEqual([]);

    const second = await runSync([row(stays), row(left)]);
    expect((await storedUser(left))?.status).toBe("active");
    expect((await makeLink()).status).toBe(201);
    await undo(second.id);
    expect((await storedUser(left))?.status).toBe("deactivated");
    expect(await linksOf()).toEqual([]);
    await undo(first.id);
  });
});
