import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { requestImportUndo } from "../../src/db/import-undo";
import { findImportRow, markImportQueued } from "../../src/db/imports";
import { sessions, userChanges, webhookDeliveries } from "../../src/db/schema";
import { advanceUndo } from "../../src/imports/undo-import";
import { deliver, uploadOnly } from "./consumer";
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
  waitForUndo as waitForUndoOf,
} from "../helpers";
import { csrfIn, signedIn } from "../web/helpers";

type ImportWithUndo = {
  id: string;
  status: string;
  undo: {
    processed_rows: number;
    removed: number;
    restored: number;
    kept: number;
    started_at: string | null;
    finished_at: string | null;
  } | null;
};
type Notes = {
  notes: { line: number; employee_number: string; kept: { field: string | null; reason: string; message: string }[] }[];
  next_cursor: string | null;
};

let admin: { user: { id: number; employeeNumber: string }; token: string };
let leeds: { name: string };
let york: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  leeds = await createTestLocation();
  york = await createTestLocation();
});

const undo = (id: string, token = admin.token) => call(token, `/api/imports/${id}/undo`, { method: "POST" });

const waitForUndo = (id: string, timeoutMs?: number) => waitForUndoOf<ImportWithUndo>(admin.token, id, timeoutMs);

async function undoAndWait(id: string): Promise<ImportWithUndo> {
  const res = await undo(id);
  expect(res.status).toBe(202);
  return waitForUndo(id);
}

async function notesOf(id: string): Promise<Notes> {
  const res = await call(admin.token, `/api/imports/${id}/undo-notes`);
  expect(res.status).toBe(200);
  return (await res.json()) as Notes;
}

const row = (n: string, first: string, location: string, email = `${n}@example.com`, role = "") => [
  n,
  first,
  "Undo",
  location,
  email,
  role,
];

