import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { imports, projectedChanges } from "../../src/db/schema";
import { purgeOldImports } from "../../src/imports/sweep";
import {
  call,
  createTestLocation,
  createUser,
  createUserWithToken,
  csvOf,
  db,
  header,
  storedUser,
  unique,
  uploadCsv,
  waitForImport,
  type ImportBody,
} from "../helpers";

type DryRunBody = ImportBody & { dry_run: boolean; applied_import_id: string | null };
type Line = { line: number; outcome: string; messages: { code: string }[]; changes: unknown[] };

let admin: string;
let site: { name: string; code: string; alias: string };

beforeAll(async () => {
  ({ token: admin } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

/** A file that creates one user, updates another's location and fails one line. */
async function mixedFile() {
  const n = unique("D");
  const existing = await createUser("Standard");
  const csv = csvOf([
    header,
    [`${n}-new`, "New", "Person", site.name, `${n}-new@example.com`, ""],
    [existing.employeeNumber, "", "", site.name, "", ""],
    [`${n}-bad`, "No", "Email", site.name, "", ""],
  ]);
  return { csv, created: `${n}-new`, existing };
}

async function dryRunOf(csv: string, start = true): Promise<DryRunBody> {
  const res = await uploadCsv(admin, csv, `filename=users.csv&dry_run=true${start ? "&start=true" : ""}`);
  expect(res.status).toBe(201);
  const body = (await res.json()) as DryRunBody;
  expect(body.dry_run).toBe(true);
  return start ? ((await waitForImport(admin, body.id)) as DryRunBody) : body;
}

const apply = (token: string, id: string) => call(token, `/api/imports/${id}/apply`, { method: "POST" });

describe("a dry run through the API", () => {
  it("reads like an import, marked as a dry run, and changes no user", async () => {
    const { csv, created, existing } = await mixedFile();
    const dry = await dryRunOf(csv);
    expect(dry).toMatchObject({
      status: "completed",
      dry_run: true,
      applied_import_id: null,
      counts: { created: 1, updated: 1, unchanged: 0, failed: 1, warnings: 0 },
    });
    expect(await storedUser(created)).toBeUndefined();
    expect((await storedUser(existing.employeeNumber))?.locationId).toBeNull();

    const lines = (await (await call(admin, `/api/imports/${dry.id}/lines`)).json()) as { lines: Line[] };
    expect(lines.lines.map((l) => l.outcome)).toEqual(["created", "updated", "failed"]);
    expect(lines.lines[1]?.changes).toEqual([{ field: "location", from: null, to: site.name }]);
    expect(lines.lines[2]?.messages.map((m) => m.code)).toEqual(["missing_email"]);
    const report = await (await call(admin, `/api/imports/${dry.id}/report.csv`)).text();
    expect(report).toContain(`Location: (none) → ${site.name}`);
    const failed = await (await call(admin, `/api/imports/${dry.id}/failed.csv`)).text();
    expect(failed).toContain("No,Email");
    // Every other import says it is not one.
    const list = (await (await call(admin, "/api/imports")).json()) as { imports: DryRunBody[] };
    expect(list.imports.every((i) => typeof i.dry_run === "boolean")).toBe(true);
  });

  it("imports a completed dry run's file for real once, with the counts it projected", async () => {
    const { csv, created, existing } = await mixedFile();
    const dry = await dryRunOf(csv);
    const res = await apply(admin, dry.id);
    expect(res.status).toBe(201);
    const queued = (await res.json()) as DryRunBody;
    expect(queued).toMatchObject({ status: "queued", dry_run: false, total_rows: 3 });
    expect(queued.id).not.toBe(dry.id);
    const real = await waitForImport(admin, queued.id);
    expect(real.counts).toEqual(dry.counts);
    expect((await storedUser(created))?.firstName).toBe("New");
    expect((await storedUser(existing.employeeNumber))?.locationId).not.toBeNull();
    const after = (await (await call(admin, `/api/imports/${dry.id}`)).json()) as DryRunBody;
    expect(after.applied_import_id).toBe(queued.id);

    const again = await apply(admin, dry.id);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("dry_run_applied");
    const notDry = await apply(admin, queued.id);
    expect(notDry.status).toBe(409);
    expect(((await notDry.json()) as { error: { code: string } }).error.code).toBe("not_a_dry_run");
  });

  it("refuses to import a dry run that has not checked every line", async () => {
    const { csv } = await mixedFile();
    const ready = await dryRunOf(csv, false);
    expect(ready.status).toBe("ready");
    const res = await apply(admin, ready.id);
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("dry_run_not_completed");
    expect(body.error.message).toMatch(/Wait until it has completed/);
    // Started later, it is still a dry run.
    const started = await call(admin, `/api/imports/${ready.id}/start`, { method: "POST" });
    expect(started.status).toBe(202);
    const done = (await waitForImport(admin, ready.id)) as DryRunBody;
    expect(done.dry_run).toBe(true);
  });

  it("refuses to undo a dry run, which changed nothing, with a code", async () => {
    const { csv, existing } = await mixedFile();
    const dry = await dryRunOf(csv);
    const res = await call(admin, `/api/imports/${dry.id}/undo`, { method: "POST" });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("dry_run");
    expect(body.error.message).toMatch(/nothing to undo/);
    const after = (await (await call(admin, `/api/imports/${dry.id}`)).json()) as DryRunBody;
    expect(after.status).toBe("completed");
    expect((await storedUser(existing.employeeNumber))?.locationId).toBeNull();
  });

  it("answers 403 to a Manager applying a dry run, and 404 for no such import", async () => {
    const { csv } = await mixedFile();
    const dry = await dryRunOf(csv);
    const { token: manager } = await createUserWithToken("Manager");
    expect((await apply(manager, dry.id)).status).toBe(403);
    expect((await apply(admin, crypto.randomUUID())).status).toBe(404);
    const [row] = await db.select().from(imports).where(eq(imports.id, dry.id));
    expect(row?.appliedImportId).toBeNull();
  });

  it("keeps the stored file the dry run and its import share until both are purged", async () => {
    const { csv } = await mixedFile();
    const dry = await dryRunOf(csv);
    const queued = (await (await apply(admin, dry.id)).json()) as DryRunBody;
    await waitForImport(admin, queued.id);
    const [dryRow] = await db.select().from(imports).where(eq(imports.id, dry.id));
    const [realRow] = await db.select().from(imports).where(eq(imports.id, queued.id));
    if (!dryRow || !realRow) throw new Error("imports not stored");
    expect(realRow.fileKey).toBe(dryRow.fileKey);
    // Old enough for the dry run only.
    const onlyDry = new Date(realRow.createdAt.getTime() - 1 + 90 * 86_400_000);
    for (let i = 0; i < 20 && !(await db.select().from(imports).where(eq(imports.id, dry.id)))[0]?.purgedAt; i++)
      await purgeOldImports(env, db, onlyDry, 90);
    expect(await db.$count(projectedChanges, eq(projectedChanges.importSeq, dryRow.seq))).toBe(0);
    expect(await env.FILES.head(dryRow.fileKey)).not.toBeNull();
    const lines = (await (await call(admin, `/api/imports/${queued.id}/lines`)).json()) as { lines: Line[] };
    expect(lines.lines).toHaveLength(3);

    const both = new Date(realRow.createdAt.getTime() + 91 * 86_400_000);
    for (let i = 0; i < 20 && !(await db.select().from(imports).where(eq(imports.id, queued.id)))[0]?.purgedAt; i++)
      await purgeOldImports(env, db, both, 90);
    expect(await env.FILES.head(dryRow.fileKey)).toBeNull();
  });
});
