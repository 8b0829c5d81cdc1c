import Papa from "papaparse";
import { cleanValue } from "./clean-value";
import type { Delimiter } from "./types";

/** A record's fields as papaparse reads them, before cleaning. */
export type RawRecord = {
  line: number;
  lastLine: number;
  fields: string[];
  /** papaparse found a quote it could not place (InvalidQuotes or MissingQuotes). */
  quoteError: boolean;
  /** Every field is empty or whitespace: not a user. */
  blank: boolean;
  /** Line breaks from the start of the text through this record, its own break included. */
  breaks: number;
  /** The record ends at a line break; only a file's last record may end without one. */
  terminated: boolean;
};

const anyBreak = /\r\n?/g;

function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field === "" || cleanValue(field) === "");
}

/** How many "\n" the text holds. */
export function countBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

/**
 * Decides what a record is, with papaparse alone. Papaparse keeps to one kind of line break per
 * parse while a text editor (and so a line number) ends a line at CRLF, LF and CR alike, even mixed
 * in one file, so every break reaches papaparse as "\n". The k-th "\n" of that text is the k-th break
 * of the original, and only a quoted value can hold one, so a value gets its breaks back as written
 * from the few that were not LF. A record's line follows from the breaks the records before it held.
 *
 * It is fed the text a piece at a time and keeps only the unfinished record, which papaparse reads
 * again with the next piece (ignoreLastRow), so a stream can be read without holding the whole file.
 */
export class RecordTokenizer {
  private readonly config: Papa.ParseConfig;
  /** The unfinished record, breaks as "\n", and how many breaks it holds. */
  private carry = "";
  private carryBreaks = 0;
  /** A "\r" that ended the last piece: it may be the first half of a CRLF. */
  private heldCR = false;
  /** Breaks seen in the text so far, and those of them that were CRLF or CR, by index. */
  private seenBreaks = 0;
  private readonly oddBreaks = new Map<number, string>();
  private nextLine: number;
  /** Breaks held by the records read so far. */
  breaks = 0;

  constructor(delimiter: Delimiter, firstLine: number) {
    this.config = { delimiter, newline: "\n", quoteChar: '"' };
    this.nextLine = firstLine;
  }

  /** The line the unfinished record starts on. */
  get pendingLine(): number {
    return this.nextLine;
  }

  /** Reads on through `piece`, returning the records it completes; `final` when the text ends there. */
  push(piece: string, final: boolean): RawRecord[] {
    let text = this.heldCR ? `\r${piece}` : piece;
    this.heldCR = !final && text.endsWith("\r");
    if (this.heldCR) text = text.slice(0, -1);
    const normal = this.normalise(text);
    const pieceBreaks = countBreaks(normal);
    this.seenBreaks += pieceBreaks;
    let window = this.carry + normal;
    let windowBreaks = this.carryBreaks + pieceBreaks;
    // The LF after a last record that has none keeps papaparse's reading of a closing quote the
    // same whether or not the record ends the file.
    const virtual = final && window !== "" && !window.endsWith("\n");
    if (virtual) {
      window += "\n";
      windowBreaks++;
    }
    if (window === "") return [];

    const parser = new Papa.Parser(this.config);
    const result: Papa.ParseResult<string[]> = parser.parse(window, 0, !final);
    const rows = result.data;
    const quoteErrors = new Set<number>();
    let unclosed = false;
    for (const error of result.errors) {
      if (error.type !== "Quotes" || error.row === undefined) continue;
      quoteErrors.add(error.row);
      if (error.code === "MissingQuotes") unclosed = true;
    }
    let cursor = result.meta.cursor;
    if (final) {
      cursor = window.length;
      // An unclosed quote ran to the end and took the last "\n" into its value; otherwise papaparse
      // read an empty row after that "\n".
      if (!unclosed) rows.pop();
    }
    this.carry = window.slice(cursor);
    this.carryBreaks = countBreaks(this.carry);
    const consumed = windowBreaks - this.carryBreaks;
    // Papaparse's rows end at breaks, so a window whose rows hold as many breaks as there are rows
    // has none inside a value (but an unclosed quote's, which ends no row): the common case counts
    // nothing per row.
    const inside = unclosed || consumed !== rows.length;

    const records: RawRecord[] = [];
    for (let k = 0; k < rows.length; k++) {
      const fields = rows[k] ?? [""];
      const last = final && k === rows.length - 1;
      if (last && unclosed && virtual) {
        const end = fields.length - 1;
        fields[end] = (fields[end] ?? "").slice(0, -1);
      }
      let held = 0;
      if (inside) {
        for (let f = 0; f < fields.length; f++) {
          const field = fields[f] ?? "";
          const count = countBreaks(field);
          if (count === 0) continue;
          if (this.oddBreaks.size > 0) fields[f] = this.restoreBreaks(field, this.breaks + held);
          held += count;
        }
      }
      const terminated = !(last && (virtual || unclosed));
      const line = this.nextLine;
      this.breaks += held + (terminated ? 1 : 0);
      this.nextLine = line + held + 1;
      records.push({
        line,
        lastLine: line + held,
        fields,
        quoteError: quoteErrors.has(k),
        blank: isBlank(fields),
        breaks: this.breaks,
        terminated,
      });
    }
    if (this.breaks !== this.seenBreaks - this.carryBreaks) {
      throw new Error(
        `Papaparse's records hold ${this.breaks} line breaks where the text has ${this.seenBreaks - this.carryBreaks}.`,
      );
    }
    for (const index of this.oddBreaks.keys()) {
      if (index >= this.breaks) break;
      this.oddBreaks.delete(index);
    }
    return records;
  }

  /**
   * The text with every break as "\n", remembering which were CRLF or CR. Only a quoted value holds
   * a break, so without a quote in the unfinished record or the piece none needs remembering.
   */
  private normalise(text: string): string {
    if (text.indexOf("\r") === -1) return text;
    if (text.indexOf('"') === -1 && this.carry.indexOf('"') === -1) return text.replace(anyBreak, "\n");
    let index = this.seenBreaks;
    for (const match of text.matchAll(/\r\n|\r|\n/g)) {
      if (match[0] !== "\n") this.oddBreaks.set(index, match[0]);
      index++;
    }
    return text.replace(anyBreak, "\n");
  }

  /** A value's breaks as written; its first "\n" is break number `first` of the text. */
  private restoreBreaks(field: string, first: number): string {
    let index = first;
    return field.replace(/\n/g, () => this.oddBreaks.get(index++) ?? "\n");
  }
}

/** Every record of a whole text, blank ones included, lines counted from firstLine. */
export function tokenizeText(text: string, delimiter: Delimiter, firstLine: number): RawRecord[] {
  return new RecordTokenizer(delimiter, firstLine).push(text, true);
}
