import { ensureXlsx } from "./generate-xlsx.ts";
import { startImport, uploadFile, waitForImport, type ImportState } from "./import-client.ts";
import { processTree, workerdOf } from "./process-memory.ts";
import { startRoster, stopRoster } from "./roster-server.ts";

export type WorkbookResult = {
  rows: number;
  fileBytes: number;
  generatedMs: number | null;
  status: ImportState["status"];
  error: string | null;
  totalRows: number;
  counts: Record<string, number>;
  uploadMs: number;
  importMs: number;
  totalMs: number;
  workerdPeakBytes: number;
};

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * Imports the users of the benchmark's CSV again, as an .xlsx, through the API of a fresh local
 * Roster: upload (which reads the sheet into CSV), then start and wait, as for the CSV.
 */
export async function runWorkbook(
  csvPath: string,
  rows: number,
  logPath: string,
  options: { v8Flags: string },
  log: (line: string) => void,
): Promise<WorkbookResult> {
  const book = await ensureXlsx(csvPath);
  log(
    `${rows} rows as .xlsx: ${book.path} (${(book.bytes / 1e6).toFixed(1)} MB${book.generatedMs === null ? ", reused" : `, generated in ${(book.generatedMs / 1000).toFixed(1)} s`})`,
  );
  const roster = await startRoster(logPath, { v8Flags: options.v8Flags });
  try {
    const api = { baseUrl: roster.baseUrl, token: roster.token };
    const t0 = performance.now();
    const uploaded = await uploadFile(api, book.path, `users-${rows}.xlsx`, xlsxType);
    const uploadMs = performance.now() - t0;
    log(`uploaded the workbook and read ${uploaded.total_rows} rows in ${(uploadMs / 1000).toFixed(2)} s`);
    const t1 = performance.now();
    const started = startImport(api, uploaded.id);
    started.catch(() => undefined);
    const progress = await waitForImport(api, uploaded.id, t1, { everyMs: 100, timeoutMs: 120_000 + rows * 2 });
    await started;
    const workerd = workerdOf(processTree(roster.pid));
    return {
      rows,
      fileBytes: book.bytes,
      generatedMs: book.generatedMs,
      status: progress.final.status,
      error: progress.final.error,
      totalRows: progress.final.total_rows,
      counts: progress.final.counts ?? {},
      uploadMs,
      importMs: progress.finishedMs,
      totalMs: uploadMs + progress.finishedMs,
      workerdPeakBytes: workerd.reduce((s, p) => s + p.peakRss, 0),
    };
  } finally {
    await stopRoster(roster);
  }
}