describe("undoing an import", () => {
  it("removes the users it created and gives those it updated their earlier values back", async () => {
    const kept = unique("uk");
    const moved = unique("um");
    await importCsv(
      admin.token,
      csvOf([header, row(kept, "Kim", leeds.name), row(moved, "Mo", leeds.name, `${moved}@example.com`, "Standard")]),
    );
    const added = unique("ua");
    const second = await importCsv(
      admin.token,
      csvOf([
        header,
        row(kept, "Kimberly", york.name),
        row(added, "Ada", leeds.name),
        row(moved, "Mo", leeds.name, `${moved}-new@example.com`, "Manager"),
      ]),
    );
    expect(second.imp.counts).toMatchObject({ created: 1, updated: 2 });
    const before = await call(admin.token, `/api/imports/${second.imp.id}/report.csv`).then((r) => r.text());

    const done = await undoAndWait(second.imp.id);
    expect(done.status).toBe("undone");
    expect(done.undo).toMatchObject({ processed_rows: 3, removed: 1, restored: 2, kept: 0 });
    expect(done.undo?.finished_at).not.toBeNull();

    expect(await storedUser(added)).toBeUndefined();
    expect(await storedUser(kept)).toMatchObject({ firstName: "Kim" });
    const restored = await storedUser(moved);
    expect(restored).toMatchObject({ email: `${moved}@example.com` });
    const mover = await call(admin.token, `/api/users/${moved}`).then((r) => r.json());
    expect(mover).toMatchObject({ role: "Standard", location: leeds.name });
    const kim = await call(admin.token, `/api/users/${kept}`).then((r) => r.json());
    expect(kim).toMatchObject({ location: leeds.name });

    // The import's own report reads as it did.
    expect(await call(admin.token, `/api/imports/${second.imp.id}/report.csv`).then((r) => r.text())).toBe(before);
    expect((await notesOf(second.imp.id)).notes).toEqual([]);

    const history = (await call(admin.token, `/api/users/${kept}/history`).then((r) => r.json())) as {
      history: { source: Record<string, unknown>; changes: unknown[] }[];
    };
    expect(history.history[0]).toEqual({
      at: expect.any(String),
      source: { undo_of_import_id: second.imp.id, line: 2 },
      changes: [
        { field: "first_name", from: "Kimberly", to: "Kim" },
        { field: "location", from: york.name, to: leeds.name },
      ],
    });
    expect(history.history[1]?.source).toEqual({ import_id: second.imp.id, line: 2 });
  });

  it("keeps a field changed after the import, and a created user changed since, and says so for their lines", async () => {
    const n = unique("uc");
    await importCsv(admin.token, csvOf([header, row(n, "Cy", leeds.name)]));
    const born = unique("ub");
    const second = await importCsv(
      admin.token,
      csvOf([header, row(n, "Cyril", york.name), row(born, "Bea", leeds.name)]),
    );
    // Later, another import moves Cy again and renames Bea.
    await importCsv(admin.token, csvOf([header, row(n, "Cyril", leeds.name), row(born, "Beatrice", leeds.name)]));

    const done = await undoAndWait(second.imp.id);
    expect(done.undo).toMatchObject({ removed: 0, restored: 1, kept: 2 });
    expect(await storedUser(n)).toMatchObject({ firstName: "Cy" });
    expect(await call(admin.token, `/api/users/${n}`).then((r) => r.json())).toMatchObject({ location: leeds.name });
    expect(await storedUser(born)).toMatchObject({ firstName: "Beatrice" });
    expect((await notesOf(second.imp.id)).notes).toEqual([
      {
        line: 2,
        employee_number: n,
        kept: [
          {
            field: "location",
            reason: "changed_since",
            message: "The location was kept: it was changed after this import, by a later import or by hand.",
          },
        ],
      },
      {
        line: 3,
        employee_number: born,
        kept: [
          {
            field: null,
            reason: "user_changed_since",
            message: "The user was kept: this import created them, but they were changed after it.",
          },
        ],
      },
    ]);
  });

  it("takes back two imports undone latest first, as if neither had run", async () => {
    const n = unique("u2");
    const first = await importCsv(admin.token, csvOf([header, row(n, "Una", leeds.name)]));
    const second = await importCsv(admin.token, csvOf([header, row(n, "Uma", york.name)]));
    expect((await undoAndWait(second.imp.id)).undo).toMatchObject({ restored: 1, kept: 0 });
    expect(await storedUser(n)).toMatchObject({ firstName: "Una" });
    expect((await undoAndWait(first.imp.id)).undo).toMatchObject({ removed: 1, kept: 0 });
    expect(await storedUser(n)).toBeUndefined();
  });

  it("gives back emails that one line took from another, in the order that frees them", async () => {
    const x = unique("ux");
    const y = unique("uy");
    await importCsv(admin.token, csvOf([header, row(x, "Xi", leeds.name), row(y, "Yu", leeds.name)]));
    // Yu gives up their email on line 2, and Xi takes it on line 3.
    const swap = await importCsv(
      admin.token,
      csvOf([header, row(y, "Yu", leeds.name, `${y}-2@example.com`), row(x, "Xi", leeds.name, `${y}@example.com`)]),
    );
    expect(swap.imp.counts).toMatchObject({ updated: 2, failed: 0 });
    const done = await undoAndWait(swap.imp.id);
    expect(done.undo).toMatchObject({ restored: 2, kept: 0 });
    expect(await storedUser(x)).toMatchObject({ email: `${x}@example.com` });
    expect(await storedUser(y)).toMatchObject({ email: `${y}@example.com` });
  });

  it("removes a created user's sessions with them, and keeps one who has since uploaded an import", async () => {
    const gone = unique("ug");
    const busy = unique("uu");
    const created = await importCsv(
      admin.token,
      csvOf([
        header,
        row(gone, "Gil", leeds.name, `${gone}@example.com`, "Admin"),
        row(busy, "Bo", leeds.name, `${busy}@example.com`, "Admin"),
      ]),
    );
    const goneUser = await storedUser(gone);
    const busyUser = await storedUser(busy);
    if (!goneUser || !busyUser) throw new Error("the import created no users");
    await db.insert(sessions).values({
      idHash: unique("s"),
      userId: goneUser.id,
      csrfToken: "t",
      expiresAt: new Date(Date.now() + 60_000),
    });
    await uploadOnly(busyUser.id, csvOf([header, row(unique("uz"), "Zed", leeds.name)]));

    const done = await undoAndWait(created.imp.id);
    expect(done.undo).toMatchObject({ removed: 1, kept: 1 });
    expect(await storedUser(gone)).toBeUndefined();
    expect(await db.select().from(sessions).where(eq(sessions.userId, goneUser.id))).toEqual([]);
    expect(await db.select().from(userChanges).where(eq(userChanges.userId, goneUser.id))).toEqual([]);
    expect(await storedUser(busy)).toBeDefined();
    expect((await notesOf(created.imp.id)).notes[0]).toMatchObject({
      line: 3,
      kept: [{ field: null, reason: "user_in_use" }],
    });
  });

  it("answers 202 and changes nothing when asked again, and announces import.undone once", async () => {
    const hook = await call(admin.token, "/api/webhooks", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:1/undo-hooks", events: ["import.undone"] }),
    });
    expect(hook.status).toBe(201);
    const endpoint = (await hook.json()) as { id: number };
    const n = unique("ua");
    const { imp } = await importCsv(admin.token, csvOf([header, row(n, "Al", leeds.name)]));
    const first = await undoAndWait(imp.id);
    const again = await undo(imp.id);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(first);
    const deliveries = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.subject, imp.id)));
    expect(deliveries.map((d) => d.event)).toEqual(["import.undone"]);
    expect(JSON.parse(deliveries[0]?.payload ?? "{}")).toMatchObject({
      type: "import.undone",
      data: { import: { id: imp.id, status: "undone", undo: { removed: 1 } } },
    });
  });

  it("refuses to undo an import that has not finished, with a code", async () => {
    const imp = await uploadOnly(admin.user.id, csvOf([header, row(unique("ur"), "Ru", leeds.name)]));
    const ready = await undo(imp.id);
    expect(ready.status).toBe(409);
    expect(await ready.json()).toMatchObject({ error: { code: "import_not_finished" } });
    await markImportQueued(db, imp.id, admin.user.id, new Date());
    const queued = await undo(imp.id);
    expect(queued.status).toBe(409);
    expect((await findImportRow(db, imp.id))?.status).toBe("queued");
    expect((await undo(crypto.randomUUID())).status).toBe(404);
  });

  it("refuses an undo to a user who cannot import users", async () => {
    const viewer = await createUserWithToken("Manager");
    const { imp } = await importCsv(admin.token, csvOf([header, row(unique("up"), "Pa", leeds.name)]));
    const res = await undo(imp.id, viewer.token);
    expect([401, 403]).toContain(res.status);
    expect((await findImportRow(db, imp.id))?.status).toBe("completed");
  });
});

