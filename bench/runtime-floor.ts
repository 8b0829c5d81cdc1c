// npm run bench:runtime-floor [-- --chunks 20,300,8000] [--sizes 10000,1000000] [--rate 40000] [--pad 0] [--garbage 0] [--v8-flags=…]
// How much the local runtime grows for a Worker that only makes short-lived garbage (BENCHMARKS.md).
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { processTree, workerdOf } from "./process-memory.ts";
import { startWranglerDev, stopWranglerDev } from "./roster-server.ts";

const root = dirname(import.meta.dirname);
process.chdir(root);

const { values: args } = parseArgs({
  options: {
    // Rows alive at once: from a few to one of Roster's chunks.
    chunks: { type: "string", default: "20,300,8000" },
    // The imports compared by the memory target.
    sizes: { type: "string", default: "10000,1000000" },
    // Rows a second, about Roster's own rate on a million rows.
    rate: { type: "string", default: "40000" },
    // More bytes of text in each row, alive with its chunk.
    pad: { type: "string", default: "0" },
    // Bytes of text each row makes and drops at once: Roster makes about 3.7 KB of garbage a line.
    garbage: { type: "string", default: "0" },
    "v8-flags": { type: "string", default: "" },
  },
});
const numbers = (list: string) => list.split(",").map((s) => Number(s.replaceAll("_", "").trim()));
const chunks = numbers(args.chunks);
const sizes = numbers(args.sizes);
const rate = Number(args.rate);
const [pad, garbage] = [Number(args.pad), Number(args.garbage)];
if (
  [...chunks, ...sizes, rate].some((n) => !Number.isInteger(n) || n < 1) ||
  [pad, garbage].some((n) => !Number.isInteger(n) || n < 0)
) {
  throw new Error("--chunks, --sizes, --rate, --pad and --garbage take whole numbers such as 20,300,8000.");
}

const resultsDir = join(root, "bench/results");
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const log = (line: string) => console.log(`[runtime-floor ${new Date().toISOString().slice(11, 19)}] ${line}`);

type Run = { chunk: number; rows: number; idleBytes: number; peakBytes: number; ms: number; jsonBytes: number };
const runs: Run[] = [];

for (const chunk of chunks) {
  for (const rows of sizes) {
    // A fresh runtime for each run, as the import benchmark has for each size: its peak is its own.
    const stateDir = await mkdtemp(join(tmpdir(), "roster-runtime-floor-"));
    const dev = await startWranglerDev(stateDir, join(resultsDir, `${stamp}-runtime-floor-${chunk}-${rows}.log`), {
      config: "bench/runtime-floor/wrangler.toml",
      readyPath: "/",
      v8Flags: args["v8-flags"],
    });
    try {
      await sleep(2000);
      const idleBytes = workerdOf(processTree(dev.pid)).reduce((sum, p) => sum + p.rss, 0);
      const response = await fetch(
        `${dev.baseUrl}/allocate?rows=${rows}&chunk=${chunk}&rate=${rate}&pad=${pad}&garbage=${garbage}`,
      );
      if (!response.ok) throw new Error(`/allocate answered ${response.status}: ${await response.text()}`);
      const made = (await response.json()) as { ms: number; jsonBytes: number };
      const peakBytes = workerdOf(processTree(dev.pid)).reduce((sum, p) => sum + p.peakRss, 0);
      runs.push({ chunk, rows, idleBytes, peakBytes, ms: made.ms, jsonBytes: made.jsonBytes });
      log(
        `${chunk} rows at a time, ${rows} rows in ${(made.ms / 1000).toFixed(1)} s: idle ${MiB(idleBytes)}, peak ${MiB(peakBytes)}`,
      );
    } finally {
      await stopWranglerDev(dev);
    }
  }
}

const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
console.log(`\n| rows alive at once | peak, ${small} rows | peak, ${large} rows | growth |\n|---:|---:|---:|---:|`);
for (const chunk of chunks) {
  const peak = (rows: number) => runs.find((r) => r.chunk === chunk && r.rows === rows)?.peakBytes ?? 0;
  console.log(`| ${chunk} | ${MiB(peak(small))} | ${MiB(peak(large))} | ${MiB(peak(large) - peak(small))} |`);
}
const out = join(resultsDir, `${stamp}-runtime-floor.json`);
await writeFile(
  out,
  JSON.stringify({ at: new Date().toISOString(), rate, pad, garbage, v8Flags: args["v8-flags"], runs }, null, 2),
);
console.log(`\nResults: ${out}`);
