import { setTimeout as sleep } from "node:timers/promises";

/*
 * Roster's own V8 heap, read through wrangler dev's inspector (the Chrome DevTools protocol):
 * the runtime process also holds Miniflare's D1, R2 and Queues, so its RSS alone cannot say
 * what Roster's code keeps.
 */

export type HeapUsage = { usedBytes: number; totalBytes: number };

type Message = { method?: string; params?: { chunk?: string }; result?: { usedSize?: number; totalSize?: number } };

/** A DevTools session on the Worker's isolate. The inspector proxy accepts DevTools' origin only. */
function openSession(inspectorPort: number): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, {
    headers: { Origin: "https://devtools.devprod.cloudflare.dev" },
  } as unknown as string[]);
}

/**
 * The isolate's heap as it stands (garbage included), or null when the inspector does not answer
 * in time. With `collectFirst` it asks V8 to collect garbage before reading: a diagnostic, to see
 * how much of the runtime's memory is Roster's garbage not yet collected.
 */
export async function readIsolateHeap(inspectorPort: number, collectFirst = false): Promise<HeapUsage | null> {
  const ws = openSession(inspectorPort);
  try {
    return await new Promise<HeapUsage | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 5_000);
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        resolve(null);
      });
      ws.addEventListener("message", (event: MessageEvent) => {
        const usage = (JSON.parse(String(event.data)) as Message).result;
        if (usage?.usedSize === undefined || usage.totalSize === undefined) return;
        clearTimeout(timer);
        resolve({ usedBytes: usage.usedSize, totalBytes: usage.totalSize });
      });
      ws.addEventListener("open", () => {
        if (collectFirst) ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
        ws.send(JSON.stringify({ id: 2, method: "Runtime.getHeapUsage" }));
      });
    });
  } finally {
    ws.close();
  }
}

/**
 * What the isolate really keeps: a heap snapshot (which first collects all garbage), summed over
 * its objects. A plain reading after a requested collection can still count memory not yet swept.
 */
export async function measureRetainedHeap(inspectorPort: number): Promise<number | null> {
  const ws = openSession(inspectorPort);
  const chunks: string[] = [];
  try {
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
      ws.addEventListener("message", (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as Message;
        if (message.method === "HeapProfiler.addHeapSnapshotChunk" && message.params?.chunk)
          chunks.push(message.params.chunk);
        else if (message.result !== undefined && chunks.length > 0) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      ws.addEventListener("open", () =>
        ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.takeHeapSnapshot", params: { reportProgress: false } })),
      );
    });
    if (!done) return null;
  } finally {
    ws.close();
  }
  const snapshot = JSON.parse(chunks.join("")) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf("self_size");
  let total = 0;
  for (let i = selfSize; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i] ?? 0;
  return total;
}

/** Reads the isolate's heap every `everyMs` until stopped; keeps the largest reading. */
export function isolateHeapSampler(
  inspectorPort: number,
  options: { everyMs?: number; collectGarbage?: boolean } = {},
) {
  const { everyMs = 500, collectGarbage = false } = options;
  let running = true;
  let samples = 0;
  const max: HeapUsage = { usedBytes: 0, totalBytes: 0 };
  const loop = (async () => {
    while (running) {
      const heap = await readIsolateHeap(inspectorPort, collectGarbage);
      if (heap) {
        samples++;
        max.usedBytes = Math.max(max.usedBytes, heap.usedBytes);
        max.totalBytes = Math.max(max.totalBytes, heap.totalBytes);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<HeapUsage & { samples: number }> {
      running = false;
      await loop;
      return { ...max, samples };
    },
  };
}
