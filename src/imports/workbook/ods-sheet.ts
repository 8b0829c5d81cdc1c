import { formatNumber, padNumber, trimIsoDate } from "./cell-values";
import { SheetCsv } from "./sheet-csv";
import type { SheetEntry } from "./xlsx-sheet";
import { attrOf, decodeXml, XmlScanner } from "./xml-scanner";
import type { ZipArchive } from "./zip-archive";

const csvPieceBytes = 64 * 1024;

/** A sheet's size limits: repeats past them are the empty rest of a sheet, never values. */
const maxRows = 1_048_576;
const maxColumns = 16_384;

const repeatOf = (attrs: string, name: string) => {
  const n = Number(attrOf(attrs, name) ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
};

/**
 * The cell styles of an .ods that pad numbers with zeros: a data style `number:number-style`
 * whose `number:number` has `number:min-integer-digits` and no decimals, and the cell styles that
 * use one, themselves or through their parent. LibreOffice keeps data styles in styles.xml and
 * cell styles in either part, so both parts feed one set.
 */
export class OdsStyles {
  private readonly paddedData = new Map<string, number>();
  private readonly cellStyles = new Map<string, { data: string | null; parent: string | null }>();
  private readonly resolved = new Map<string, number>();
  private numberStyle: string | null = null;

  /** Takes a style element as the scanner opens it. */
  open(name: string, attrs: string): void {
    switch (name) {
      case "number:number-style":
        this.numberStyle = attrOf(attrs, "style:name");
        return;
      case "number:number": {
        if (this.numberStyle === null) return;
        const digits = Number(attrOf(attrs, "number:min-integer-digits") ?? 1);
        const decimals = Number(attrOf(attrs, "number:decimal-places") ?? 0);
        if (
          Number.isInteger(digits) &&
          digits > 1 &&
          digits <= 64 &&
          decimals === 0 &&
          attrOf(attrs, "number:grouping") !== "true"
        )
          this.paddedData.set(this.numberStyle, digits);
        return;
      }
      case "style:style": {
        const styleName = attrOf(attrs, "style:name");
        if (styleName === null || attrOf(attrs, "style:family") !== "table-cell") return;
        this.cellStyles.set(styleName, {
          data: attrOf(attrs, "style:data-style-name"),
          parent: attrOf(attrs, "style:parent-style-name"),
        });
        return;
      }
    }
  }

  close(name: string): void {
    if (name === "number:number-style") this.numberStyle = null;
  }

  /** The width a cell style pads whole numbers to; 0 when it does not. */
  digitsOf(cellStyle: string | null): number {
    if (cellStyle === null) return 0;
    const known = this.resolved.get(cellStyle);
    if (known !== undefined) return known;
    let digits = 0;
    // A style's own data style wins over its parent's; a cycle of parents ends the walk.
    const seen = new Set<string>();
    for (let at: string | null = cellStyle; at !== null && !seen.has(at);) {
      seen.add(at);
      const style = this.cellStyles.get(at);
      if (!style) break;
      if (style.data !== null) {
        digits = this.paddedData.get(style.data) ?? 0;
        break;
      }
      at = style.parent;
    }
    this.resolved.set(cellStyle, digits);
    return digits;
  }
}

/** Reads styles.xml of an .ods as it inflates, for the number styles its cells use. */
export async function readOdsStyles(zip: ZipArchive): Promise<OdsStyles> {
  const styles = new OdsStyles();
  if (!zip.has("styles.xml")) return styles;
  const scanner = new XmlScanner({
    open: (name, attrs) => styles.open(name, attrs),
    close: (name) => styles.close(name),
    text: () => undefined,
  });
  const decoder = new TextDecoder("utf-8");
  for await (const piece of zip.inflate("styles.xml")) scanner.push(decoder.decode(piece, { stream: true }));
  scanner.push(decoder.decode(), true);
  return styles;
}

/**
 * A number cell's displayed text when it shows the number padded with zeros (`001234` for
 * 1234), however its style came to pad it; null when it shows anything else.
 */
function paddedText(raw: string, shown: string): string | null {
  const text = shown.trim();
  if (!/^-?0+\d+$/.test(text)) return null;
  const digits = formatNumber(raw);
  if (!/^-?\d+$/.test(digits)) return null;
  return BigInt(text) === BigInt(digits) ? text : null;
}

/** Which cell style each column gives the cells that name none, as runs of repeated columns. */
type ColumnStyle = { start: number; end: number; style: string };

/**
 * One table of an .ods (its content.xml) as CSV text, streamed as the XML inflates: the table
 * named `wanted`, or else the first one shown. Sheets hidden in LibreOffice have a table style
 * with `table:display="false"`; those styles come before the tables in content.xml. Repeated
 * rows and cells are expanded only when they hold values, so the million empty rows a sheet
 * declares at its end cost nothing. `sheets` is filled as the tables go by, all of them by the
 * time the stream ends.
 */
export async function* odsSheetCsv(
  zip: ZipArchive,
  wanted: string | null,
  found: { sheets: SheetEntry[]; read: string | null },
  styles: OdsStyles,
): AsyncGenerator<Uint8Array> {
  const csv = new SheetCsv(null);
  const hiddenStyles = new Set<string>();
  let styleName: string | null = null;
  let active = false;
  let done = false;
  let row = 0;
  let rowRepeat = 1;
  let rowCells: { column: number; value: string; repeat: number }[] = [];
  let column = 0;
  let cell: { attrs: string; repeat: number } | null = null;
  let text = "";
  let paragraphs = 0;
  let inParagraph = 0;
  let annotation = 0;
  let columnStyles: ColumnStyle[] = [];
  let columnsDeclared = 0;
  let rowStyle: string | null = null;

  const cellStyleOf = (attrs: string): string | null => {
    const own = attrOf(attrs, "table:style-name");
    if (own !== null) return own;
    if (rowStyle !== null) return rowStyle;
    return columnStyles.find((c) => column >= c.start && column < c.end)?.style ?? null;
  };

  const cellValue = (attrs: string): string => {
    switch (attrOf(attrs, "office:value-type")) {
      case "float": {
        const raw = attrOf(attrs, "office:value") ?? text;
        const digits = styles.digitsOf(cellStyleOf(attrs));
        if (digits > 0) return padNumber(raw, digits);
        return paddedText(raw, text) ?? formatNumber(raw);
      }
      case "percentage":
      case "currency":
        return formatNumber(attrOf(attrs, "office:value") ?? text);
      case "date":
        return trimIsoDate(attrOf(attrs, "office:date-value") ?? text);
      case "boolean":
        return attrOf(attrs, "office:boolean-value") === "true" ? "TRUE" : "FALSE";
      case "string":
        return attrOf(attrs, "office:string-value") ?? text;
      default:
        return text;
    }
  };

  const scanner = new XmlScanner({
    open: (name, attrs) => {
      switch (name) {
        case "style:style":
          styleName = attrOf(attrs, "style:family") === "table" ? attrOf(attrs, "style:name") : null;
          styles.open(name, attrs);
          return;
        case "number:number-style":
        case "number:number":
          styles.open(name, attrs);
          return;
        case "style:table-properties":
          if (styleName !== null && attrOf(attrs, "table:display") === "false") hiddenStyles.add(styleName);
          return;
        case "table:table": {
          const sheet = {
            name: attrOf(attrs, "table:name") ?? "",
            hidden: hiddenStyles.has(attrOf(attrs, "table:style-name") ?? ""),
          };
          found.sheets.push(sheet);
          if (!done && (wanted === null ? !sheet.hidden : sheet.name === wanted)) {
            active = true;
            found.read = sheet.name;
            row = 0;
            columnStyles = [];
            columnsDeclared = 0;
          }
          return;
        }
      }
      if (!active) return;
      switch (name) {
        case "table:table-column": {
          const repeat = repeatOf(attrs, "table:number-columns-repeated");
          const style = attrOf(attrs, "table:default-cell-style-name");
          if (style !== null && columnsDeclared < maxColumns)
            columnStyles.push({ start: columnsDeclared, end: columnsDeclared + repeat, style });
          columnsDeclared += repeat;
          return;
        }
        case "table:table-row":
          rowRepeat = repeatOf(attrs, "table:number-rows-repeated");
          rowStyle = attrOf(attrs, "table:default-cell-style-name");
          rowCells = [];
          column = 0;
          return;
        case "table:table-cell":
        case "table:covered-table-cell":
          cell = { attrs, repeat: repeatOf(attrs, "table:number-columns-repeated") };
          text = "";
          paragraphs = 0;
          return;
        case "office:annotation":
          annotation++;
          return;
      }
      if (cell === null || annotation > 0) return;
      switch (name) {
        case "text:p":
        case "text:h":
          if (paragraphs++ > 0) text += "\n";
          inParagraph++;
          return;
        case "text:s":
          text += " ".repeat(Math.min(repeatOf(attrs, "text:c"), 1000));
          return;
        case "text:tab":
          text += "\t";
          return;
        case "text:line-break":
          text += "\n";
          return;
      }
    },
    close: (name) => {
      if (name === "number:number-style") styles.close(name);
      if (name === "table:table") {
        if (active) done = true;
        active = false;
        return;
      }
      if (!active) return;
      switch (name) {
        case "office:annotation":
          annotation--;
          return;
        case "text:p":
        case "text:h":
          if (annotation === 0 && cell !== null) inParagraph--;
          return;
        case "table:table-cell":
        case "table:covered-table-cell": {
          if (cell === null) return;
          const value = name === "table:covered-table-cell" ? "" : cellValue(cell.attrs);
          if (value !== "" && column < maxColumns)
            rowCells.push({ column, value, repeat: Math.min(cell.repeat, maxColumns - column) });
          column += cell.repeat;
          cell = null;
          return;
        }
        case "table:table-row": {
          if (rowCells.length === 0) {
            row += rowRepeat;
            return;
          }
          const last = Math.min(row + rowRepeat, maxRows);
          for (; row < last;) {
            for (const c of rowCells) for (let k = 0; k < c.repeat; k++) csv.set(c.column + k, c.value);
            row++;
            csv.endRow(row);
          }
          return;
        }
      }
    },
    text: (raw) => {
      if (cell !== null && inParagraph > 0 && annotation === 0) text += decodeXml(raw);
    },
  });

  const decoder = new TextDecoder("utf-8");
  for await (const piece of zip.inflate("content.xml")) {
    scanner.push(decoder.decode(piece, { stream: true }));
    const bytes = csv.take(csvPieceBytes);
    if (bytes) yield bytes;
  }
  scanner.push(decoder.decode(), true);
  const rest = csv.take();
  if (rest) yield rest;
}
