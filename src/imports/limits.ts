/**
 * How a file is cut into chunks: each is one D1 batch (all or nothing), so fewer, larger
 * chunks mean fewer round trips; 4,000 rows keep a batch far below D1's 30 s, and the
 * byte bound keeps its JSON values to a few statements within D1's 2 MB per value.
 */
export const chunkRows = 4_000;
export const chunkBytes = 512 * 1024;

/** Records shown on the preview page. */
export const previewRows = 5;

/**
 * How long one queue delivery keeps applying chunks before it hands over to a fresh message.
 * Short, because locally Miniflare's D1 answers other requests (a report page, a status poll)
 * only between deliveries; a hand-over costs well under a tenth of a second.
 */
export const deliveryBudgetMs = 3_000;

/** An import with no progress for this long is restarted by the sweep. */
export const staleAfterMs = 2 * 60_000;
