// How long the reader takes over a large CSV, in process: the upload's scan (pushed 64 KB pieces,
// as an upload streams them) and then every planned chunk read back, as the import reads them.
//
// Usage: node --experimental-transform-types --import ./scripts/lib/resolve-ts.ts bench/read-speed.ts <file.csv> [runs]
//   (the project's Node 24, node_modules/.bin/node; the reader's classes need more than type stripping)
//   → one JSON line per run on stdout: scan and chunk-read times in milliseconds.
import { readFileSync } from "node:fs";
import { readChunk, UploadScanner } from "../src/imports/read/index";
import { chunkBytes, chunkRows, previewRows } from "../src/imports/limits";

const [file, runsArg = "3"] = process.argv.slice(2);
if (file === undefined) {
  console.error(
    "Usage: node --experimental-transform-types --import ./scripts/lib/resolve-ts.ts bench/read-speed.ts <file.csv> [runs]",
  );
  process.exit(2);
}

const bytes = new Uint8Array(readFileSync(file));
const pieceSize = 64 * 1024;

async function readOnce(): Promise<{ scanMs: number; chunksMs: number; rows: number; chunks: number }> {
  const started = performance.now();
  const scanner = new UploadScanner({ chunkRows, chunkBytes, previewRows });
  for (let at = 0; at < bytes.length; at += pieceSize) scanner.push(bytes.subarray(at, at + pieceSize));
  const scan = await scanner.end(async () => new Blob([bytes]).stream());
  const scanned = performance.now();
  let rows = 0;
  for (const chunk of scan.chunks) {
    rows += readChunk(bytes.subarray(chunk.byteStart, chunk.byteEnd), scan.format, chunk.firstLine).length;
  }
  const read = performance.now();
  if (rows !== scan.totalRows) throw new Error(`read ${rows} rows where the scan counted ${scan.totalRows}`);
  return {
    scanMs: Math.round(scanned - started),
    chunksMs: Math.round(read - scanned),
    rows,
    chunks: scan.chunks.length,
  };
}

for (let run = 0; run < Number(runsArg); run++) {
  const result = await readOnce();
  console.log(JSON.stringify({ run, ...result, totalMs: result.scanMs + result.chunksMs }));
}
