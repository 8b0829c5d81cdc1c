// npm run bench:latency-floor [-- --variants idle,timers,…] [--window 4] [--clients 20] [--delivery 3000] [--users 100000] [--via proxy|direct]
// How long small requests wait while a queue consumer works, in a Worker with nothing but one
// D1 database and one queue (BENCHMARKS.md): which part of a wait is the local runtime's.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { readdirSync, readFileSync } from "node:fs";
import { processTree, workerdOf } from "./process-memory.ts";
import { queueDeliveries, startWranglerDev, stopWranglerDev } from "./roster-server.ts";

const root = dirname(import.meta.dirname);
process.chdir(root);

// What the consumer does in each variant (bench/latency-floor/worker.js describes the fields).
const presets: Record<string, Record<string, unknown> | null> = {
  idle: null,
  timers: { variant: "timers", wait: 50 },
  "cpu-wait0": { variant: "cpu-wait0", slice: 10 },
  "cpu-null": { variant: "cpu-null", slice: 10 },
  "sync-250": { variant: "cpu-wait0", slice: 250 },
  "d1-read": { variant: "d1-read" },
  "write-8000": { variant: "d1-write", rows: 8000 },
  "write-8000-by-1000": { variant: "d1-write", rows: 8000, perStatement: 1000 },
  "write-2000": { variant: "d1-write", rows: 2000 },
  "write-1000": { variant: "d1-write", rows: 1000 },
  "write-500": { variant: "d1-write", rows: 500 },
  "d1-read-yield": { variant: "d1-read", yield: 0 },
  "write-8000-yield": { variant: "d1-write", rows: 8000, yield: 0 },
  "write-2000-yield": { variant: "d1-write", rows: 2000, yield: 0 },
  "write-1000-yield": { variant: "d1-write", rows: 1000, yield: 0 },
  "write-500-yield": { variant: "d1-write", rows: 500, yield: 0 },
  "d1-read-pause5": { variant: "d1-read", yield: 5 },
  "write-8000-pause5": { variant: "d1-write", rows: 8000, yield: 5 },
  "write-1000-pause5": { variant: "d1-write", rows: 1000, yield: 5 },
  // Roster's chunk: about 150 ms of JavaScript for 8,000 rows here, then its two batches.
  "chunk-8000": { variant: "chunk", rows: 8000, slice: 150 },
  "chunk-1000": { variant: "chunk", rows: 1000, slice: 19 },
  "chunk-8000-yield": { variant: "chunk", rows: 8000, slice: 150, yield: 0 },
  "chunk-2000-yield": { variant: "chunk", rows: 2000, slice: 38, yield: 0 },
  "chunk-1000-yield": { variant: "chunk", rows: 1000, slice: 19, yield: 0 },
  "chunk-8000-pause5": { variant: "chunk", rows: 8000, slice: 150, yield: 5 },
  "chunk-2000-pause5": { variant: "chunk", rows: 2000, slice: 38, yield: 5 },
  "chunk-1000-pause5": { variant: "chunk", rows: 1000, slice: 19, yield: 5 },
};

const { values: args } = parseArgs({
  options: {
    variants: { type: "string", default: "idle,timers,cpu-null,d1-read,d1-read-yield,write-8000,write-8000-yield" },
    // Seconds each of the two request kinds is measured for, while the consumer runs.
    window: { type: "string", default: "4" },
    clients: { type: "string", default: "20" },
    // Longest queue delivery, ms: Roster's deliveryBudgetMs.
    delivery: { type: "string", default: "3000" },
    // Users in D1 before the consumer starts: the reads and upserts go to these.
    users: { type: "string", default: "100000" },
    // "proxy": through wrangler dev's port, as a browser; "direct": to the runtime's own entry socket.
    via: { type: "string", default: "proxy" },
  },
});
if (args.via !== "proxy" && args.via !== "direct") throw new Error('--via takes "proxy" or "direct".');
const variants = args.variants.split(",").map((s) => s.trim());
const unknown = variants.filter((v) => !(v in presets));
if (unknown.length > 0)
  throw new Error(`Unknown variant ${unknown.join(", ")}; choose from ${Object.keys(presets).join(", ")}.`);
