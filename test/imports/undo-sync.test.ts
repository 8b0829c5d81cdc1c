import { beforeAll, describe, expect, it } from "vitest";
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
});
