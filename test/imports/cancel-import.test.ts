import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { findImportRow, markImportQueued } from "../../src/db/imports";
import { imports } from "../../src/db/schema";
import { findImporter } from "../../src/db/viewers";
import { applyChunk } from "../../src/imports/apply-chunk";
import { failDeadImport, loadRoleBook } from "../../src/imports/consume-import";
import { chunkRows } from "../../src/imports/limits";
import { deliver as deliverTo, uploadOnly } from "./consumer";
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
  type ImportBody,
} from "../helpers";
import { csrfIn, signedIn } from "../web/helpers";

let admin: { user: { id: number }; token: string };
const emptyValues = { employee_number: "", first_name: "", last_name: "", location: "", email: "", role: "" };
let site: { name: string };

beforeAll(async () => {
  admin = await createUserWithToken("Admin");
  site = await createTestLocation();
});

/** `rows` new users, every tenth line with an unknown location (failed). */
function manyUsers(prefix: string, rows: number): string {
  const lines = [header];
  for (let i = 0; i < rows; i++)
    lines.push([
      `${prefix}-${i}`,
      "Many",
      `User${i}`,
      i % 10 === 5 ? "Atlantis" : site.name,
      `${prefix}-${i}@example.com`,
      "",
    ]);
  return csvOf(lines);
}

/** An import queued without its message, so the test decides when the queue delivers it. */
async function queuedImport(csv: string) {
  const imp = await uploadOnly(admin.user.id, csv, "cancel.csv");
  await markImportQueued(db, imp.id, admin.user.id, new Date());
  return imp;
}

const deliver = (importId: string) => deliverTo("roster-imports", importId);

async function statusOf(importId: string) {
  return (await findImportRow(db, importId))?.status;
}

const cancel = (token: string, id: string) => call(token, `/api/imports/${id}/cancel`, { method: "POST" });

describe("cancelling an import", () => {
  it("stops a running import at the next chunk boundary, with true counts and the rest to download", async () => {
    const prefix = unique("stop");
    const rows = 3 * chunkRows + 10;
    const imp = await queuedImport(manyUsers(prefix, rows));
    expect(imp.chunkCount).toBe(4);

    // The delivery runs while the cancel arrives: it lands while a chunk is in flight.
    const delivering = deliver(imp.id);
    while ((await statusOf(imp.id)) !== "processing") await scheduler.wait(1);
    const asked = await cancel(admin.token, imp.id);
    expect(asked.status).toBe(202);
    expect(((await asked.json()) as ImportBody).status).toBe("cancelling");
    const result = await delivering;
    expect(result.explicitAcks).toHaveLength(1);

    const res = await call(admin.token, `/api/imports/${imp.id}`);
    const body = (await res.json()) as ImportBody;
    expect(body.status).toBe("cancelled");
    // Whole chunks only, and not all of them.
    expect(body.processed_rows % chunkRows).toBe(0);
    expect(body.processed_rows).toBeGreaterThanOrEqual(chunkRows);
    expect(body.processed_rows).toBeLessThan(rows);
    const applied = body.processed_rows;
    const failedApplied = applied / 10;
    expect(body.counts).toEqual({
      created: applied - failedApplied,
      updated: 0,
      unchanged: 0,
      failed: failedApplied,
      warnings: 0,
    });
    expect(await storedUser(`${prefix}-${applied - 1}`)).toBeDefined();
    expect(await storedUser(`${prefix}-${applied}`)).toBeUndefined();

    // Every applied line is in the report, and none past them.
    const lines = (await (
      await call(admin.token, `/api/imports/${imp.id}/lines?limit=1000&outcome=failed`)
    ).json()) as {
      lines: { line: number }[];
    };
    expect(lines.lines.every((l) => l.line <= applied + 1)).toBe(true);

    // A second delivery, as a retried message would be, changes nothing.
    await deliver(imp.id);
    expect(((await (await call(admin.token, `/api/imports/${imp.id}`)).json()) as ImportBody).processed_rows).toBe(
      applied,
    );

    // The lines not reached, in the template's columns: importing them finishes the file.
    const rest = await call(admin.token, `/api/imports/${imp.id}/not-reached.csv`);
    expect(rest.status).toBe(200);
    expect(rest.headers.get("Content-Type")).toContain("text/csv");
    const text = await rest.text();
    const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(parsed[0]).toEqual(header);
    expect(parsed).toHaveLength(rows - applied + 1);
    expect(parsed[1]?.[0]).toBe(`${prefix}-${applied}`);
    const later = await importCsv(admin.token, text);
    expect(later.imp.status).toBe("completed");
    expect(later.imp.total_rows).toBe(rows - applied);
    expect(later.imp.counts.created + later.imp.counts.failed).toBe(rows - applied);
    expect(await storedUser(`${prefix}-${rows - 1}`)).toBeDefined();
  }, 60_000);

  it("ends a queued import that never started without applying a line", async () => {
    const prefix = unique("queued");
    const imp = await queuedImport(manyUsers(prefix, 20));
    expect((await cancel(admin.token, imp.id)).status).toBe(202);
    // Asking again while it stops is fine.
    expect((await cancel(admin.token, imp.id)).status).toBe(202);
    await deliver(imp.id);
    const body = (await (await call(admin.token, `/api/imports/${imp.id}`)).json()) as ImportBody;
    expect(body).toMatchObject({ status: "cancelled", processed_rows: 0 });
    expect(body.counts.created).toBe(0);
    expect(await storedUser(`${prefix}-0`)).toBeUndefined();
    const rest = await (await call(admin.token, `/api/imports/${imp.id}/not-reached.csv`)).text();
    expect(rest.trim().split(/\r?\n/)).toHaveLength(21);
  });

  it("answers 409 for an import that has finished or not started, 404 for none, 403 without manage users", async () => {
    const { imp } = await importCsv(admin.token, manyUsers(unique("done"), 3));
    const finished = await cancel(admin.token, imp.id);
    expect(finished.status).toBe(409);
    expect(await finished.json()).toMatchObject({ error: { code: "import_finished" } });
    const notStopped = await call(admin.token, `/api/imports/${imp.id}/not-reached.csv`);
    expect(notStopped.status).toBe(409);
    expect(await notStopped.json()).toMatchObject({ error: { code: "import_not_stopped" } });

    const ready = await uploadOnly(admin.user.id, manyUsers(unique("ready"), 3), "ready.csv");
    const notStarted = await cancel(admin.token, ready.id);
    expect(notStarted.status).toBe(409);
    expect(await notStarted.json()).toMatchObject({ error: { code: "import_not_started" } });

    expect((await cancel(admin.token, crypto.randomUUID())).status).toBe(404);
    const viewer = await createUserWithToken("Manager");
    const queued = await queuedImport(manyUsers(unique("perm"), 3));
    expect((await cancel(viewer.token, queued.id)).status).toBe(403);
    expect(await statusOf(queued.id)).toBe("queued");
  });
});

