// npm run bench:pages [-- --rows 1000000] [--window 45] [--clients 20] (BENCHMARKS.md)
// The pages' latency alone, in about 3 minutes instead of the whole benchmark's 10: a fresh local
// Roster imports the file (creating every user), then `clients` clients ask for the report page,
// the status and the first lines for `window` seconds of the updating import that follows.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureCsv } from "./generate-csv.ts";
import { getImport, startImport, uploadFile, waitForImport } from "./import-client.ts";
import { importPageTargets, loadPages, signIn } from "./page-load.ts";
import { startRoster, stopRoster } from "./roster-server.ts";

const root = dirname(import.meta.dirname);
process.chdir(root);

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    window: { type: "string", default: "45" },
    clients: { type: "string", default: "20" },
  },
});
const [rows, windowS, clients] = [Number(args.rows), Number(args.window), Number(args.clients)];
if (![rows, windowS, clients].every((n) => Number.isInteger(n) && n > 0) || clients > 50)
  throw new Error("--rows and --window (seconds) take positive whole numbers, --clients up to 50.");

const filesDir = join(root, "bench/files");
const resultsDir = join(root, "bench/results");
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const log = (line: string) => console.log(`[pages ${new Date().toISOString().slice(11, 19)}] ${line}`);

const roster = await startRoster(join(resultsDir, `${stamp}-pages-wrangler.log`));
try {
  const api = { baseUrl: roster.baseUrl, token: roster.token };
  const created = await ensureCsv(filesDir, rows);
  const first = await uploadFile(api, created.path, `users-${rows}.csv`);
  const t0 = performance.now();
  await startImport(api, first.id);
  await waitForImport(api, first.id, t0, { everyMs: 500, timeoutMs: 120_000 + rows * 2 });
  const createdMs = performance.now() - t0;
  log(`${rows} users created in ${(createdMs / 1000).toFixed(1)} s after start (status polled every 0.5 s)`);

  const renamed = await ensureCsv(filesDir, rows, { renamed: true });
  const { id } = await uploadFile(api, renamed.path, `users-${rows}-renamed.csv`);
  const cookie = await signIn(roster.baseUrl, roster.admin.username, roster.admin.password);
  await startImport(api, id);
  const pages = loadPages(roster.baseUrl, importPageTargets(id, cookie, api.token), clients, windowS * 1000);
  await sleep(windowS * 1000);
  const latencies = await pages.stop();
  const state = await getImport(api, id);
  log(`${windowS} s of the updating import with ${clients} clients: ${state.processed_rows} rows, ${state.status}`);
  for (const l of latencies) {
    log(
      `${l.name}: ${l.calls} answers, ${l.errors} errors, p50 ${l.p50Ms.toFixed(0)} / p90 ${l.p90Ms.toFixed(0)} / p99 ${l.p99Ms.toFixed(0)} / max ${l.maxMs.toFixed(0)} ms`,
    );
  }
  const out = join(resultsDir, `${stamp}-pages.json`);
  await writeFile(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        rows,
        windowS,
        clients,
        createdMs,
        processedInWindow: state.processed_rows,
        latencies,
      },
      null,
      2,
    ),
  );
  log(`Results: ${out}`);
} finally {
  await stopRoster(roster);
}
