import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/*
 * Every other isolate in the runtime process, read through workerd's own inspector: Miniflare
 * runs its local D1, R2 and Queues as Workers and Durable Objects beside Roster, in the same
 * process, so their heaps are part of that process's RSS. Roster's own isolate is read through
 * wrangler's inspector proxy instead (isolate-heap.ts), which holds its session.
 */

/** The largest heap seen for one isolate: V8 heap plus ArrayBuffer memory, garbage included. */
export type IsolatePeak = { id: string; maxBytes: number };

type Target = { id: string; webSocketDebuggerUrl: string };
type Reply = { id?: number; result?: { totalSize?: number; backingStorageSize?: number } };

/** TCP ports a process listens on: its socket inodes matched against the kernel's table. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // Closed between listing and reading.
    }
  }
  const ports: number[] = [];
  for (const row of readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1)) {
    const cols = row.trim().split(/\s+/);
    // Column 3 is the state (0A: listening), column 9 the inode; the local address ends in :port (hex).
    if (cols[3] === "0A" && cols[9] && inodes.has(cols[9]))
      ports.push(Number.parseInt(cols[1]?.split(":")[1] ?? "", 16));
  }
  return ports;
}

/** The runtime's inspector targets, or [] when none of its ports answers like an inspector. */
async function findTargets(pid: number): Promise<Target[]> {
  for (const port of listeningPorts(pid)) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1_000) });
      const list = (await response.json()) as Target[];
      if (Array.isArray(list) && list.every((t) => typeof t.webSocketDebuggerUrl === "string")) return list;
    } catch {
      // Not the inspector (the Worker itself, or a control port).
    }
  }
  return [];
}

/** A DevTools session on one isolate that answers heap readings by request id. */
function openSession(target: Target) {
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  const waiting = new Map<number, (reply: Reply["result"] | null) => void>();
  let next = 1;
  ws.addEventListener("message", (event: MessageEvent) => {
    const reply = JSON.parse(String(event.data)) as Reply;
    if (reply.id === undefined) return;
    waiting.get(reply.id)?.(reply.result ?? null);
    waiting.delete(reply.id);
  });
  const opened = new Promise<boolean>((resolve) => {
    ws.addEventListener("open", () => resolve(true));
    ws.addEventListener("error", () => resolve(false));
  });
  return {
    id: target.id,
    opened,
    /** The heap in bytes, or null if the isolate did not answer within `timeoutMs` (it was busy). */
    async heapBytes(timeoutMs: number): Promise<number | null> {
      const id = next++;
      const reply = await new Promise<Reply["result"] | null>((resolve) => {
        waiting.set(id, resolve);
        setTimeout(() => resolve(null), timeoutMs);
        ws.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
      });
      waiting.delete(id);
      return reply?.totalSize === undefined ? null : reply.totalSize + (reply.backingStorageSize ?? 0);
    },
    close: () => ws.close(),
  };
}

/**
 * Reads every isolate of the runtime process `pid` except those `skip` names, every `everyMs`,
 * until stopped. Returns each isolate's largest heap, and the largest sum over one reading.
 */
export async function runtimeIsolatesSampler(pid: number, skip: (id: string) => boolean, everyMs = 500) {
  const sessions = (await findTargets(pid)).filter((t) => !skip(t.id)).map(openSession);
  const usable = (await Promise.all(sessions.map(async (s) => ((await s.opened) ? s : null)))).filter(
    (s) => s !== null,
  );
  const peaks = new Map<string, number>();
  const last = new Map<string, number>();
  let maxSum = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        usable.map(async (s) => {
          const bytes = await s.heapBytes(everyMs * 4);
          if (bytes === null) return;
          last.set(s.id, bytes);
          peaks.set(s.id, Math.max(peaks.get(s.id) ?? 0, bytes));
        }),
      );
      // An isolate busy at this reading counts with its last answer.
      maxSum = Math.max(
        maxSum,
        [...last.values()].reduce((a, b) => a + b, 0),
      );
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<{ isolates: IsolatePeak[]; maxSumBytes: number }> {
      running = false;
      await loop;
      for (const s of usable) s.close();
      const isolates = [...peaks].map(([id, maxBytes]) => ({ id, maxBytes })).sort((a, b) => b.maxBytes - a.maxBytes);
      return { isolates, maxSumBytes: maxSum };
    },
  };
}

/** Of wrangler dev's workerd processes, the one that runs the Worker: it is started with an inspector address. */
export function runtimePid(workerdPids: number[]): number | null {
  for (const pid of workerdPids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr")) return pid;
    } catch {
      // Gone.
    }
  }
  return null;
}
