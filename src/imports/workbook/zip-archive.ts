import { Inflate } from "fflate";
import { readStoredRange, type StoredFile } from "../stored-file";
import { formatBytes } from "../../format-bytes";
import { FileRefused } from "../read/file-refused";
import { encryptedRefusal } from "./detect-workbook";
import { maxWorkbookInflatedBytes, maxWorkbookRatio, workbookRatioFloorBytes } from "../limits";

/** One file of a zip archive, as its central directory describes it. */
export type ZipEntry = {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
};

const notReadable = (why: string) =>
  new FileRefused(
    "not_csv",
    `This file could not be read as a workbook: ${why} Open it in your spreadsheet, save it again as .xlsx (or .ods) and upload the new file.`,
  );

export const inflatesTooFar = (name: string) =>
  new FileRefused(
    "workbook_too_large",
    `This workbook's part ${name} inflates past ${formatBytes(maxWorkbookInflatedBytes)}, or ${maxWorkbookRatio} times its compressed size, so it is not read. ` +
      "Keep only the users' sheet in the workbook (or save it as CSV) and upload it again.",
  );

/** How much of the stored workbook one read fetches while an entry streams. */
const readWindowBytes = 1024 * 1024;

async function readRange(bucket: R2Bucket, file: StoredFile, offset: number, length: number): Promise<DataView> {
  const bytes = await readStoredRange(bucket, file, offset, offset + length);
  if (!bytes) throw new Error(`The uploaded workbook ${file.key} is missing from storage.`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const utf8 = new TextDecoder("utf-8");
const cp437 = new TextDecoder("windows-1252");

/**
 * A zip archive stored in R2 as an upload is (see stored-file.ts), read by range: the central directory at its end first, then
 * each entry on its own. Entries are found by the directory rather than by streaming local
 * headers, because a workbook's parts are needed out of order (the shared strings and styles
 * before a sheet that is stored ahead of them) and because a local header may leave its sizes
 * to a trailing descriptor.
 */
export class ZipArchive {
  private inflated = 0;

  private constructor(
    private readonly bucket: R2Bucket,
    private readonly file: StoredFile,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  /** Reads the directory of the stored archive. */
  static async open(bucket: R2Bucket, file: StoredFile): Promise<ZipArchive> {
    const { size } = file;
    const tail = Math.min(size, 22 + 65535);
    const end = await readRange(bucket, file, size - tail, tail);
    let eocd = -1;
    for (let i = end.byteLength - 22; i >= 0; i--) {
      if (end.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd === -1) throw notReadable("its zip directory is missing (the file may be cut short).");
    const count = end.getUint16(eocd + 10, true);
    const dirSize = end.getUint32(eocd + 12, true);
    const dirOffset = end.getUint32(eocd + 16, true);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      throw notReadable("it is a ZIP64 archive, which a workbook of users never needs.");
    }
    if (dirOffset + dirSize > size) throw notReadable("its zip directory points past the end of the file.");
    const dir = await readRange(bucket, file, dirOffset, dirSize);
    const entries = new Map<string, ZipEntry>();
    let at = 0;
    let declared = 0;
    for (let n = 0; n < count; n++) {
      if (at + 46 > dir.byteLength || dir.getUint32(at, true) !== 0x02014b50)
        throw notReadable("its zip directory is damaged.");
      const flags = dir.getUint16(at + 8, true);
      const method = dir.getUint16(at + 10, true);
      const compressedSize = dir.getUint32(at + 20, true);
      const entrySize = dir.getUint32(at + 24, true);
      const nameLength = dir.getUint16(at + 28, true);
      const extraLength = dir.getUint16(at + 30, true);
      const commentLength = dir.getUint16(at + 32, true);
      const localOffset = dir.getUint32(at + 42, true);
      const nameBytes = new Uint8Array(dir.buffer, dir.byteOffset + at + 46, nameLength);
      // Bit 11: the name is UTF-8; otherwise it is in the old DOS code page.
      const name = (flags & 0x800 ? utf8 : cp437).decode(nameBytes);
      if (compressedSize === 0xffffffff || entrySize === 0xffffffff || localOffset === 0xffffffff) {
        throw notReadable("it is a ZIP64 archive, which a workbook of users never needs.");
      }
      declared += entrySize;
      entries.set(name, { name, method, flags, compressedSize, size: entrySize, localOffset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    if (declared > maxWorkbookInflatedBytes * 4) throw inflatesTooFar("(all of them together)");
    return new ZipArchive(bucket, file, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * An entry's inflated bytes, piece by piece as they are read from storage. Stops with a
   * refusal as soon as the entry inflates past the limits, whatever its header says.
   */
  async *inflate(name: string): AsyncGenerator<Uint8Array> {
    const entry = this.entries.get(name);
    if (!entry) throw notReadable(`it has no ${name}.`);
    if (entry.flags & 0x1) throw encryptedRefusal();
    if (entry.method !== 0 && entry.method !== 8)
      throw notReadable(`its part ${name} uses a compression method spreadsheets do not write.`);
    if (
      entry.size > maxWorkbookInflatedBytes ||
      (entry.size > workbookRatioFloorBytes && entry.size > entry.compressedSize * maxWorkbookRatio)
    ) {
      throw inflatesTooFar(name);
    }
    const local = await readRange(this.bucket, this.file, entry.localOffset, 30);
    if (local.getUint32(0, true) !== 0x04034b50) throw notReadable(`its part ${name} is not where the directory says.`);
    const dataOffset = entry.localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (entry.compressedSize === 0) return;
    if (dataOffset + entry.compressedSize > this.file.size)
      throw notReadable(`its part ${name} runs past the end of the file.`);

    let read = 0;
    let produced = 0;
    let out: Uint8Array[] = [];
    const inflater = new Inflate((bytes) => {
      produced += bytes.length;
      this.inflated += bytes.length;
      const ratioPast = produced > workbookRatioFloorBytes && produced > read * maxWorkbookRatio;
      if (produced > entry.size || this.inflated > maxWorkbookInflatedBytes || ratioPast) throw inflatesTooFar(name);
      out.push(bytes);
    });
    const end = dataOffset + entry.compressedSize;
    for (let at = dataOffset; at < end;) {
      const until = Math.min(at + readWindowBytes, end);
      const view = await readRange(this.bucket, this.file, at, until - at);
      at = until;
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      read += bytes.length;
      if (entry.method === 0) {
        produced += bytes.length;
        yield bytes;
        continue;
      }
      try {
        inflater.push(bytes, at === end);
      } catch (err) {
        if (err instanceof FileRefused) throw err;
        throw notReadable(`its part ${name} is damaged (${err instanceof Error ? err.message : String(err)}).`);
      }
      const ready = out;
      out = [];
      for (const piece of ready) yield piece;
    }
    if (produced !== entry.size)
      throw notReadable(`its part ${name} inflates to ${produced} bytes where ${entry.size} were declared.`);
  }

  /** A small entry's text whole (the workbook's list of sheets, its relationships, its manifest). */
  async readText(name: string, maxBytes = 16 * 1024 * 1024): Promise<string> {
    const decoder = new TextDecoder("utf-8");
    let text = "";
    let bytes = 0;
    for await (const piece of this.inflate(name)) {
      bytes += piece.length;
      if (bytes > maxBytes) throw inflatesTooFar(name);
      text += decoder.decode(piece, { stream: true });
    }
    return text + decoder.decode();
  }
}
