// npm run bench [-- --sizes 10000,100000] [--no-floor] [--v8-flags=…] [--collect-garbage] [--xlsx] (BENCHMARKS.md)
// End-to-end import timings of a local Roster (wrangler dev) against the in-process floor.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureCsv } from "./generate-csv.ts";
import { d1Bytes, growthOf, historyRowsWrittenFor, rowsWrittenFor, undoRowsWrittenFor } from "./d1-costs.ts";
import {
  startImport,
  timeGet,
  undoImport,
  uploadFile,
  waitForImport,
  type Api,
  type ImportState,
} from "./import-client.ts";
import { importPageTargets, loadPages, signIn, type Percentiles } from "./page-load.ts";
import { describeMachine } from "./machine.ts";
import { processTree, runtimeSnapshot, workerdOf } from "./process-memory.ts";
import {
  importRowsWritten,
  keptBytes,
  printReport,
  type ImportCost,
  type MemoryTracePoint,
  type SizeResult,
  type UndoCost,
} from "./report.ts";
import { queueDeliveries, startRoster, stateBytes, stopRoster } from "./roster-server.ts";
import { runFloor } from "./run-floor.ts";
import { isolateHeapSampler, measureRetainedHeap } from "./isolate-heap.ts";
import { runtimeIsolatesSampler, runtimePid } from "./runtime-isolates.ts";
import { runWorkbook, type WorkbookResult } from "./run-workbook.ts";