describe("an undo that crashes part-way", () => {
  it("resumes where it stopped, with every user right and nothing undone twice", async () => {
    const prefix = unique("uz");
    const lines = 16_500;
    // The first import creates the odd-numbered users; the second creates the even ones and renames the odd.
    const odd = [header];
    const both = [header];
    for (let i = 0; i < lines; i++) {
      if (i % 2 === 1) odd.push([`${prefix}-${i}`, "Old", `N${i}`, leeds.name, `${prefix}-${i}@example.com`, ""]);
      both.push([`${prefix}-${i}`, "New", `N${i}`, york.name, `${prefix}-${i}@example.com`, ""]);
    }
    await importCsv(admin.token, csvOf(odd));
    const second = await importCsv(admin.token, csvOf(both));
    expect(second.imp.counts).toMatchObject({ created: lines / 2, updated: lines / 2 });
    const row0 = await findImportRow(db, second.imp.id);
    expect(row0?.chunkCount).toBeGreaterThan(2);

    // Asked for without its message; a consumer undoes one chunk and dies.
    expect(await requestImportUndo(db, second.imp.id, admin.user.id, new Date())).toEqual({ status: "undoing" });
    expect(await advanceUndo(env, db, second.imp.id, 60_000, 1)).toBe("continues");
    const partway = await findImportRow(db, second.imp.id);
    expect(partway).toMatchObject({ status: "undoing", undoChunks: 1 });
    const firstChunk = partway?.undoRows ?? 0;
    expect(firstChunk).toBeGreaterThan(0);

    // The retried message twice at once, then a stale one after the end.
    const results = await Promise.all([
      deliver("roster-imports", second.imp.id, 2, "undo"),
      deliver("roster-imports", second.imp.id, 2, "undo"),
    ]);
    for (const r of results) expect(r.explicitAcks.length + r.retryMessages.length).toBe(1);
    await waitForUndo(second.imp.id, 60_000);
    await deliver("roster-imports", second.imp.id, 3, "undo");

    const done = await findImportRow(db, second.imp.id);
    expect(done).toMatchObject({
      status: "undone",
      undoRows: lines,
      undoRemoved: lines / 2,
      undoRestored: lines / 2,
      undoKept: 0,
    });
    for (const i of [0, 1, 2, 7_999, 8_000, 8_001, 16_000, lines - 1]) {
      const user = await storedUser(`${prefix}-${i}`);
      if (i % 2 === 0) expect(user).toBeUndefined();
      else expect(user).toMatchObject({ firstName: "Old" });
    }
    // Each updated user has exactly one undo entry in their history.
    const sample = await storedUser(`${prefix}-8001`);
    const undos = await db
      .select()
      .from(userChanges)
      .where(and(eq(userChanges.userId, sample?.id ?? 0), eq(userChanges.source, "undo")));
    expect(undos).toHaveLength(1);
  }, 120_000);
});

