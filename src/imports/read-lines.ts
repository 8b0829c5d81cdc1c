import type { Db } from "../db/client";
import { listChunkReports, type ChunkReport } from "../db/import-chunks";
import { listStoredLines, type LineFilter, type StoredLine } from "../db/imports";
import { toKey } from "../db/keys";
import type { FieldChange, Import } from "../db/schema";
import { listProjectedChanges } from "../db/projected-users";
import { listLineChanges } from "../db/user-changes";
import { pickImportRecords } from "./import-file";
import { decodeOutcomes } from "./line-outcomes";

/**
 * One line of an import's report: what it came to, why, its values as the file gave them, and
 * for a line that updated a user, what it changed.
 */
export type ReportLine = StoredLine & { changes: FieldChange[] };

/** Chunk reports read per query while walking an import's lines. */
const chunksPerRead = 8;

/** Lines of one applied chunk after `cursor` that pass the outcome filter, at most `max`, and whether the chunk has more. */
async function chunkLines(
  bucket: R2Bucket,
  db: Db,
  imp: Import,
  chunk: ChunkReport,
  next: ChunkReport | undefined,
  filter: Omit<LineFilter, "limit">,
  max: number,
): Promise<{ lines: StoredLine[]; more: boolean }> {
  const cursor = filter.cursor ?? 0;
  const range = { from: Math.max(chunk.firstLine, cursor + 1), to: next ? next.firstLine - 1 : null };
  if (chunk.outcomes === null) {
    // Applied before chunks kept their outcomes: every line of it is a stored row.
    const lines = await listStoredLines(db, imp.seq, {
      outcome: filter.outcome,
      cursor,
      range,
      limit: max + 1,
      legacy: true,
    });
    return { lines: lines.slice(0, max), more: lines.length > max };
  }
  const results = decodeOutcomes(chunk.outcomes);
  if (filter.outcome !== undefined && !results.some((r) => r.outcome === filter.outcome))
    return { lines: [], more: false };
  const read = await pickImportRecords(
    bucket,
    imp,
    chunk,
    (position, line) =>
      line > cursor && (filter.outcome === undefined || results[position]?.outcome === filter.outcome),
    max,
  );
  if (read === null) {
    // A file gone from storage leaves the lines that kept a row of their own.
    const flagged = await listStoredLines(db, imp.seq, { outcome: filter.outcome, cursor, range, limit: max + 1 });
    return { lines: flagged.slice(0, max), more: flagged.length > max };
  }
  const first = read.picked[0]?.record.line;
  const last = read.picked.at(-1)?.record.line;
  const flagged =
    first === undefined || last === undefined
      ? []
      : await listStoredLines(db, imp.seq, {
          outcome: filter.outcome,
          range: { from: first, to: last },
          limit: read.picked.length,
        });
  const byLine = new Map(flagged.map((l) => [l.line, l]));
  const lines = read.picked.map(({ position, record }): StoredLine => {
    const result = results[position];
    return (
      byLine.get(record.line) ?? {
        line: record.line,
        employeeNumber: record.values.employee_number,
        outcome: result?.outcome ?? "unchanged",
        hasWarning: result?.warned ?? false,
        messages: [],
        values: record.values,
      }
    );
  });
  return { lines, more: read.more };
}

/**
 * An import's lines in line order from after `filter.cursor`, a batch at a time: the lines that
 * failed or warned come from their own rows, and the rest are read back from the stored file chunk
 * by chunk, with what each came to from the chunk's outcomes. `level` filters and `failed` need
 * only the stored rows. Ends at the last applied chunk, so a running import's lines grow as it runs.
 */
export async function* walkImportLines(
  bucket: R2Bucket,
  db: Db,
  imp: Import,
  filter: Omit<LineFilter, "limit">,
  batch: number,
): AsyncGenerator<ReportLine[]> {
  for await (const lines of walkStoredLines(bucket, db, imp, filter, batch)) yield withChanges(db, imp, lines);
}

/** Lines with what each updating line changed, found through their users in one read. */
async function withChanges(db: Db, imp: Import, lines: StoredLine[]): Promise<ReportLine[]> {
  const updating = lines.filter((l) => l.outcome === "updated");
  const changes =
    updating.length === 0
      ? new Map<number, FieldChange[]>()
      : imp.dryRun
        ? await listProjectedChanges(
            db,
            imp.seq,
            updating.map((l) => l.line),
          )
        : await listLineChanges(
            db,
            imp,
            updating.map((l) => toKey(l.employeeNumber)),
          );
  return lines.map((l) => ({ ...l, changes: l.outcome === "updated" ? (changes.get(l.line) ?? []) : [] }));
}

async function* walkStoredLines(
  bucket: R2Bucket,
  db: Db,
  imp: Import,
  filter: Omit<LineFilter, "limit">,
  batch: number,
): AsyncGenerator<StoredLine[]> {
  let cursor = filter.cursor ?? 0;
  if (filter.level !== undefined || filter.outcome === "failed") {
    for (;;) {
      const lines = await listStoredLines(db, imp.seq, { ...filter, cursor, limit: batch, legacy: true });
      if (lines.length > 0) yield lines;
      const last = lines.at(-1);
      if (lines.length < batch || !last) return;
      cursor = last.line;
    }
  }
  for (;;) {
    const chunks = await listChunkReports(db, imp.id, imp.seq, cursor, chunksPerRead + 1);
    const applied = chunks.filter((c) => c.index < imp.nextChunk).slice(0, chunksPerRead);
    let stopped = false;
    for (const [i, chunk] of applied.entries()) {
      const next = chunks[i + 1];
      const { lines, more } = await chunkLines(bucket, db, imp, chunk, next, { ...filter, cursor }, batch);
      if (lines.length > 0) yield lines;
      const last = lines.at(-1);
      if (more && last) {
        // The rest of this chunk comes with the next read, from its last line on.
        cursor = last.line;
        stopped = true;
        break;
      }
      if (!next) return;
      cursor = Math.max(cursor, next.firstLine - 1);
    }
    if (!stopped && (applied.length < chunksPerRead || chunks.length <= chunksPerRead)) return;
  }
}

/** A page of an import's lines in line order (see walkImportLines), with the cursor for the next. */
export async function listImportLines(
  bucket: R2Bucket,
  db: Db,
  imp: Import,
  filter: LineFilter,
): Promise<{ lines: ReportLine[]; nextCursor: number | null }> {
  const lines: ReportLine[] = [];
  for await (const batch of walkImportLines(bucket, db, imp, filter, filter.limit + 1)) {
    lines.push(...batch);
    if (lines.length > filter.limit) break;
  }
  const page = lines.slice(0, filter.limit);
  const last = page.at(-1);
  return { lines: page, nextCursor: lines.length > filter.limit && last ? last.line : null };
}
