export { cleanValue } from "./clean-value";
export { FileRefused, type RefusalCode } from "./file-refused";
export { parseChunk, readChunk, toFileRecords } from "./read-chunk";
export { UploadScanner } from "./scan-file";
export type { ChunkPlan, Delimiter, Encoding, FileFormat, FileRecord, ScanResult } from "./types";
