import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findImportRow, markImportQueued } from "../../src/db/imports";
import { advanceImport } from "../../src/imports/consume-import";
import { createTestLocation, createUserWithToken, csvOf, db, header, importCsv } from "../helpers";
import { uploadOnly } from "./consumer";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The rows each step says it wrote, as the logs (and D1's bill) count them. */
function rowsLogged(lines: string[]): number {
  return lines.reduce((sum, line) => sum + Number(/(\d+) rows written/.exec(line)?.[1] ?? 0), 0);
}

describe("a nightly sync of an unchanged file", () => {
  it("writes at most 0.05 rows per line, from upload to completion, and deactivates no one", async () => {
    const admin = await createUserWithToken("Admin");
    const site = await createTestLocation();
    const lines = 3_000;
    const csv = csvOf([
      header,
      ...Array.from({ length: lines }, (_, i) => [`n${i}`, "First", `Last${i}`, site.name, `n${i}@example.com`, ""]),
    ]);
    await importCsv(admin.token, csv);

    // Reads the logs through, changing nothing of what they say.
    const logged: string[] = [];
    const log = console.log.bind(console);
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
      log(...args);
    });
    const imp = await uploadOnly(admin.user.id, csv);
    const queued = await markImportQueued(db, imp.id, admin.user.id, new Date(), { sync: true });
    expect(await advanceImport(env, db, imp.id, 60_000)).toBe("done");

    const done = await findImportRow(db, imp.id);
    expect(done?.status).toBe("completed");
    expect(done?.unchanged).toBe(lines);
    expect(done?.deactivated).toBe(0);
    const written = rowsLogged(logged) + queued;
    console.info(`A sync of ${lines} unchanged lines wrote ${written} rows: ${(written / lines).toFixed(4)} per line`);
    expect(written / lines).toBeLessThanOrEqual(0.05);
  });
});
