/**
 * Lets the runtime read the requests waiting on its sockets. `wrangler dev` runs Roster, D1, R2
 * and the queue in one workerd thread, whose event loop reads its sockets only when no event is
 * ready; a consumer that only awaits D1 and R2 always has one ready, so a report page or a status
 * poll would wait for the whole delivery (BENCHMARKS.md, "the local runtime"). A timer lets the
 * loop look. Deployed, it costs one turn of the event loop.
 */
export const yieldToRequests = (): Promise<void> => scheduler.wait(0);
