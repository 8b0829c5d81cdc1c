import { setTimeout as sleep } from "node:timers/promises";

/*
 * Roster's own V8 heap, read through wrangler dev's inspector (the Chrome DevTools protocol):
 * the runtime process also holds Miniflare's D1, R2 and Queues, so its RSS alone cannot say
 * what Roster's code keeps.
 */

/** The heap as found (garbage included), and what is still live after a full collection. */
export type HeapReading = { totalBytes: number; usedBytes: number; liveBytes: number };

type Reply = { result?: { usedSize?: number; totalSize?: number } };

/** One reading of the Worker isolate's heap, or null when the inspector does not answer in time. */
export async function readIsolateHeap(inspectorPort: number): Promise<HeapReading | null> {
  // The inspector proxy accepts DevTools' origin only.
  const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, {
    headers: { Origin: "https://devtools.devprod.cloudflare.dev" },
  } as unknown as string[]);
  try {
    return await new Promise<HeapReading | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 10_000);
      let before: { usedSize: number; totalSize: number } | null = null;
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        resolve(null);
      });
      // The inspector proxy renumbers requests, so replies are told apart by their order: the
      // protocol answers one session's commands in the order they were sent.
      ws.addEventListener("message", (event: MessageEvent) => {
        const reply = JSON.parse(String(event.data)) as Reply;
        const usage = reply.result;
        if (usage?.usedSize === undefined || usage.totalSize === undefined) return;
        if (before === null) {
          before = { usedSize: usage.usedSize, totalSize: usage.totalSize };
          ws.send(JSON.stringify({ id: 2, method: "HeapProfiler.collectGarbage" }));
          ws.send(JSON.stringify({ id: 3, method: "Runtime.getHeapUsage" }));
          return;
        }
        clearTimeout(timer);
        resolve({ totalBytes: before.totalSize, usedBytes: before.usedSize, liveBytes: usage.usedSize });
      });
      ws.addEventListener("open", () => ws.send(JSON.stringify({ id: 1, method: "Runtime.getHeapUsage" })));
    });
  } finally {
    ws.close();
  }
}

/** Reads the isolate's heap every `everyMs` until stopped; keeps the largest of each figure. */
export function isolateHeapSampler(inspectorPort: number, everyMs = 1_000) {
  let running = true;
  let samples = 0;
  const max: HeapReading = { totalBytes: 0, usedBytes: 0, liveBytes: 0 };
  const loop = (async () => {
    while (running) {
      const heap = await readIsolateHeap(inspectorPort);
      if (heap) {
        samples++;
        max.totalBytes = Math.max(max.totalBytes, heap.totalBytes);
        max.usedBytes = Math.max(max.usedBytes, heap.usedBytes);
        max.liveBytes = Math.max(max.liveBytes, heap.liveBytes);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<HeapReading & { samples: number }> {
      running = false;
      await loop;
      return { ...max, samples };
    },
  };
}
