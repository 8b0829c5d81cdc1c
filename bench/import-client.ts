import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** The fields of `GET /api/imports/{id}` the benchmark reads. */
export type ImportState = {
  id: string;
  status: "ready" | "queued" | "processing" | "completed" | "failed" | "cancelled" | "undoing" | "undone";
  total_rows: number;
  processed_rows: number;
  counts?: Record<string, number>;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
};

export type Api = { baseUrl: string; token: string };

async function getJson<T>(api: Api, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${api.baseUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${api.token}`, ...init.headers },
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return { status: response.status, body: JSON.parse(text) as T };
}

/**
 * Streams the file as the request body with its Content-Length. node:http rather than fetch:
 * fetch's default 300 s header timeout would cut off a large upload whose scan is slow.
 */
export async function uploadFile(
  api: Api,
  path: string,
  fileName: string,
  contentType = "text/csv",
  options: { dryRun?: boolean } = {},
): Promise<ImportState> {
  const size = (await stat(path)).size;
  const url = `${api.baseUrl}/api/imports?filename=${encodeURIComponent(fileName)}${options.dryRun ? "&dry_run=true" : ""}`;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { Authorization: `Bearer ${api.token}`, "Content-Type": contentType, "Content-Length": String(size) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => (text += part));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    createReadStream(path).on("error", reject).pipe(req);
  });
  if (status !== 201) throw new Error(`The upload answered ${status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as ImportState;
}

export async function startImport(api: Api, id: string): Promise<ImportState> {
  const { status, body } = await getJson<ImportState>(api, `/api/imports/${id}/start`, { method: "POST" });
  if (status !== 202) throw new Error(`Starting import ${id} answered ${status}, not 202.`);
  return body;
}

/**
 * Undoes a finished import and polls it every `everyMs` until it is undone (or the undo stopped,
 * returning it to its earlier status with the reason); returns the time from the request.
 */
export async function undoImport(
  api: Api,
  id: string,
  options: { everyMs: number; timeoutMs: number },
): Promise<{ ms: number; final: ImportState & { undo: Record<string, unknown> | null } }> {
  const t0 = performance.now();
  const asked = await getJson<ImportState>(api, `/api/imports/${id}/undo`, { method: "POST" });
  if (asked.status !== 202) throw new Error(`Undoing import ${id} answered ${asked.status}, not 202.`);
  for (;;) {
    const { body } = await getJson<ImportState & { undo: Record<string, unknown> | null }>(api, `/api/imports/${id}`);
    if (body.status !== "undoing") return { ms: performance.now() - t0, final: body };
    if (performance.now() - t0 > options.timeoutMs)
      throw new Error(`Import ${id} still undoing after ${options.timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, options.everyMs));
  }
}

export const getImport = async (api: Api, id: string) => (await getJson<ImportState>(api, `/api/imports/${id}`)).body;

export type Progress = {
  firstProgressMs: number | null;
  finishedMs: number;
  final: ImportState;
  polls: number;
  slowestPollMs: number;
};

/**
 * Polls the import every `everyMs` until it completes or fails, noting when it was first seen
 * taken up (status processing, or rows counted) measured from `since`, and the slowest poll:
 * a status request that waits on the consumer is a finding in itself. Until the first progress
 * it polls every 10 ms, since a small import can start and finish within one 100 ms gap.
 */
export async function waitForImport(
  api: Api,
  id: string,
  since: number,
  options: { everyMs: number; timeoutMs: number; onPoll?: (state: ImportState) => void },
): Promise<Progress> {
  let firstProgressMs: number | null = null;
  let polls = 0;
  let slowestPollMs = 0;
  const deadline = since + options.timeoutMs;
  for (;;) {
    const asked = performance.now();
    const state = await getImport(api, id);
    const now = performance.now();
    slowestPollMs = Math.max(slowestPollMs, now - asked);
    polls++;
    options.onPoll?.(state);
    const takenUp =
      state.status === "processing" ||
      state.status === "completed" ||
      state.status === "failed" ||
      state.processed_rows > 0;
    if (firstProgressMs === null && takenUp) firstProgressMs = now - since;
    if (state.status === "completed" || state.status === "failed")
      return { firstProgressMs, finishedMs: now - since, final: state, polls, slowestPollMs };
    if (now > deadline)
      throw new Error(
        `Import ${id} was still ${state.status} after ${options.timeoutMs / 1000} s (${state.processed_rows} rows done).`,
      );
    await sleep(firstProgressMs === null ? 10 : options.everyMs);
  }
}

export type Latency = { path: string; calls: number; medianMs: number; maxMs: number; bytes: number };

/** Times `calls` sequential GETs after one untimed warm-up; the median is the figure to read. */
export async function timeGet(api: Api, path: string, calls: number): Promise<Latency> {
  await getJson<unknown>(api, path);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}${path}`, { headers: { Authorization: `Bearer ${api.token}` } });
    const text = await response.text();
    times.push(performance.now() - started);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    bytes = text.length;
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? (times[mid] ?? 0) : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
  return { path, calls, medianMs: median, maxMs: times.at(-1) ?? 0, bytes };
}
