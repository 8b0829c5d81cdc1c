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
