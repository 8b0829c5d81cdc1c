import type { Encoding } from "./types";

/** Where one record sits in the file's bytes, and the physical lines it covers. */
export type RecordSpan = {
  /** Absolute byte offsets: the record's text is [start, end); the next record starts at next. */
  start: number;
  end: number;
  next: number;
  line: number;
  lastLine: number;
  /** The line the next record starts on. */
  nextLine: number;
  /** Holds an ASCII character that is surely part of a value, so the record is surely not blank. */
  visible: boolean;
  /** Holds a non-ASCII character, so only a real parse can tell whether the record is blank. */
  exotic: boolean;
};

/** How a code unit sits in the bytes: single bytes, or two bytes with the low one at lowOffset. */
export type UnitLayout = { size: 1 | 2; lowOffset: 0 | 1 };

/** The code unit layout of an encoding. */
export function layoutOf(encoding: Encoding): UnitLayout {
  if (encoding === "utf-16le") return { size: 2, lowOffset: 0 };
  if (encoding === "utf-16be") return { size: 2, lowOffset: 1 };
  return { size: 1, lowOffset: 0 };
}

const TEXT = 0;
const SPACE = 1;
const QUOTE = 2;
const DELIM = 3;
const CR = 4;
const LF = 5;
const HIGH = 6;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3;
const AFTER_QUOTE_SPACE = 4;

/**
 * Classes of the 256 byte values for a set of delimiters. Every structural character is ASCII, and
 * ASCII bytes never occur inside a multibyte UTF-8 sequence, so classifying bytes is enough.
 * SPACE is what papaparse's trim() skips between a closing quote and the delimiter.
 */
export function classifyUnits(delimiters: string): Uint8Array {
  const classes = new Uint8Array(256);
  classes.fill(HIGH, 0x80);
  classes[0x20] = SPACE;
  classes[0x09] = SPACE;
  classes[0x0b] = SPACE;
  classes[0x0c] = SPACE;
  classes[0x22] = QUOTE;
  classes[0x0d] = CR;
  classes[0x0a] = LF;
  for (const d of delimiters) classes[d.charCodeAt(0)] = DELIM;
  return classes;
}

/**
 * Finds record boundaries and physical line numbers with papaparse's quote rules: a quote opens a
 * quoted field only at the start of a field; inside, "" is a quote; a quote closes the field only
 * when followed by optional spaces then a delimiter, a line break or the end; any other quote is
 * literal and the field goes on. CRLF, LF and CR alone each end one line, even mixed in one file.
 *
 * It is fed a growing window of the file and resumes where it stopped, so a stream can be split
 * without holding the whole file.
 */
export class RecordSplitter {
  private state = FIELD_START;
  private pos: number;
  private line: number;
  private recordLine: number;
  private visible = false;
  private exotic = false;
  private finished = false;
  /** Absolute offset where the record being read starts; bytes before it are no longer needed. */
  recordStart: number;

  constructor(
    private readonly classes: Uint8Array,
    private readonly layout: UnitLayout,
    start: number,
    firstLine: number,
    private readonly onRecord: (span: RecordSpan) => void,
  ) {
    this.pos = start;
    this.recordStart = start;
    this.line = firstLine;
    this.recordLine = firstLine;
  }

  /** Bytes read so far into the record that has not ended yet. */
  get pendingBytes(): number {
    return this.pos - this.recordStart;
  }

  /** The line the unfinished record starts on. */
  get pendingLine(): number {
    return this.recordLine;
  }

  /**
   * Reads on through `buf`, which holds the file's bytes from absolute offset `base` and must
   * include everything from recordStart. With `final`, the end of buf is the end of the file.
   */
  scan(buf: Uint8Array, base: number, final: boolean): void {
    if (this.finished) return;
    const classes = this.classes;
    const size = this.layout.size;
    const low = this.layout.lowOffset;
    const high = 1 - low;
    const length = buf.length;
    let i = this.pos - base;
    let state = this.state;
    let line = this.line;
    let visible = this.visible;
    let exotic = this.exotic;

    while (i + size <= length) {
      let cls: number;
      if (size === 1) cls = classes[buf[i] ?? 0] ?? TEXT;
      else cls = buf[i + high] === 0 ? (classes[buf[i + low] ?? 0] ?? TEXT) : HIGH;

      if (cls === CR || cls === LF) {
        let breakLength: number = size;
        if (cls === CR) {
          if (i + 2 * size > length) {
            // A CR at the window's end may be the first half of a CRLF: wait for the next byte.
            if (!final) break;
          } else {
            const nextLow = buf[i + size + low];
            const nextHigh = size === 1 ? 0 : buf[i + size + high];
            if (nextLow === 0x0a && nextHigh === 0) breakLength = 2 * size;
          }
        }
        if (state === QUOTED) {
          line++;
          i += breakLength;
          continue;
        }
        this.onRecord({
          start: this.recordStart,
          end: base + i,
          next: base + i + breakLength,
          line: this.recordLine,
          lastLine: line,
          nextLine: line + 1,
          visible,
          exotic,
        });
        line++;
        i += breakLength;
        this.recordStart = base + i;
        this.recordLine = line;
        visible = false;
        exotic = false;
        state = FIELD_START;
        continue;
      }

      switch (state) {
        case FIELD_START:
          if (cls === QUOTE) state = QUOTED;
          else if (cls !== DELIM) {
            state = UNQUOTED;
            if (cls === TEXT) visible = true;
            else if (cls === HIGH) exotic = true;
          }
          break;
        case UNQUOTED:
          if (cls === DELIM) state = FIELD_START;
          else if (cls === TEXT || cls === QUOTE) visible = true;
          else if (cls === HIGH) exotic = true;
          break;
        case QUOTED:
          if (cls === QUOTE) state = AFTER_QUOTE;
          else if (cls === TEXT || cls === DELIM) visible = true;
          else if (cls === HIGH) exotic = true;
          break;
        case AFTER_QUOTE:
          if (cls === DELIM) state = FIELD_START;
          else if (cls === SPACE) state = AFTER_QUOTE_SPACE;
          else {
            // An escaped "" or a literal quote: either way a quote is part of the value.
            state = QUOTED;
            visible = true;
            if (cls === HIGH) exotic = true;
          }
          break;
        default:
          if (cls === DELIM) state = FIELD_START;
          else if (cls === QUOTE) {
            state = AFTER_QUOTE;
            visible = true;
          } else if (cls !== SPACE) {
            state = QUOTED;
            visible = true;
            if (cls === HIGH) exotic = true;
          }
      }
      i += size;
    }

    this.state = state;
    this.line = line;
    this.visible = visible;
    this.exotic = exotic;
    this.pos = base + i;

    if (final) {
      this.finished = true;
      const end = base + length;
      if (this.recordStart < end) {
        this.onRecord({
          start: this.recordStart,
          end,
          next: end,
          line: this.recordLine,
          lastLine: line,
          nextLine: line,
          visible,
          exotic: exotic || i < length,
        });
        this.recordStart = end;
      }
    }
  }
}

/** Every record span of `bytes` (a whole number of records), lines counted from firstLine. */
export function splitRecords(
  bytes: Uint8Array,
  classes: Uint8Array,
  layout: UnitLayout,
  firstLine: number,
): RecordSpan[] {
  const spans: RecordSpan[] = [];
  new RecordSplitter(classes, layout, 0, firstLine, (span) => spans.push(span)).scan(bytes, 0, true);
  return spans;
}
