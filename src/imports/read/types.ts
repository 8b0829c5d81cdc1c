import type { ColumnMapping } from "../../db/schema";
import type { RowValues } from "../template";
import type { ChunkRepeats } from "./find-repeats";

export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
export type Delimiter = "," | ";" | "\t";

/** Everything needed to read any chunk of the stored file later, without re-reading the head. */
export type FileFormat = {
  encoding: Encoding;
  delimiter: Delimiter;
  /** Physical line of the header row: 1, or later after an Excel `sep=;` line or leading blank lines. */
  headerLine: number;
  /** One per header cell, in file order; field null = ignored. */
  columns: ColumnMapping[];
  /** Headers of ignored columns as written. */
  ignoredColumns: string[];
};

/** A byte range of the original file holding whole records, and where it starts. */
export type ChunkPlan = { byteStart: number; byteEnd: number; firstLine: number; rowCount: number };

export type FileRecord = {
  /** Physical line where the record starts, counted as a text editor shows. */
  line: number;
  /** By template field, cleaned; a column the file lacks is "". */
  values: RowValues;
  /** Set when the record does not fit: a sentence for people. */
  malformed?: string;
};

export type ScanResult = {
  format: FileFormat;
  totalRows: number;
  /** The records' employee keys as 64-bit hashes, sorted: what a sync's guardrail checks users against. */
  employeeKeyHashes: BigUint64Array;
  chunks: (ChunkPlan & ChunkRepeats)[];
  /** The first records, cleaned values in file column order. */
  preview: { line: number; values: string[] }[];
};

export type ScanOptions = { chunkRows: number; chunkBytes: number; previewRows: number; maxRecordBytes?: number };
