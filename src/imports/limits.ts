/**
 * How a file is cut into chunks: each is one D1 batch (all or nothing), so fewer, larger
 * chunks mean fewer round trips (8,000 rows import a million 8% faster than 4,000 here).
 * A batch of 8,000 rows takes about 0.1 s locally, far below D1's 30 s; the byte bound keeps
 * a chunk's JSON values to a few statements within D1's 2 MB per value, and what a chunk
 * holds in memory (its bytes, records and JSON: some MB) small next to a Worker's 128 MB.
 */
export const chunkRows = 8_000;
export const chunkBytes = 1024 * 1024;

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

/**
 * A workbook's parts together may inflate to this much. A million-row sheet's XML is about
 * 250 MB; four times that is still read in the one upload request's CPU allowance.
 */
export const maxWorkbookInflatedBytes = 1024 * 1024 * 1024;

/**
 * A part inflating to more than this many times its compressed size is a zip bomb, not a
 * spreadsheet: a sheet of users compresses 5 to 20 times, and deflate's limit is about 1,000.
 */
export const maxWorkbookRatio = 100;

/** Below this a part is not held to the ratio: a small part of repeated markup may compress far. */
export const workbookRatioFloorBytes = 8 * 1024 * 1024;

/**
 * Candidates a sync's final step decides per batch: the ones to deactivate go in one D1 batch,
 * as one JSON parameter, so a page of leavers stays far below D1's 2 MB per value.
 */
export const syncPageUsers = 5_000;
