import { formatNumber, trimIsoDate } from "./cell-values";
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

  const cellValue = (attrs: string): string => {
    switch (attrOf(attrs, "office:value-type")) {
      case "float":
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
          }
          return;
        }
      }
      if (!active) return;
      switch (name) {
        case "table:table-row":
          rowRepeat = repeatOf(attrs, "table:number-rows-repeated");
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
