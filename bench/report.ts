import type { HeapUsage } from "./isolate-heap.ts";
import type { IsolatePeak } from "./runtime-isolates.ts";
import type { FileStats } from "./generate-csv.ts";
import type { Latency } from "./import-client.ts";
import type { FloorResult } from "./run-floor.ts";
import type { Percentiles } from "./page-load.ts";

export type UndoCost = { importId: string; ms: number; undo: Record<string, unknown> | null; rowsWritten: number };

export type SizeResult = {
  rows: number;
  /** Roster's garbage was collected before every heap reading (--collect-garbage): a diagnostic run. */
  collectedGarbage: boolean;
  /** V8 flags the local runtime ran with (--v8-flags), or "" for wrangler dev's defaults. */
  v8Flags: string;
  fileBytes: number;
  expected: FileStats;
  importId: string;
  status: string;
  error: string | null;
  totalRows: number;
  processedRows: number;
  counts: Record<string, number>;
  serverStartedAt: string | null;
  serverFinishedAt: string | null;
  /** The upload request: storing the file in R2 and the scan that counts rows and plans chunks. */
  uploadMs: number;
  /** From the start request until completion, less the time the consumer ran. */
  queueWaitMs: number;
  /** The consumer's own time: the queue deliveries wrangler dev logged for this import. */
  processingMs: number;
  startRequestMs: number;
  deliveries: { count: number; totalMs: number; longestMs: number };
  /** When polling first saw the import taken up; polls wait while a delivery runs, so this lags. */
  firstSeenProcessingMs: number | null;
  slowestPollMs: number;
  totalMs: number;
  rowsPerSecond: number;
  memory: {
    /** VmHWM of the workerd process(es): the kernel's own peak, for this size's fresh runtime. */
    workerdPeakBytes: number;
    workerdSampledMaxBytes: number;
    workerdIdleBytes: number;
    /** Roster's own isolate: its heap's largest size during the run, and what it keeps after the import (a heap snapshot). */
    isolateHeap: { max: HeapUsage & { samples: number }; retainedAfter: number | null };
    /** Miniflare's isolates in the same process (its D1, R2, Queues): each one's largest heap, and the largest sum. */
    miniflareIsolates: { isolates: IsolatePeak[]; maxSumBytes: number } | null;
    /** Summed workerd memory at three moments; anonymous memory is heaps and caches, file is mapped files. */
    snapshots: Record<
      "idle" | "afterUpload" | "afterImport",
      { rss: number; peakRss: number; rssAnon: number; rssFile: number }
    >;
    /** The runtime's memory every half second from the upload to the end, with the rows processed by then. */
    trace: MemoryTracePoint[];
    processes: { pid: number; name: string; peakRssBytes: number }[];
  };
  stateBytes: number;
  latencies: Latency[];
  /**
   * D1's bill and growth for the import that created the users, one that updated them all, one
   * that changed nothing, and a dry run of the first file after them (every line would update its user back).
   */
  costs: Record<"created" | "updated" | "unchanged", ImportCost> & { dryRun?: ImportCost };
  /** The undo of the updated import (every user restored), then of the created one (every user removed). */
  undos?: Record<"updated" | "created", UndoCost>;
  /** With concurrent clients on the report page, the status and the lines during the updating import. */
  loadLatencies: Percentiles[] | null;
  /** The floor: papaparse and node:sqlite with only the unique keys the rules need. */
  floor: FloorResult | null;
  /** The same on Roster's own schema (all its indexes and foreign keys). */
  floorRosterSchema: FloorResult | null;
};

/** What one import cost in D1: rows written (as billed, index entries included) and the database's growth by table. */
export type ImportCost = {
  importId: string;
  ms: number;
  counts: Record<string, number>;
  rowsWritten: number;
  /** The rows written for the users' history (one per line that created or updated a user): part of rowsWritten. */
  historyRowsWritten: number;
  bytesGrowth: Record<string, number>;
};

/** Rows written for the import itself, without the users' history, which has its own budget. */
export const importRowsWritten = (c: ImportCost) => c.rowsWritten - (c.historyRowsWritten ?? 0);
/** Lines that changed a user: each keeps one history row. */
const changedLines = (c: ImportCost) => (c.counts.created ?? 0) + (c.counts.updated ?? 0);

