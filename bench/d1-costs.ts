import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * Rows written for one import, as Roster logs them for every statement it makes (the upload,
 * the start, each delivery): the summed `meta.rows_written` that D1 bills, index entries
 * included.
 */
export function rowsWrittenFor(logPath: string, importId: string): number {
  const text = readFileSync(logPath, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
  let total = 0;
  for (const m of text.matchAll(new RegExp(`Import ${importId}: [^\\n]*?(\\d+) rows written`, "g")))
    total += Number(m[1]);
  return total;
}

/** Rows written by an import's undo, as the consumer logs each delivery of it ("Undo of import …"). */
export function undoRowsWrittenFor(logPath: string, importId: string): number {
  const text = readFileSync(logPath, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
  let total = 0;
  for (const m of text.matchAll(new RegExp(`Undo of import ${importId}: [^\\n]*?(\\d+) rows written`, "g")))
    total += Number(m[1]);
  return total;
}

/** How many of an import's rows written were its users' history, as the consumer logs it. */
export function historyRowsWrittenFor(logPath: string, importId: string): number {
  const text = readFileSync(logPath, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
  let total = 0;
  for (const m of text.matchAll(new RegExp(`Import ${importId}: [^\\n]*?(\\d+) of them history`, "g")))
    total += Number(m[1]);
  return total;
}

/** The local D1 database file under a wrangler state directory. */
async function d1File(stateDir: string): Promise<string> {
  const dir = join(stateDir, "v3/d1/miniflare-D1DatabaseObject");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1 || !files[0])
    throw new Error(`Expected one D1 database in ${dir}, found ${files.join(", ") || "none"}.`);
  return join(dir, files[0]);
}

/** Bytes of pages each table and index of the local D1 database takes (SQLite's dbstat), read beside the running runtime. */
export async function d1Bytes(stateDir: string): Promise<Record<string, number>> {
  const db = new DatabaseSync(await d1File(stateDir), { readOnly: true });
  try {
    const rows = db
      .prepare(
        "SELECT s.name AS name, coalesce(m.tbl_name, s.name) AS owner, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name",
      )
      .all() as {
      name: string;
      owner: string;
      bytes: number;
    }[];
    const byTable: Record<string, number> = {};
    for (const r of rows) byTable[r.owner] = (byTable[r.owner] ?? 0) + r.bytes;
    return byTable;
  } finally {
    db.close();
  }
}

/** What an import keeps in D1: its growth by table, between two readings of d1Bytes. */
export function growthOf(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const growth: Record<string, number> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const grew = (after[table] ?? 0) - (before[table] ?? 0);
    if (grew !== 0) growth[table] = grew;
  }
  return growth;
}