const root = dirname(import.meta.dirname);
// The project's scripts call wrangler by name and read wrangler.toml from the working directory.
process.chdir(root);

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,100000,1000000" },
    "no-floor": { type: "boolean", default: false },
    // A diagnostic: how much of the runtime's growth is Roster's garbage that V8 has not yet collected.
    "collect-garbage": { type: "boolean", default: false },
    // V8 flags for the local runtime, e.g. --v8-flags=--max-old-space-size=64 to hold every isolate to a heap
    // limit (deployed Workers have one; wrangler dev has none).
    "v8-flags": { type: "string", default: "" },
    // After each size's CSV, the same users as an .xlsx, and the ratio of the two.
    xlsx: { type: "boolean", default: false },
  },
});
const sizes = args.sizes.split(",").map((s) => Number(s.replaceAll("_", "").trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--sizes takes row counts such as 10000,100000; got ${args.sizes}`);

const filesDir = join(root, "bench/files");
const resultsDir = join(root, "bench/results");
await mkdir(filesDir, { recursive: true });
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
/** Roster's Worker as workerd's inspector names it ("core:user:" and the name in wrangler.toml). */
const rosterIsolate = "core:user:roster";
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * Samples the runtime's resident memory while an import runs: the peak the kernel kept is read at
 * the end too. Every half second it also keeps a point of the trace (time, RSS, anonymous RSS and
 * the phase and rows processed by then), which shows whether memory rises with the rows or levels off.
 */
function memorySampler(pid: number, progress: () => Pick<MemoryTracePoint, "phase" | "rows">) {
  let maxRss = 0;
  const t0 = performance.now();
  const trace: MemoryTracePoint[] = [];
  let lastPoint = -Infinity;
  const sample = () => {
    const workerd = workerdOf(processTree(pid));
    const rss = workerd.reduce((sum, p) => sum + p.rss, 0);
    maxRss = Math.max(maxRss, rss);
    const ms = performance.now() - t0;
    if (ms - lastPoint < 500) return;
    lastPoint = ms;
    trace.push({ ms: Math.round(ms), rss, rssAnon: workerd.reduce((sum, p) => sum + p.rssAnon, 0), ...progress() });
  };
  /** A point of the trace now, whenever the last was: at the end of a phase, however short it was. */
  const point = () => {
    lastPoint = -Infinity;
    sample();
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    point,
    stop: () => {
      clearInterval(timer);
      point();
      return { maxRss, trace };
    },
  };
}

/** Concurrent clients on the report page, the status and the lines while an import runs. */
const loadClients = 20;

/**
 * Uploads and imports a file to the end, optionally with `loadClients` clients asking for the
 * import's report page, status and first lines all the while; returns the import and the
 * latencies they saw.
 */
async function importWhole(
  api: Api,
  path: string,
  fileName: string,
  rows: number,
  load: { cookie: string } | null,
  options: { dryRun?: boolean } = {},
) {
  const t0 = performance.now();
  const uploaded = await uploadFile(api, path, fileName, "text/csv", options);
  const id = uploaded.id;
  const pages = load
    ? loadPages(api.baseUrl, importPageTargets(id, load.cookie, api.token), loadClients, 120_000 + rows * 2)
    : null;
  const t1 = performance.now();
  await startImport(api, id);
  const progress = await waitForImport(api, id, t1, { everyMs: 250, timeoutMs: 120_000 + rows * 2 });
  const latencies = pages ? await pages.stop() : null;
  return { id, ms: performance.now() - t0, final: progress.final, latencies };
}

const results: SizeResult[] = [];
const workbooks: WorkbookResult[] = [];
const machine = describeMachine();
log(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, wrangler ${machine.wrangler}, workerd ${machine.workerd}`,
);

for (const rows of sizes) {
  const file = await ensureCsv(filesDir, rows);
  log(
    `${rows} rows: ${file.path} (${(file.stats.bytes / 1e6).toFixed(1)} MB${file.generatedMs === null ? ", reused" : `, generated in ${(file.generatedMs / 1000).toFixed(1)} s`})`,
  );

  // A fresh runtime and state for each size, so its memory peak and its database are its own.
  const roster = await startRoster(join(resultsDir, `${stamp}-wrangler-${rows}.log`), { v8Flags: args["v8-flags"] });
  let result: SizeResult;
  try {
    const api = { baseUrl: roster.baseUrl, token: roster.token };
    const idle = workerdOf(processTree(roster.pid));
    log(
      `wrangler dev on ${roster.baseUrl}, workerd pid ${idle.map((p) => p.pid).join(",")}, idle RSS ${(idle.reduce((s, p) => s + p.rss, 0) / 2 ** 20).toFixed(0)} MiB`,
    );
    const progressNow: Pick<MemoryTracePoint, "phase" | "rows"> = { phase: "upload", rows: 0 };
    const sampler = memorySampler(roster.pid, () => ({ ...progressNow }));
    const heapSampler = isolateHeapSampler(roster.inspectorPort, { collectGarbage: args["collect-garbage"] });
    const runtime = runtimePid(idle.map((p) => p.pid));
    const miniflareSampler =
      runtime === null ? null : await runtimeIsolatesSampler(runtime, (id) => id === rosterIsolate);
    const atIdle = runtimeSnapshot(roster.pid);
    const snapshots = { idle: atIdle, afterUpload: atIdle, afterImport: atIdle };

    const bytesAtStart = await d1Bytes(roster.stateDir);
    const t0 = performance.now();
    const uploaded = await uploadFile(api, file.path, `users-${rows}.csv`);
    const uploadMs = performance.now() - t0;
    snapshots.afterUpload = runtimeSnapshot(roster.pid);
    log(`uploaded and counted ${uploaded.total_rows} rows in ${(uploadMs / 1000).toFixed(2)} s`);

    // The start request runs beside the polling: locally it can be held until the first queue
    // delivery ends, and its own time is part of what is measured.
    sampler.point();
    progressNow.phase = "import";
    const t1 = performance.now();
    const startRequest = startImport(api, uploaded.id).then(() => performance.now() - t1);
    // Its failure surfaces where it is awaited below; until then it must not end the process.
    startRequest.catch(() => undefined);
    let lastLog = 0;
    const progress = await waitForImport(api, uploaded.id, t1, {
      everyMs: 100,
      timeoutMs: 120_000 + rows * 2,
      onPoll: (state) => {
        progressNow.rows = state.processed_rows;
        if (performance.now() - lastLog < 15_000) return;
        lastLog = performance.now();
        log(`  ${state.status}: ${state.processed_rows}/${state.total_rows} rows`);
      },
    });
    const startRequestMs = await startRequest;
    progressNow.rows = progress.final.processed_rows;
    sampler.point();
    progressNow.phase = "after";
    snapshots.afterImport = runtimeSnapshot(roster.pid);
    // wrangler logs each delivery after it ends; give the log a moment to be written.
    await sleep(1000);
    const deliveries = queueDeliveries(roster.logPath, "roster-imports");
    const processingMs =
      deliveries.count > 0 ? deliveries.totalMs : progress.finishedMs - (progress.firstProgressMs ?? 0);
    log(
      `${progress.final.status} ${(progress.finishedMs / 1000).toFixed(2)} s after start: ${deliveries.count} queue deliveries ran ${(deliveries.totalMs / 1000).toFixed(2)} s; ` +
        `start request ${(startRequestMs / 1000).toFixed(2)} s, slowest status poll ${(progress.slowestPollMs / 1000).toFixed(2)} s`,
    );

    const id = uploaded.id;
    const totalMs0 = () => uploadMs + progress.finishedMs;
    const deepCursor = Math.floor(rows / 2);
    const latencies = [];
    for (const path of [
      `/api/imports/${id}`,
      `/api/imports/${id}/lines?limit=100`,
      `/api/imports/${id}/lines?level=error&limit=100`,
      // The API's cursors are opaque: the position, base64url-encoded (src/api/cursor.ts).
      `/api/imports/${id}/lines?limit=100&cursor=${Buffer.from(String(deepCursor)).toString("base64url")}`,
    ]) {
      latencies.push(await timeGet(api, path, 10));
    }
    const { maxRss: peakRss, trace } = sampler.stop();
    const heapMax = await heapSampler.stop();
    const miniflareIsolates = (await miniflareSampler?.stop()) ?? null;
    const tree = processTree(roster.pid);
    const workerd = workerdOf(tree);
    // Last, once the process peaks are read: serialising a snapshot costs the runtime memory of its own.
    const isolateHeap = { max: heapMax, retainedAfter: await measureRetainedHeap(roster.inspectorPort) };

    // What D1 bills and keeps: the import above created every user; the same users renamed update
    // every one (with clients on the pages meanwhile); the same file again changes nothing.
    const bytesAfterCreate = await d1Bytes(roster.stateDir);
    const renamed = await ensureCsv(filesDir, rows, { renamed: true });
    const cookie = await signIn(roster.baseUrl, roster.admin.username, roster.admin.password);
    log(`re-importing ${rows} renamed users with ${loadClients} clients on the pages, then the same file unchanged`);
    const update = await importWhole(api, renamed.path, `users-${rows}-renamed.csv`, rows, { cookie });
    const bytesAfterUpdate = await d1Bytes(roster.stateDir);
    const same = await importWhole(api, renamed.path, `users-${rows}-renamed.csv`, rows, null);
    const bytesAfterSame = await d1Bytes(roster.stateDir);
    // A dry run of the first file, which would give every user their first names back: the same
    // rules and work as the updating import, writing no user.
    log(`dry run of the first ${rows}-row file: every line would update its user`);
    const dry = await importWhole(api, file.path, `users-${rows}.csv`, rows, null, { dryRun: true });
    const bytesAfterDry = await d1Bytes(roster.stateDir);
    await sleep(1000);
    const costOf = (
      importId: string,
      ms: number,
      final: ImportState,
      before: Record<string, number>,
      after: Record<string, number>,
    ): ImportCost => ({
      importId,
      ms,
      counts: final.counts ?? {},
      rowsWritten: rowsWrittenFor(roster.logPath, importId),
      historyRowsWritten: historyRowsWrittenFor(roster.logPath, importId),
      bytesGrowth: growthOf(before, after),
    });
    const costs = {
      created: costOf(id, totalMs0(), progress.final, bytesAtStart, bytesAfterCreate),
      updated: costOf(update.id, update.ms, update.final, bytesAfterCreate, bytesAfterUpdate),
      unchanged: costOf(same.id, same.ms, same.final, bytesAfterUpdate, bytesAfterSame),
      dryRun: costOf(dry.id, dry.ms, dry.final, bytesAfterSame, bytesAfterDry),
    };
    const loadLatencies: Percentiles[] | null = update.latencies;
    const perLine = (c: ImportCost) =>
      `${(importRowsWritten(c) / rows).toFixed(3)} (+${(c.historyRowsWritten / rows).toFixed(3)} history)`;
    log(
      `rows written per line: created ${perLine(costs.created)}, updated ${perLine(costs.updated)}, unchanged ${perLine(costs.unchanged)}`,
    );
    log(
      `dry run: ${(costs.dryRun.ms / 1000).toFixed(2)} s, ${costs.dryRun.rowsWritten} rows written, ${keptBytes(costs.dryRun)} bytes kept ` +
        `(+${costs.dryRun.bytesGrowth.projected_changes ?? 0} for its changes); the updating import: ${(costs.updated.ms / 1000).toFixed(2)} s, ` +
        `${costs.updated.rowsWritten} rows written, ${keptBytes(costs.updated)} bytes kept (+${costs.updated.bytesGrowth.user_changes ?? 0} of history)`,
    );
    // Then both taken back, latest first: the update's undo restores every user, and the
    // creation's (whose users the update's undo left as created) removes them.
    const undos = {} as Record<"updated" | "created", UndoCost>;
    for (const [kind, importId] of [
      ["updated", update.id],
      ["created", id],
    ] as const) {
      const undone = await undoImport(api, importId, { everyMs: 250, timeoutMs: 120_000 + rows * 2 });
      await sleep(1000);
      undos[kind] = {
        importId,
        ms: undone.ms,
        undo: undone.final.undo,
        rowsWritten: undoRowsWrittenFor(roster.logPath, importId),
      };
      log(
        `undo of the ${kind} import: ${undone.final.status} in ${(undone.ms / 1000).toFixed(2)} s, ${(undos[kind].rowsWritten / rows).toFixed(3)} rows written per line, ${JSON.stringify(undone.final.undo)}`,
      );
    }
    const totalMs = totalMs0();
    result = {
      rows,
      collectedGarbage: args["collect-garbage"],
      v8Flags: args["v8-flags"],
      fileBytes: file.stats.bytes,
      expected: file.stats,
      importId: id,
      status: progress.final.status,
      error: progress.final.error,
      totalRows: progress.final.total_rows,
      processedRows: progress.final.processed_rows,
      counts: progress.final.counts ?? {},
      serverStartedAt: progress.final.started_at,
      serverFinishedAt: progress.final.finished_at,
      uploadMs,
      queueWaitMs: Math.max(0, progress.finishedMs - processingMs),
      processingMs,
      startRequestMs,
      deliveries,
      firstSeenProcessingMs: progress.firstProgressMs,
      slowestPollMs: progress.slowestPollMs,
      totalMs,
      rowsPerSecond: rows / (totalMs / 1000),
      memory: {
        workerdPeakBytes: workerd.reduce((s, p) => s + p.peakRss, 0),
        workerdSampledMaxBytes: peakRss,
        workerdIdleBytes: idle.reduce((s, p) => s + p.rss, 0),
        isolateHeap,
        miniflareIsolates,
        snapshots,
        trace,
        processes: tree.map((p) => ({ pid: p.pid, name: p.name, peakRssBytes: p.peakRss })),
      },
      stateBytes: await stateBytes(roster.stateDir),
      latencies,
      costs,
      undos,
      loadLatencies,
      floor: null,
      floorRosterSchema: null,
    };
  } finally {
    await stopRoster(roster);
  }

  if (!args["no-floor"]) {
    log(`floor: papaparse + node:sqlite on the same file`);
    result.floor = await runFloor(file.path, "minimal");
    log(
      result.floor.ok ? `floor ${(result.floor.ms / 1000).toFixed(2)} s` : `floor not measured: ${result.floor.reason}`,
    );
    result.floorRosterSchema = await runFloor(file.path, "roster");
    log(
      result.floorRosterSchema.ok
        ? `same with Roster's schema ${(result.floorRosterSchema.ms / 1000).toFixed(2)} s`
        : `not measured: ${result.floorRosterSchema.reason}`,
    );
  }
  results.push(result);

  if (args.xlsx) {
    const book = await runWorkbook(
      file.path,
      rows,
      join(resultsDir, `${stamp}-wrangler-${rows}-xlsx.log`),
      { v8Flags: args["v8-flags"] },
      log,
    );
    workbooks.push(book);
    log(
      `xlsx ${book.status}: upload ${(book.uploadMs / 1000).toFixed(2)} s, import ${(book.importMs / 1000).toFixed(2)} s, total ${(book.totalMs / 1000).toFixed(2)} s, ` +
        `${(book.totalMs / result.totalMs).toFixed(2)}x the CSV's ${(result.totalMs / 1000).toFixed(2)} s; workerd peak ${(book.workerdPeakBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }
}

const outPath = join(resultsDir, `${stamp}.json`);
await writeFile(
  outPath,
  `${JSON.stringify({ at: new Date().toISOString(), machine, results, ...(args.xlsx ? { workbooks } : {}) }, null, 2)}\n`,
);
printReport(results);
console.log(`\nResults written to ${outPath}`);
