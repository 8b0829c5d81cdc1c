import type { ChunkPlan } from "./types";

/** FNV-1a over the key's UTF-16 code units; never 0, which stands for "no key", and 0 for "". */
export function hashKey(key: string): number {
  if (key === "") return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/** One step of MurmurHash3's 32-bit mixing, over a code unit instead of four bytes. */
function murmurStep(h: number, unit: number): number {
  let k = Math.imul(unit, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finish: spreads every bit of the state over the result. */
function murmurEnd(h: number, length: number): number {
  h ^= length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const murmurSeed = 0x9747b28c;

/**
 * A second 32-bit hash of a key, made unlike hashKey's, so that the two together are a 64-bit
 * hash: a sync's guardrail tells the file's employee keys by it (see employeeKeyHash).
 */
export function hashKey2(key: string): number {
  let h = murmurSeed;
  for (let i = 0; i < key.length; i++) h = murmurStep(h, key.charCodeAt(i));
  return murmurEnd(h, key.length);
}

/** The 64-bit hash of an employee key: hashKey's 32 bits, then hashKey2's; 0n for none. */
export function employeeKeyHash(key: string): bigint {
  if (key === "") return 0n;
  return (BigInt(hashKey(key)) << 32n) | BigInt(hashKey2(key));
}

/** A growable column of 32-bit hashes, one per record. */
class HashColumn {
  private hashes = new Uint32Array(1 << 14);
  length = 0;

  push(hash: number): void {
    if (this.length === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.length++] = hash;
  }

  values(): Uint32Array {
    return this.hashes.subarray(0, this.length);
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
  private readonly employees2 = new HashColumn();

  /** The next record's keys as hashKey made them (0 for none), and its employee key by hashKey2. */
  pushHashes(employeeHash: number, emailHash: number, employeeHash2: number): void {
    this.employees.push(employeeHash);
    this.emails.push(emailHash);
    this.employees2.push(employeeHash2);
  }

  /** The 64-bit hashes of the file's employee keys (employeeKeyHash), sorted, without empty ones. */
  employeeKeyHashes(): BigUint64Array {
    const first = this.employees.values();
    const second = this.employees2.values();
    const out = new BigUint64Array(first.filter((h) => h !== 0).length);
    let n = 0;
    for (let i = 0; i < first.length; i++) {
      const h = first[i] ?? 0;
      if (h !== 0) out[n++] = (BigInt(h) << 32n) | BigInt(second[i] ?? 0);
    }
    return out.sort();
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