describe("an import that ended meanwhile", () => {
  it("gets nothing written by a chunk still in flight from another message", async () => {
    const prefix = unique("late");
    const imp = await queuedImport(manyUsers(prefix, 5));
    await db.update(imports).set({ status: "cancelled" }).where(eq(imports.id, imp.id));
    const records = [
      {
        line: 2,
        values: {
          ...emptyValues,
          employee_number: `${prefix}-0`,
          first_name: "Late",
          last_name: "Line",
          location: site.name,
          email: `${prefix}-0@example.com`,
        },
      },
    ];
    const importer = await findImporter(db, admin.user.id);
    if (!importer) throw new Error("no importer");
    await expect(
      applyChunk(db, imp, { index: 0 }, records, await loadRoleBook(db), importer, new Date()),
    ).rejects.toThrow();
    expect(await storedUser(`${prefix}-0`)).toBeUndefined();
    expect(await statusOf(imp.id)).toBe("cancelled");
  });

  it("ends as cancelled when its message dead-letters while it was asked to stop", async () => {
    const imp = await queuedImport(manyUsers(unique("dlq"), 5));
    expect((await cancel(admin.token, imp.id)).status).toBe(202);
    await failDeadImport(env, db, imp.id);
    expect(await statusOf(imp.id)).toBe("cancelled");
  });

  it("offers no lines not reached once the file is gone", async () => {
    const imp = await queuedImport(manyUsers(unique("gone"), 5));
    await cancel(admin.token, imp.id);
    await deliver(imp.id);
    await env.FILES.delete(imp.fileKey);
    const res = await call(admin.token, `/api/imports/${imp.id}/not-reached.csv`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: "file_deleted" } });
  });
});

describe("the report page of a running import", () => {
  it("has a Cancel button that stops the import, then says what was not reached", async () => {
    const { browser } = await signedIn("Admin");
    const imp = await queuedImport(manyUsers(unique("page"), 30));
    const page = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(page).toContain("Cancel import");
    expect(page).toContain(`action="/imports/${imp.id}/stop"`);

    const forged = await browser.post(`/imports/${imp.id}/stop`, {});
    expect(forged.status).toBe(403);
    expect(await statusOf(imp.id)).toBe("queued");

    const stopped = await browser.post(`/imports/${imp.id}/stop`, { _csrf: csrfIn(page) });
    expect(stopped.status).toBe(303);
    expect(await statusOf(imp.id)).toBe("cancelling");
    expect(await (await browser.fetch(`/imports/${imp.id}`)).text()).toContain("Cancelling…");

    await deliver(imp.id);
    const report = await (await browser.fetch(`/imports/${imp.id}`)).text();
    expect(report).toContain("The import was cancelled.");
    expect(report).toContain("30 lines were not reached.");
    expect(report).toContain(`href="/imports/${imp.id}/not-reached.csv"`);
    expect(report).not.toContain("Cancel import");
    const csv = await browser.fetch(`/imports/${imp.id}/not-reached.csv`);
    expect(csv.status).toBe(200);
    expect((await csv.text()).trim().split(/\r?\n/)).toHaveLength(31);
  });

  it("shows no Cancel button to someone who cannot manage users", async () => {
    const { browser } = await signedIn("Manager");
    const imp = await queuedImport(manyUsers(unique("nobutton"), 3));
    const res = await browser.fetch(`/imports/${imp.id}`);
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain("Cancel import");
    const page = await (await browser.fetch("/tokens")).text();
    expect((await browser.post(`/imports/${imp.id}/stop`, { _csrf: csrfIn(page) })).status).toBe(403);
    expect(await statusOf(imp.id)).toBe("queued");
  });
});
