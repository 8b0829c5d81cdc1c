// npm run bench:request-profile [-- --target import|page|lines] [--requests 200] (BENCHMARKS.md)
// Where one request's time goes in Roster's isolate: a V8 CPU profile, through wrangler dev's
// inspector, of requests made one after another against a finished 10,000-row import.
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCsv } from "./generate-csv.ts";
import { startImport, uploadFile, waitForImport } from "./import-client.ts";
import { signIn } from "./page-load.ts";
import { startRoster, stopRoster } from "./roster-server.ts";

const root = dirname(import.meta.dirname);
process.chdir(root);
const { values: args } = parseArgs({
  options: { target: { type: "string", default: "import" }, requests: { type: "string", default: "200" } },
});
const requests = Number(args.requests);
if (!["import", "page", "lines"].includes(args.target) || !Number.isInteger(requests) || requests < 1)
  throw new Error("--target takes import, page or lines; --requests a positive count.");

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** A DevTools session on the Worker's isolate that answers each command's result. */
async function openInspector(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    headers: { Origin: "https://devtools.devprod.cloudflare.dev" },
  } as unknown as string[]);
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  await new Promise((resolve) => ws.addEventListener("open", resolve));
  let next = 0;
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        waiting.set(id, (result) => resolve(result as T));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

const file = await ensureCsv(join(root, "bench/files"), 10_000);
const roster = await startRoster(join(root, "bench/results", `request-profile-${Date.now()}.log`));
try {
  const api = { baseUrl: roster.baseUrl, token: roster.token };
  const { id } = await uploadFile(api, file.path, "users-10000.csv");
  const t0 = performance.now();
  await startImport(api, id);
  await waitForImport(api, id, t0, { everyMs: 250, timeoutMs: 120_000 });
  const cookie = await signIn(roster.baseUrl, roster.admin.username, roster.admin.password);
  const target: { path: string; headers: Record<string, string> } = {
    import: { path: `/api/imports/${id}`, headers: { Authorization: `Bearer ${api.token}` } },
    lines: { path: `/api/imports/${id}/lines?limit=100`, headers: { Authorization: `Bearer ${api.token}` } },
    page: { path: `/imports/${id}`, headers: { Cookie: cookie } },
  }[args.target as "import" | "lines" | "page"];
  const get = async () => (await fetch(`${roster.baseUrl}${target.path}`, { headers: target.headers })).arrayBuffer();
  for (let i = 0; i < 20; i++) await get();

  const inspector = await openInspector(roster.inspectorPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Profiler.start");
  const t1 = performance.now();
  for (let i = 0; i < requests; i++) await get();
  const wallMs = (performance.now() - t1) / requests;
  const { profile } = await inspector.send<{ profile: Profile }>("Profiler.stop");
  inspector.close();

  const selfUs = new Map<number, number>();
  profile.samples.forEach((node, i) => selfUs.set(node, (selfUs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  const perRequest = (us: number) => (us / 1000 / requests).toFixed(2);
  const idle = byFunction.get("(idle) :-1") ?? 0;
  const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${args.target}: ${wallMs.toFixed(1)} ms a request from the client; Roster's isolate busy ${perRequest(total - idle)} ms of it`,
  );
  console.log("\n| ms a request (self) | function |\n|---:|---|");
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`| ${perRequest(us)} | ${name} |`);
} finally {
  await stopRoster(roster);
}
