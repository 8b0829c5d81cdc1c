import type { Encoding } from "./types";

const LF = 0x0a;
const CR = 0x0d;

/** The size of an encoding's code unit, and where a two-byte unit keeps its low byte. */
export function unitOf(encoding: Encoding): { size: 1 | 2; lowOffset: 0 | 1 } {
  if (encoding === "utf-16le") return { size: 2, lowOffset: 0 };
  if (encoding === "utf-16be") return { size: 2, lowOffset: 1 };
  return { size: 1, lowOffset: 0 };
}

/**
 * Where the file's line breaks sit in its bytes, found as the bytes stream by. A record ends at a
 * break, and breaks are ASCII, which no decoder takes into another character (nor into the U+FFFD
 * it puts for invalid bytes), so the byte offset after a record is just past the n-th break, n the
 * breaks its text and the records before it held. A CRLF is one break.
 */
export class LineBreaks {
  private readonly size: 1 | 2;
  private readonly low: 0 | 1;
  /** Start and end offsets of the breaks from number `first` (1-based) on. */
  private starts: number[] = [];
  private ends: number[] = [];
  private first = 1;
  /** Bytes read so far; a CR at the end waits for the next byte, and so does half a unit. */
  private length = 0;
  private pendingCR = -1;
  private oddByte = -1;

  constructor(encoding: Encoding) {
    const unit = unitOf(encoding);
    this.size = unit.size;
    this.low = unit.lowOffset;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.length;
  }

  /** Reads the next bytes of the file; with `final`, the file ends after them. */
  push(piece: Uint8Array, final: boolean): void {
    const base = this.length;
    this.length += piece.length;
    if (this.size === 1) this.scanBytes(piece, base);
    else this.scanUnits(piece, base);
    if (final && this.pendingCR !== -1) {
      this.add(this.pendingCR, this.pendingCR + this.size);
      this.pendingCR = -1;
    }
  }

  private add(start: number, end: number): void {
    this.starts.push(start);
    this.ends.push(end);
  }

  private scanBytes(piece: Uint8Array, base: number): void {
    let at = 0;
    if (this.pendingCR !== -1) {
      if (piece.length === 0) return;
      if (piece[0] === LF) {
        this.add(this.pendingCR, base + 1);
        at = 1;
      } else this.add(this.pendingCR, base);
      this.pendingCR = -1;
    }
    let lf = piece.indexOf(LF, at);
    let cr = piece.indexOf(CR, at);
    while (lf !== -1 || cr !== -1) {
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        this.add(base + lf, base + lf + 1);
        lf = piece.indexOf(LF, lf + 1);
        continue;
      }
      if (cr + 1 === piece.length) {
        this.pendingCR = base + cr;
        return;
      }
      if (lf === cr + 1) {
        this.add(base + cr, base + cr + 2);
        lf = piece.indexOf(LF, lf + 1);
      } else this.add(base + cr, base + cr + 1);
      cr = piece.indexOf(CR, cr + 1);
    }
  }

  private scanUnits(piece: Uint8Array, base: number): void {
    let at = 0;
    const unit = (i: number): number => {
      // i = -1 is the odd byte the last piece ended with, completed by this piece's first.
      const a = i === -1 ? this.oddByte : (piece[i] ?? 0);
      const b = piece[i + 1] ?? 0;
      return this.low === 0 ? a | (b << 8) : (a << 8) | b;
    };
    const found = (code: number, start: number): void => {
      if (this.pendingCR !== -1) {
        if (code === LF) {
          this.add(this.pendingCR, start + 2);
          this.pendingCR = -1;
          return;
        }
        this.add(this.pendingCR, start);
        this.pendingCR = -1;
      }
      if (code === LF) this.add(start, start + 2);
      else if (code === CR) this.pendingCR = start;
    };
    if (this.oddByte !== -1) {
      if (piece.length === 0) return;
      found(unit(-1), base - 1);
      this.oddByte = -1;
      at = 1;
    }
    for (; at + 2 <= piece.length; at += 2) found(unit(at), base + at);
    if (at < piece.length) this.oddByte = piece[at] ?? 0;
  }

  /** Breaks found so far. */
  get found(): number {
    return this.first - 1 + this.starts.length;
  }

  private index(n: number): number {
    const i = n - this.first;
    if (i < 0 || i >= this.starts.length) {
      throw new Error(`Line break ${n} is not among the ${this.found} found in the bytes read, from ${this.first}.`);
    }
    return i;
  }

  /** Where the n-th break (1-based) starts. */
  startOf(n: number): number {
    return this.starts[this.index(n)] ?? 0;
  }

  /** Just past the n-th break (1-based). */
  endOf(n: number): number {
    return this.ends[this.index(n)] ?? 0;
  }

  /** Forgets the breaks before the n-th. */
  dropBefore(n: number): void {
    const drop = Math.min(n - this.first, this.starts.length);
    if (drop <= 0) return;
    this.starts = this.starts.slice(drop);
    this.ends = this.ends.slice(drop);
    this.first += drop;
  }
}
