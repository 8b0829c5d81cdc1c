const encoder = new TextEncoder();
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * A cell's text as one CSV field (RFC 4180, comma): quoted when it holds a comma or a quote.
 * Line breaks inside a cell become spaces, so that every sheet row is one line of the CSV and
 * the CSV's line numbers stay the sheet's row numbers; no field of a user needs one.
 */
export function csvField(text: string): string {
  let value = text;
  if (/[\r\n]/.test(value)) value = value.replace(/\r\n|[\r\n]/g, " ");
  if (value.indexOf('"') !== -1) return `"${value.replace(/"/g, '""')}"`;
  if (value.indexOf(",") !== -1) return `"${value}"`;
  return value;
}

/** A growable byte buffer: CSV text is written into it and handed on in pieces. */
class Bytes {
  buf = new Uint8Array(256 * 1024);
  length = 0;

  reserve(more: number): void {
    if (this.length + more <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + more) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  text(s: string): void {
    // UTF-8 takes at most three bytes per UTF-16 unit.
    this.reserve(s.length * 3);
    this.length += encoder.encodeInto(s, this.buf.subarray(this.length)).written;
  }
}

/**
 * A workbook's shared strings, held as their CSV fields' UTF-8 bytes in large pages rather than
 * as a million JavaScript strings: about the size of the text itself, plus eight bytes a string,
 * whatever the count.
 */
export class SharedStrings {
  private static readonly pageBytes = 4 * 1024 * 1024;
  private readonly pages: Uint8Array[] = [];
  private page = new Uint8Array(0);
  private pageStart = 0;
  private used = 0;
  /** Where each string starts, counted over all pages as if they were one run of bytes. */
  private starts = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  count = 0;

  add(text: string): void {
    const field = encoder.encode(csvField(text));
    if (this.used + field.length > this.page.length) {
      this.pageStart += this.page.length;
      this.page = new Uint8Array(Math.max(SharedStrings.pageBytes, field.length));
      this.pages.push(this.page);
      this.pageStarts.push(this.pageStart);
      this.used = 0;
    }
    this.page.set(field, this.used);
    if (this.count === this.starts.length) {
      const starts = new Uint32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const lengths = new Uint32Array(this.lengths.length * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    this.starts[this.count] = this.pageStart + this.used;
    this.lengths[this.count] = field.length;
    this.count++;
    this.used += field.length;
  }

  private readonly pageStarts: number[] = [];

  /** The CSV field of string `index`, or null when the workbook has no such string. */
  field(index: number): Uint8Array | null {
    if (!(index >= 0 && index < this.count)) return null;
    const start = this.starts[index] ?? 0;
    // Pages are looked up by binary search: there are a few dozen at most.
    let lo = 0;
    let hi = this.pageStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.pageStarts[mid] ?? 0) <= start) lo = mid;
      else hi = mid - 1;
    }
    const page = this.pages[lo];
    const at = start - (this.pageStarts[lo] ?? 0);
    return page ? page.subarray(at, at + (this.lengths[index] ?? 0)) : null;
  }

  /** Bytes held, for measuring. */
  get heldBytes(): number {
    return this.pages.reduce((n, p) => n + p.length, 0) + this.starts.byteLength + this.lengths.byteLength;
  }
}

/** A cell's value: its text, or the index of a shared string. */
type Cell = string | number;

/**
 * Turns a sheet's rows into CSV text, one line per sheet row: row N of the sheet is line N of
 * the CSV, with empty lines for empty and left-out rows, so the reader's line numbers are the
 * row numbers the spreadsheet shows. Empty rows after the last value are never written (a sheet
 * may declare a million of them). Cells right of the header's last column, under no column
 * name, are left out.
 */
export class SheetCsv {
  private readonly out = new Bytes();
  private row: Cell[] = [];
  private written = 0;
  private width: number | null = null;

  constructor(private readonly shared: SharedStrings | null) {}

  /** The row being read has `value` in column `column` (0-based). */
  set(column: number, value: Cell): void {
    if (value === "") return;
    while (this.row.length < column) this.row.push("");
    this.row[column] = value;
  }

  /** The row being read is row `rowNumber` (1-based) and has ended. */
  endRow(rowNumber: number): void {
    const row = this.row;
    this.row = [];
    let used = row.length;
    while (used > 0 && this.isEmpty(row[used - 1])) used--;
    if (used === 0) return;
    if (this.width === null) this.width = used;
    used = Math.min(used, this.width);
    const line = Math.max(rowNumber, this.written + 1);
    for (let n = this.written + 1; n < line; n++) this.out.byte(NEWLINE);
    for (let i = 0; i < used; i++) {
      if (i > 0) this.out.byte(COMMA);
      const cell = row[i];
      if (typeof cell === "number") {
        const field = this.shared?.field(cell);
        if (field) {
          this.out.reserve(field.length);
          this.out.buf.set(field, this.out.length);
          this.out.length += field.length;
        }
      } else if (cell !== undefined && cell !== "") {
        this.out.text(csvField(cell));
      }
    }
    this.out.byte(NEWLINE);
    this.written = line;
  }

  private isEmpty(cell: Cell | undefined): boolean {
    if (cell === undefined || cell === "") return true;
    if (typeof cell === "number") return (this.shared?.field(cell)?.length ?? 0) === 0;
    return false;
  }

  /** The CSV bytes written so far, when there are at least `min`; they are handed over. */
  take(min = 1): Uint8Array | null {
    if (this.out.length < min || this.out.length === 0) return null;
    const bytes = this.out.buf.slice(0, this.out.length);
    this.out.length = 0;
    return bytes;
  }

  /** The sheet row of the last line written: 0 when the sheet had no values. */
  get lastRow(): number {
    return this.written;
  }
}