const [windowMs, clients, delivery, users] = [
  Number(args.window) * 1000,
  Number(args.clients),
  Number(args.delivery),
  Number(args.users),
];
if (
  [windowMs, clients, delivery, users].some((n) => !Number.isFinite(n) || n <= 0) ||
  windowMs > 15_000 ||
  clients > 50
) {
  throw new Error("--window takes seconds up to 15, --clients up to 50, --delivery ms and --users a positive count.");
}

const resultsDir = join(root, "bench/results");
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const log = (line: string) => console.log(`[latency-floor ${new Date().toISOString().slice(11, 19)}] ${line}`);

type Latency = {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  cpu?: { busiest: number; all: number };
};
function summarise(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

/** `clients` loops each calling `url` one request after another until `ms` have passed. */
async function measure(url: string, ms: number): Promise<Latency> {
  const ticks = threadTicks(dev.pid);
  const started = performance.now();
  const until = started + ms;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const response = await fetch(url);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${url} answered ${response.status}.`);
        times.push(performance.now() - t0);
      }
    }),
  );
  return { ...summarise(times), cpu: cpuShares(ticks, threadTicks(dev.pid), performance.now() - started) };
}

/** CPU ticks of every thread of the runtime's processes (/proc/<pid>/task/<tid>/stat, user + system). */
function threadTicks(root: number): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const { pid } of workerdOf(processTree(root))) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks.set(`${pid}/${tid}`, Number(fields[11]) + Number(fields[12]));
      }
    } catch {
      // The process or thread ended while being read.
    }
  }
  return ticks;
}

/** The busiest thread's and all threads' CPU between two readings, as shares of `ms` of wall time. */
function cpuShares(
  before: Map<string, number>,
  after: Map<string, number>,
  ms: number,
): { busiest: number; all: number } {
  const used = [...after].map(([id, t]) => t - (before.get(id) ?? 0));
  const share = (ticks: number) => (ticks * 10) / ms;
  return { busiest: share(Math.max(0, ...used)), all: share(used.reduce((a, b) => a + b, 0)) };
}

type Run = {
  steps: number;
  stepsMs: number;
  longestStepMs: number;
  deliveries: number;
  started: number;
  ended?: number;
};
type Status = { current: Run | null; last: Run | null };

const stateDir = await mkdtemp(join(tmpdir(), "roster-latency-floor-"));
const logPath = join(resultsDir, `${stamp}-latency-floor.log`);
const dev = await startWranglerDev(stateDir, logPath, { config: "bench/latency-floor/wrangler.toml", readyPath: "/" });

/**
 * The runtime's entry socket, which wrangler's proxy forwards to: of the ports the runtime's
 * workerd listens on (`ss`), the one where the Worker itself answers /noop.
 */
async function entryUrl(): Promise<string> {
  const runtime = workerdOf(processTree(dev.pid)).filter((p) =>
    readFileSync(`/proc/${p.pid}/cmdline`, "utf8").includes("entry="),
  );
  const listening = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  for (const { pid } of runtime) {
    for (const [, port] of listening.matchAll(new RegExp(`127\\.0\\.0\\.1:(\\d+) .*pid=${pid},`, "g"))) {
      const url = `http://127.0.0.1:${port}`;
      const answer = await fetch(`${url}/noop`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.text(),
        () => "",
      );
      if (answer === "ok") return url;
    }
  }
  throw new Error("Found no entry socket of the runtime answering /noop.");
}
const base = args.via === "direct" ? await entryUrl() : dev.baseUrl;
log(`requests go to ${base} (${args.via})`);
const status = async () => (await (await fetch(`${dev.baseUrl}/status`)).json()) as Status;
const results: {
  name: string;
  work: Record<string, unknown> | null;
  consumer: Run | null;
  noop: Latency;
  read: Latency;
  load: number;
}[] = [];
try {
  const setup = await fetch(`${dev.baseUrl}/setup?users=${users}`);
  if (!setup.ok) throw new Error(`/setup answered ${setup.status}: ${await setup.text()}`);
  log(`${users} users in D1`);
  // The first requests compile the Worker and open connections: not what is measured.
  await measure(`${base}/read`, 1000);
  for (const name of variants) {
    const preset = presets[name] ?? null;
    let consumer: Run | null = null;
    if (preset) {
      // The consumer outlasts both windows, so every request below meets it at work.
      // Stopped by /stop once both are measured.
      const work = { ...preset, ms: 4 * windowMs + 10_000, delivery };
      const sent = await fetch(`${dev.baseUrl}/start?work=${encodeURIComponent(JSON.stringify(work))}`);
      if (sent.status !== 202) throw new Error(`/start answered ${sent.status}: ${await sent.text()}`);
      const deadline = Date.now() + 10_000;
      while (!(await status()).current) {
        if (Date.now() > deadline) throw new Error(`The consumer did not start ${name} within 10 s.`);
        await sleep(20);
      }
    }
    const before = (await status()).current?.deliveries ?? 0;
    const load = loadavg()[0] ?? 0;
    const noop = await measure(`${base}/noop`, windowMs);
    const between = (await status()).current?.deliveries ?? 0;
    const read = await measure(`${base}/read`, windowMs);
    const after = (await status()).current?.deliveries ?? 0;
    if (preset)
      log(`${name}: deliveries under way ${before}, ${between}, ${after} (before, between and after the windows)`);
    if (preset) {
      await fetch(`${dev.baseUrl}/stop`);
      const deadline = Date.now() + 30_000;
      for (let s = await status(); ; s = await status()) {
        if (s.last && !s.current) {
          consumer = s.last;
          break;
        }
        if (Date.now() > deadline) throw new Error(`The consumer did not finish ${name} within 30 s of the windows.`);
        await sleep(100);
      }
    }
    results.push({ name, work: preset, consumer, noop, read, load });
    const step = consumer
      ? `, ${consumer.steps} steps of ${(consumer.stepsMs / Math.max(1, consumer.steps)).toFixed(1)} ms (longest ${consumer.longestStepMs})`
      : "";
    log(`${name}${step}: noop p99 ${noop.p99.toFixed(0)} ms, read p99 ${read.p99.toFixed(0)} ms`);
  }
} finally {
  const deliveries = queueDeliveries(logPath, "latency-floor-work");
  log(`${deliveries.count} queue deliveries, longest ${deliveries.longestMs} ms`);
  await stopWranglerDev(dev);
}

