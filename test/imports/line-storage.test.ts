import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkOutcomes, flaggedLines, importChunks, importKeys, importLines, imports } from "../../src/db/schema";
import { decodeOutcomes, encodeOutcomes, type LineResult } from "../../src/imports/line-outcomes";
import { chunkRows } from "../../src/imports/limits";
import {
  call,
  createTestLocation,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  unique,
  uploadCsv,
  type LineBody,
} from "../helpers";

let token: string;
let site: { name: string };

beforeAll(async () => {
  token = (await createUserWithToken("Admin")).token;
  site = await createTestLocation();
});

async function seqOf(id: string): Promise<number> {
  const [row] = await db.select({ seq: imports.seq }).from(imports).where(eq(imports.id, id));
  if (!row) throw new Error("no such import");
  return row.seq;
}

const countOf = async (table: typeof flaggedLines | typeof importKeys | typeof chunkOutcomes, seq: number) =>
  (await db.select({ n: count() }).from(table).where(eq(table.importSeq, seq)))[0]?.n ?? 0;

describe("line outcomes", () => {
  it("round-trips every outcome, with and without warnings, through a chunk's text", () => {
    const results: LineResult[] = [
      ...Array.from({ length: 12 }, (): LineResult => ({ outcome: "created", warned: false })),
      { outcome: "failed", warned: false },
      { outcome: "updated", warned: true },
      { outcome: "unchanged", warned: false },
      { outcome: "unchanged", warned: false },
      { outcome: "created", warned: true },
    ];
    const text = encodeOutcomes(results);
    expect(text).toBe("c12f1U1n2C1");
    expect(decodeOutcomes(text)).toEqual(results);
  });

  it("keeps a row only for the lines that failed or warned, and reads the others back from the file", async () => {
    const n = unique("keep");
    const { imp, lines } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}-1`, "Ann", "One", site.name, `${n}-1@example.com`, ""],
        [`${n}-2`, "Bob", "Two", "Nowhere", `${n}-2@example.com`, ""],
        [`${n}-3`, "Cy", "Three", site.name, `${n}-3@example.com`, "Wizard"],
        [`${n}-4`, "Di", "Four", site.name, `${n}-4@example.com`, ""],
      ]),
    );
    expect(imp.counts).toEqual({ created: 3, updated: 0, unchanged: 0, failed: 1, warnings: 1 });
    const seq = await seqOf(imp.id);
    expect(await countOf(flaggedLines, seq)).toBe(2);
    expect(await countOf(chunkOutcomes, seq)).toBe(1);
    expect(lines.map((l) => [l.line, l.employee_number, l.outcome, l.messages.map((m) => m.code)])).toEqual([
      [2, `${n}-1`, "created", []],
      [3, `${n}-2`, "failed", ["unknown_location"]],
      [4, `${n}-3`, "created", ["unknown_role"]],
      [5, `${n}-4`, "created", []],
    ]);
  });

  it("reads a report's lines again from the file as it is now, not as an earlier page read it", async () => {
    const n = unique("again");
    const { imp } = await importCsv(
      token,
      csvOf([
        header,
        [`${n}-1`, "Ann", "One", site.name, `${n}-1@example.com`, ""],
        [`${n}-2`, "Bob", "Two", "Nowhere", `${n}-2@example.com`, ""],
      ]),
    );
    const [stored] = await db.select({ fileKey: imports.fileKey }).from(imports).where(eq(imports.id, imp.id));
    if (!stored) throw new Error("no such import");
    const linesNow = async () =>
      ((await (await call(token, `/api/imports/${imp.id}/lines`)).json()) as { lines: LineBody[] }).lines.map(
        (l) => l.employee_number,
      );
    expect(await linesNow()).toEqual([`${n}-1`, `${n}-2`]);
    // Reread at once, as a page refreshed: the same lines.
    expect(await linesNow()).toEqual([`${n}-1`, `${n}-2`]);
    const object = await env.FILES.get(stored.fileKey);
    const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
    await env.FILES.delete(stored.fileKey);
    // Only the line that kept a row of its own is left once the file is gone.
    expect(await linesNow()).toEqual([`${n}-2`]);
    await env.FILES.put(stored.fileKey, bytes);
    expect(await linesNow()).toEqual([`${n}-1`, `${n}-2`]);
  });

  it("writes no row for any line when the same file changes nothing, and keys nothing a file holds once", async () => {
    const n = unique("same");
    const rows = [header];
    for (let i = 0; i < 50; i++) rows.push([`${n}-${i}`, "Same", `Row${i}`, site.name, `${n}-${i}@example.com`, ""]);
    await importCsv(token, csvOf(rows));
    const { imp } = await importCsv(token, csvOf(rows));
    expect(imp.counts.unchanged).toBe(50);
    const seq = await seqOf(imp.id);
    expect(await countOf(flaggedLines, seq)).toBe(0);
    expect(await countOf(importKeys, seq)).toBe(0);
  });

  it("marks, at upload, only the records whose employee number or email the file repeats", async () => {
    const n = unique("marks");
    const rows = [header];
    for (let i = 0; i < chunkRows + 10; i++)
      rows.push([`${n}-${i}`, "Mark", `Row${i}`, site.name, `${n}-${i}@example.com`, ""]);
    rows.push([`${n}-3`.toUpperCase(), "Again", "Three", site.name, `${n}-again@example.com`, ""]);
    rows.push([`${n}-new`, "Same", "Mail", site.name, `${n}-5@EXAMPLE.com`, ""]);
    const res = await uploadCsv(token, csvOf(rows));
    const { id } = (await res.json()) as { id: string };
    const chunks = await db
      .select()
      .from(importChunks)
      .where(eq(importChunks.importId, id))
      .orderBy(importChunks.index);
    expect(chunks.map((c) => [c.employeeRepeats, c.emailRepeats])).toEqual([
      [[3], [5]],
      [[10], [11]],
    ]);
  });
});

describe("imports whose lines were kept a row each", () => {
  it("reads their lines, filters and failed lines as before", async () => {
    const n = unique("legacy");
    const csv = csvOf([
      header,
      [`${n}-1`, "Le", "Gacy", site.name, `${n}-1@example.com`, ""],
      [`${n}-2`, "Le", "Gacy", "Nowhere", `${n}-2@example.com`, ""],
    ]);
    const res = await uploadCsv(token, csv);
    const { id } = (await res.json()) as { id: string };
    const seq = await seqOf(id);
    // As an import applied before chunks kept their outcomes left it: every line a row of import_lines.
    await db.insert(importLines).values([
      {
        importSeq: seq,
        line: 2,
        employeeNumber: `${n}-1`,
        employeeKey: `${n}-1`,
        outcome: "created",
        messages: [],
        values: { employee_number: `${n}-1` },
      },
      {
        importSeq: seq,
        line: 3,
        employeeNumber: `${n}-2`,
        employeeKey: `${n}-2`,
        outcome: "failed",
        messages: [{ level: "error", code: "unknown_location", message: "No location." }],
        values: { employee_number: `${n}-2`, location: "Nowhere" },
      },
    ]);
    await db
      .update(imports)
      .set({ status: "completed", nextChunk: 1, processedRows: 2, created: 1, failed: 1 })
      .where(eq(imports.id, id));
    const all = (await (await call(token, `/api/imports/${id}/lines`)).json()) as { lines: LineBody[] };
    expect(all.lines.map((l) => [l.line, l.outcome])).toEqual([
      [2, "created"],
      [3, "failed"],
    ]);
    const errors = (await (await call(token, `/api/imports/${id}/lines?level=error`)).json()) as { lines: LineBody[] };
    expect(errors.lines.map((l) => l.line)).toEqual([3]);
    const failed = await (await call(token, `/api/imports/${id}/failed.csv`)).text();
    expect(failed).toContain(`${n}-2,,,Nowhere`);
  });
});
