/**
 * The ids of the users a chunk's lines name, kept with the chunk's outcomes: sorted, each as its
 * distance from the one before in variable-length bytes (7 bits a byte), in base64. Users named
 * by a file are mostly close together in id, so an id takes a byte or two.
 */
export function encodeUserIds(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const bytes: number[] = [];
  let previous = 0;
  for (const id of sorted) {
    let gap = id - previous;
    previous = id;
    while (gap >= 0x80) {
      bytes.push((gap & 0x7f) | 0x80);
      gap = Math.floor(gap / 0x80);
    }
    bytes.push(gap);
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x4000) binary += String.fromCharCode(...bytes.slice(i, i + 0x4000));
  return btoa(binary);
}

/** The ids encodeUserIds kept, in order. */
export function decodeUserIds(encoded: string): number[] {
  const binary = atob(encoded);
  const ids: number[] = [];
  let previous = 0;
  let gap = 0;
  let scale = 1;
  for (let i = 0; i < binary.length; i++) {
    const byte = binary.charCodeAt(i);
    gap += (byte & 0x7f) * scale;
    if (byte & 0x80) {
      scale *= 0x80;
      continue;
    }
    previous += gap;
    ids.push(previous);
    gap = 0;
    scale = 1;
  }
  return ids;
}

/** A set of user ids as one bit each: a million users named by a file take 125 KB. */
export class UserIdSet {
  private bits = new Uint8Array(1024);

  add(id: number): void {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte] = (this.bits[byte] ?? 0) | (1 << (id & 7));
  }

  addEncoded(encoded: string): void {
    for (const id of decodeUserIds(encoded)) this.add(id);
  }

  has(id: number): boolean {
    return (((this.bits[id >>> 3] ?? 0) >> (id & 7)) & 1) === 1;
  }
}