const cell = (l: Latency) =>
  `${l.p50.toFixed(0)} / ${l.p90.toFixed(0)} / ${l.p99.toFixed(0)} / ${l.max.toFixed(0)} (${l.count})`;
const cpu = (l: Latency) => (l.cpu ? `${(l.cpu.busiest * 100).toFixed(0)}% / ${(l.cpu.all * 100).toFixed(0)}%` : "-");
console.log(
  `\n| consumer | its steps: count, mean ms (longest) | noop p50 / p90 / p99 / max, ms (requests) | one D1 read p50 / p90 / p99 / max, ms (requests) | workerd CPU in the read window: busiest thread / all | load average |`,
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of results) {
  const c = r.consumer;
  const steps = c ? `${c.steps}, ${(c.stepsMs / Math.max(1, c.steps)).toFixed(1)} (${c.longestStepMs})` : "-";
  console.log(`| ${r.name} | ${steps} | ${cell(r.noop)} | ${cell(r.read)} | ${cpu(r.read)} | ${r.load.toFixed(1)} |`);
}
const out = join(resultsDir, `${stamp}-latency-floor.json`);
await writeFile(
  out,
  JSON.stringify({ at: new Date().toISOString(), via: args.via, windowMs, clients, delivery, users, results }, null, 2),
);
console.log(`\nResults: ${out}`);
