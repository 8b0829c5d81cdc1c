import type { ChunkPlan } from "./types";

/** FNV-1a over the key's UTF-16 code units; never 0, which stands for "no key". */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/** A growable column of 32-bit hashes, one per record. */
class HashColumn {
  private hashes = new Uint32Array(1 << 14);
  length = 0;

  push(key: string): void {
    if (this.length === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.length++] = key === "" ? 0 : hashKey(key);
  }

  /** Positions of the records whose hash more than one record has, in order. */
  repeated(): Set<number> {
    const hashes = this.hashes.subarray(0, this.length);
    const sorted = hashes.slice().sort();
    const shared = new Set<number>();
    for (let i = 1; i < sorted.length; i++) {
      const h = sorted[i] ?? 0;
      if (h !== 0 && h === sorted[i - 1]) shared.add(h);
    }
    const positions = new Set<number>();
    if (shared.size === 0) return positions;
    for (let i = 0; i < hashes.length; i++) if (shared.has(hashes[i] ?? 0)) positions.add(i);
    return positions;
  }
}

/** Which records of each chunk may repeat an earlier line's key, by position in the chunk. */
export type ChunkRepeats = { employeeRepeats: number[]; emailRepeats: number[] };

/**
 * Finds, in one pass and a few bytes per record, the records whose employee number or email
 * another record of the file may share: the keys are hashed, and a hash seen twice marks every
 * record that has it. A collision of two different keys only marks more records than needed
 * (the import compares the keys themselves); a key marked by no record is in the file once,
 * so no earlier line can hold it.
 */
export class RepeatFinder {
  private readonly employees = new HashColumn();
  private readonly emails = new HashColumn();

  /** The next record's keys, "" where it has none. */
  push(employeeKey: string, emailKey: string): void {
    this.employees.push(employeeKey);
    this.emails.push(emailKey);
  }

  get records(): number {
    return this.employees.length;
  }

  /** Splits the marked records by chunk; the chunks cover the records in order. */
  byChunk(chunks: readonly ChunkPlan[]): ChunkRepeats[] {
    const employees = this.employees.repeated();
    const emails = this.emails.repeated();
    let first = 0;
    return chunks.map((chunk) => {
      const repeats: ChunkRepeats = { employeeRepeats: [], emailRepeats: [] };
      for (let i = 0; i < chunk.rowCount; i++) {
        if (employees.has(first + i)) repeats.employeeRepeats.push(i);
        if (emails.has(first + i)) repeats.emailRepeats.push(i);
      }
      first += chunk.rowCount;
      return repeats;
    });
  }
}
