/**
 * Lets the runtime read the requests waiting on its sockets. `wrangler dev` runs Roster, D1, R2
 * and the queue in one workerd thread, whose event loop reads its sockets only when no event is
 * ready; a consumer that only awaits D1 and R2 always has one ready, so a report page or a status
 * poll would wait for the whole delivery (BENCHMARKS.md, "the local runtime"). A timer lets the
 * loop look. Deployed, it costs one turn of the event loop.
 */
export const yieldToRequests = (): Promise<void> => scheduler.wait(0);

/** When this isolate last began answering a request: src/index.ts notes each one. */
let lastRequestAt = -Infinity;

export function noteRequest(now = Date.now()): void {
  lastRequestAt = now;
}

/** A request this recent means someone is using the pages while the import runs. */
const watchedForMs = 1_000;
/** Measured with 20 clients on the pages during a million-line import (BENCHMARKS.md). */
const pauseWhileWatchedMs = 10;

/**
 * A yield between two chunks (or pages of users) of a long job, which also pauses briefly while
 * requests are coming in. A request read at a yield still makes several calls to D1 and R2, and
 * each waits behind the job's next stretch of work: locally that is a chunk's write batch, about
 * 0.2 s at 8,000 rows. The pause lets the requests in flight finish those calls first. It costs a
 * million-line import about 1.3 s, and only while someone is asking for pages; a job nobody
 * is watching runs at full speed.
 */
export const yieldBetweenChunks = (): Promise<void> => scheduler.wait(pauseBetweenChunksMs(Date.now()));

/** How long yieldBetweenChunks waits at `now`: the pause while requests came in within the last second, else none. */
export const pauseBetweenChunksMs = (now: number): number =>
  now - lastRequestAt < watchedForMs ? pauseWhileWatchedMs : 0;