describe("an undo that cannot go on", () => {
  it("stops when the file is gone, says why on the report, and carries on when asked again", async () => {
    const n = unique("uf");
    const { imp } = await importCsv(admin.token, csvOf([header, row(n, "Fi", leeds.name)]));
    const stored = await findImportRow(db, imp.id);
    if (!stored) throw new Error("no import");
    const object = await env.FILES.get(stored.fileKey);
    const bytes = await object?.arrayBuffer();
    if (!bytes) throw new Error("no stored file");
    await env.FILES.delete(stored.fileKey);

    expect((await undo(imp.id)).status).toBe(202);
    const stopped = await waitForUndo(imp.id);
    expect(stopped.status).toBe("completed");
    expect(await storedUser(n)).toBeDefined();
    const { browser } = await signedIn("Admin");
    const report = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(report).toContain("The undo stopped before the end.");
    expect(report).toContain("the uploaded file is no longer in storage");

    await env.FILES.put(stored.fileKey, bytes);
    const done = await undoAndWait(imp.id);
    expect(done).toMatchObject({ status: "undone", undo: { removed: 1 } });
    expect(await storedUser(n)).toBeUndefined();
  });
});

describe("the undo on the report", () => {
  it("offers Undo on a completed import, says what it will do, and shows the import undone with what it kept", async () => {
    const { browser } = await signedIn("Admin");
    const n = unique("uw");
    await importCsv(admin.token, csvOf([header, row(n, "Wen", leeds.name)]));
    const added = unique("uw");
    const { imp } = await importCsv(
      admin.token,
      csvOf([header, row(n, "Wendy", york.name), row(added, "Al", leeds.name)]),
    );
    await importCsv(admin.token, csvOf([header, row(n, "Wendy", leeds.name)]));

    const report = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(report).toContain(`href="/imports/${imp.id}/undo"`);
    const confirm = await (await browser.fetch(`/imports/${imp.id}/undo`)).text();
    expect(confirm).toContain("Remove the 1 user this import created");
    expect(confirm).toContain("Restore the earlier values of the 1 user this import updated");

    const forged = await browser.post(`/imports/${imp.id}/undo`, {});
    expect(forged.status).toBe(403);
    expect((await findImportRow(db, imp.id))?.status).toBe("completed");

    const asked = await browser.post(`/imports/${imp.id}/undo`, { _csrf: csrfIn(confirm) });
    expect(asked.status).toBe(303);
    expect(asked.headers.get("Location")).toBe(`/imports/${imp.id}`);
    await waitForUndo(imp.id);
    const undone = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(undone).toContain("This import was undone.");
    expect(undone).toContain("1 user removed, 1 restored");
    expect(undone).toContain("The location was kept: it was changed after this import, by a later import or by hand.");
    expect(undone).not.toContain(`href="/imports/${imp.id}/undo"`);
    // The confirmation of an undone import leads back to its report.
    expect((await browser.fetch(`/imports/${imp.id}/undo`)).status).toBe(303);

    const user = await storedUser(n);
    const history = await (await browser.fetch(`/users/${encodeURIComponent(user?.employeeNumber ?? "")}`)).text();
    expect(history).toContain("Undo of an import, line 2");
  });

  it("offers no Undo to someone who cannot manage users", async () => {
    const { browser } = await signedIn("Manager");
    const { imp } = await importCsv(admin.token, csvOf([header, row(unique("un"), "No", leeds.name)]));
    expect(await (await browser.fetch(`/imports/${imp.id}`)).text()).not.toContain("Undo this import");
    const page = await (await browser.fetch("/tokens")).text();
    expect((await browser.post(`/imports/${imp.id}/undo`, { _csrf: csrfIn(page) })).status).toBe(403);
    expect((await findImportRow(db, imp.id))?.status).toBe("completed");
  });
});