/**
 * Tables whose growth is the users themselves, their history (a dry run's report keeps the same
 * changes, smaller), or the lines that need attention: not counted as what an import keeps.
 */
const ownTables = new Set(["users", "flagged_lines", "user_changes", "projected_changes"]);
/** Bytes an import kept in D1 beyond the users, their history and its flagged lines. */
export const keptBytes = (c: ImportCost) =>
  Object.entries(c.bytesGrowth).reduce((sum, [t, b]) => (ownTables.has(t) ? sum : sum + b), 0);

/** A reading of the runtime's memory, in which phase of the run, and how many rows the import had processed then. */
export type MemoryTracePoint = {
  ms: number;
  rss: number;
  rssAnon: number;
  phase: "upload" | "import" | "after";
  rows: number;
};

/** The targets of the product's issue, on this two-core machine. */
export const targets = {
  ratio: 2,
  memoryGrowthBytes: 64 * 2 ** 20,
  latencyMs: 200,
  loadP99Ms: 300,
  rowsWrittenPerLine: { created: 4.5, updated: 3.5, unchanged: 0.05 },
  /** What the users' history may add, per line that changes a user. */
  historyRowsPerChangedLine: 1.5,
  keptBytesPerLine: 20,
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ratioOf = (r: SizeResult) => (r.floor?.ok ? r.totalMs / r.floor.ms : null);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** Whether the counts are what the generated file holds: a fast import that loses lines is no result. */
export function countsMatch(r: SizeResult): boolean {
  const failed = r.expected.unknownLocation + r.expected.invalidEmail;
  return (
    r.status === "completed" &&
    r.processedRows === r.rows &&
    r.counts.failed === failed &&
    r.counts.warnings === r.expected.unknownRole + (r.expected.grantsAdmin ?? 0) &&
    r.counts.created === r.rows - failed
  );
}

const traceShares = [0.1, 0.25, 0.5, 0.75, 1];

/**
 * The highest RSS of the trace while the file was uploaded, then during the import up to each
 * share of the rows processed: whether memory keeps rising with the rows or levels off.
 */
function traceProfile(trace: MemoryTracePoint[], rows: number): (number | null)[] {
  const highest = (points: MemoryTracePoint[]) => (points.length ? Math.max(...points.map((p) => p.rss)) : null);
  const importing = trace.filter((p) => p.phase === "import");
  return [
    highest(trace.filter((p) => p.phase === "upload")),
    ...traceShares.map((share) => highest(importing.filter((p) => p.rows <= share * rows))),
  ];
}

/** Prints the timings, memory, latencies and the verdict on each target, as Markdown tables. */
export function printReport(results: SizeResult[]): void {
  console.log("\n## Import end to end (HTTP API, wrangler dev --local)\n");
  console.log(
    table(
      [
        "rows",
        "MB",
        "upload+count",
        "queue wait",
        "processing",
        "total",
        "rows/s",
        "floor",
        "ratio",
        "floor, Roster schema",
        "workerd peak",
        "counts ok",
      ],
      results.map((r) => [
        r.rows.toLocaleString("en"),
        (r.fileBytes / 1e6).toFixed(1),
        seconds(r.uploadMs),
        seconds(r.queueWaitMs),
        seconds(r.processingMs),
        seconds(r.totalMs),
        Math.round(r.rowsPerSecond).toLocaleString("en"),
        r.floor === null ? "-" : r.floor.ok ? seconds(r.floor.ms) : "failed",
        ratioOf(r)?.toFixed(1) ?? "-",
        r.floorRosterSchema === null ? "-" : r.floorRosterSchema.ok ? seconds(r.floorRosterSchema.ms) : "failed",
        mib(r.memory.workerdPeakBytes),
        countsMatch(r) ? "yes" : `NO (${r.status})`,
      ]),
    ),
  );

  console.log("\n## Memory: the runtime process, Roster's own isolate within it, and Miniflare's isolates beside it\n");
  if (results.some((r) => r.collectedGarbage)) {
    console.log(
      "Diagnostic run: Roster's garbage was collected before every reading of its heap (--collect-garbage).\n",
    );
  }
  const flags = [...new Set(results.map((r) => r.v8Flags).filter((f) => f))];
  if (flags.length) console.log(`Diagnostic run: the runtime's V8 ran with ${flags.join(", ")} (--v8-flags).\n`);
  const named = (m: SizeResult["memory"]["miniflareIsolates"], id: string) =>
    m?.isolates.find((i) => i.id === id)?.maxBytes;
  console.log(
    table(
      [
        "rows",
        "workerd peak RSS",
        "Roster heap incl. garbage: max",
        "Roster retained after",
        "Miniflare isolates: max sum",
        "its R2",
        "its D1",
      ],
      results.map((r) => {
        const h = r.memory.isolateHeap;
        const m = r.memory.miniflareIsolates;
        const r2 = named(m, "r2:bucket");
        const d1 = named(m, "d1:db");
        return [
          r.rows.toLocaleString("en"),
          mib(r.memory.workerdPeakBytes),
          h.max.samples ? `${mib(h.max.totalBytes)} (${h.max.samples} readings)` : "-",
          h.retainedAfter === null ? "-" : mib(h.retainedAfter),
          m ? `${mib(m.maxSumBytes)} (${m.isolates.length} isolates)` : "-",
          r2 === undefined ? "-" : mib(r2),
          d1 === undefined ? "-" : mib(d1),
        ];
      }),
    ),
  );

  console.log("\n## The runtime's RSS as the import goes: highest reading up to each share of the rows processed\n");
  console.log(
    "Rows processed are the import's count at the last status poll, which waits while a queue delivery runs, so a share is reached up to one delivery (3 s) early.\n",
  );
  console.log(
    table(
      ["rows", "idle", "upload", ...traceShares.map((share) => `≤ ${share * 100}%`)],
      results.map((r) => {
        const upTo = traceProfile(r.memory.trace, r.rows);
        return [
          r.rows.toLocaleString("en"),
          mib(r.memory.workerdIdleBytes),
          ...upTo.map((bytes) => (bytes === null ? "-" : mib(bytes))),
        ];
      }),
    ),
  );

  console.log("\n## Read latency after the import (median of 10, ms) and while it ran\n");
  console.log(
    table(
      ["rows", "GET import", "lines", "error lines", "lines mid-file", "slowest status poll during import"],
      results.map((r) => [
        r.rows.toLocaleString("en"),
        ...r.latencies.map((l) => `${l.medianMs.toFixed(1)} (max ${l.maxMs.toFixed(0)})`),
        r.slowestPollMs.toFixed(0),
      ]),
    ),
  );

  console.log("\n## D1 per line: rows written (as billed) and bytes kept beyond the users and flagged lines\n");
  console.log(
    table(
      [
        "rows",
        "import",
        "time",
        "rows written",
        "per line",
        "history rows",
        "per changed line",
        "bytes kept",
        "per line",
        "flagged lines' bytes",
        "history bytes",
      ],
      results.flatMap((r) =>
        (["created", "updated", "unchanged", "dryRun"] as const).flatMap((kind) => {
          const c = r.costs[kind];
          if (c === undefined) return [];
          const history = c.historyRowsWritten ?? 0;
          const row = [
            r.rows.toLocaleString("en"),
            kind === "dryRun" ? "dry run (updates)" : kind,
            seconds(c.ms),
            importRowsWritten(c).toLocaleString("en"),
            (importRowsWritten(c) / r.rows).toFixed(3),
            history.toLocaleString("en"),
            changedLines(c) ? (history / changedLines(c)).toFixed(3) : "-",
            keptBytes(c).toLocaleString("en"),
            (keptBytes(c) / r.rows).toFixed(1),
            (c.bytesGrowth.flagged_lines ?? 0).toLocaleString("en"),
            // A dry run's are its report's changes, kept instead of history.
            ((c.bytesGrowth.user_changes ?? 0) + (c.bytesGrowth.projected_changes ?? 0)).toLocaleString("en"),
          ];
          return [row];
        }),
      ),
    ),
  );

  console.log(`\n## Latency while an import runs: ${20} concurrent clients during the updating import (ms)\n`);
  console.log(
    table(
      ["rows", "request", "calls", "errors", "p50", "p90", "p99", "max"],
      results.flatMap((r) =>
        (r.loadLatencies ?? []).map((l) => [
          r.rows.toLocaleString("en"),
          l.name,
          String(l.calls),
          String(l.errors),
          l.p50Ms.toFixed(0),
          l.p90Ms.toFixed(0),
          l.p99Ms.toFixed(0),
          l.maxMs.toFixed(0),
        ]),
      ),
    ),
  );

  console.log("\n## Targets\n");
  // A run whose counts are wrong (a failed import, lost lines) is no result, however fast or small.
  const judged = (runs: SizeResult[], verdict: string) =>
    runs.every(countsMatch) ? verdict : "invalid run (counts wrong)";
  for (const r of results.filter((x) => x.rows >= 100_000)) {
    const ratio = ratioOf(r);
    const verdict = judged(
      [r],
      ratio === null ? "not measured (no floor)" : ratio <= targets.ratio ? "met" : "NOT met",
    );
    console.log(
      `- ${r.rows.toLocaleString("en")} rows at most ${targets.ratio}× the floor: ${ratio?.toFixed(2) ?? "-"}× — ${verdict}`,
    );
  }
  const small = results.reduce<SizeResult | undefined>((a, b) => (a && a.rows <= b.rows ? a : b), undefined);
  const big = results.reduce<SizeResult | undefined>((a, b) => (a && a.rows >= b.rows ? a : b), undefined);
  if (small && big && small !== big) {
    const growth = big.memory.workerdPeakBytes - small.memory.workerdPeakBytes;
    const verdict = judged([small, big], growth <= targets.memoryGrowthBytes ? "met" : "NOT met");
    console.log(
      `- workerd peak, ${big.rows.toLocaleString("en")} minus ${small.rows.toLocaleString("en")} rows, at most 64 MiB: ${mib(growth)} — ${verdict}`,
    );
    const heapGrowth = big.memory.isolateHeap.max.totalBytes - small.memory.isolateHeap.max.totalBytes;
    console.log(`  (Roster's own isolate, largest heap incl. garbage, the same difference: ${mib(heapGrowth)})`);
  }
  if (big) {
    for (const kind of ["created", "updated", "unchanged"] as const) {
      const perLine = importRowsWritten(big.costs[kind]) / big.rows;
      const limit = targets.rowsWrittenPerLine[kind];
      console.log(
        `- rows written per ${kind} line at ${big.rows.toLocaleString("en")} rows, without the history, at most ${limit}: ${perLine.toFixed(3)} — ${judged([big], perLine <= limit ? "met" : "NOT met")}`,
      );
    }
    for (const kind of ["created", "updated", "unchanged"] as const) {
      const c = big.costs[kind];
      const history = c.historyRowsWritten ?? 0;
      const changed = changedLines(c);
      const ok = changed === 0 ? history === 0 : history / changed <= targets.historyRowsPerChangedLine;
      console.log(
        `- history rows written by the ${kind} import, at most ${targets.historyRowsPerChangedLine} per changed line and none per unchanged one: ${history.toLocaleString("en")} for ${changed.toLocaleString("en")} changed lines — ${judged([big], ok ? "met" : "NOT met")}`,
      );
    }
    const kept = Math.max(
      ...(["created", "updated", "unchanged"] as const).map((k) => keptBytes(big.costs[k]) / big.rows),
    );
    console.log(
      `- bytes kept per line beyond users and flagged lines, at most ${targets.keptBytesPerLine}: ${kept.toFixed(1)} — ${judged([big], kept <= targets.keptBytesPerLine ? "met" : "NOT met")}`,
    );
    const worst = Math.max(...(big.loadLatencies ?? []).map((l) => l.p99Ms));
    console.log(
      `- p99 of the pages with ${20} clients during the import, at most ${targets.loadP99Ms} ms: ${worst.toFixed(0)} ms — ${judged([big], worst <= targets.loadP99Ms ? "met" : "NOT met")}`,
    );
    const slowest = Math.max(...big.latencies.map((l) => l.medianMs));
    console.log(
      `- status and lines under ${targets.latencyMs} ms at ${big.rows.toLocaleString("en")} rows: slowest median ${slowest.toFixed(1)} ms — ${judged([big], slowest < targets.latencyMs ? "met" : "NOT met")}`,
    );
  }
}
