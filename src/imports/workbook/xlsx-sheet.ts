import { FileRefused } from "../read/file-refused";
import { numberLookOf, plainNumber, serialToIso, showNumber, trimIsoDate, type NumberLook } from "./cell-values";
import { SharedStrings, SheetCsv } from "./sheet-csv";
import { attrOf, decodeXml, XmlScanner } from "./xml-scanner";
import type { ZipArchive } from "./zip-archive";

export type SheetEntry = { name: string; hidden: boolean };

/** What an .xlsx workbook's small parts say: its sheets in order, and where the rest lies. */
export type XlsxBook = {
  sheets: (SheetEntry & { part: string })[];
  sharedStrings: string | null;
  styles: string | null;
  date1904: boolean;
};

/** Pieces of CSV handed on when at least this much has gathered. */
const csvPieceBytes = 64 * 1024;

const localName = (name: string) => {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
};

/** A relationship target as a path inside the zip, from the folder of the part that names it. */
function resolvePart(folder: string, target: string): string {
  const parts = target.startsWith("/") ? [] : folder.split("/").filter(Boolean);
  for (const segment of target.replace(/^\//, "").split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== "." && segment !== "") parts.push(segment);
  }
  return parts.join("/");
}

const folderOf = (part: string) => part.slice(0, part.lastIndexOf("/") + 1);

function eachTag(xml: string, name: string, visit: (attrs: string) => void): void {
  new XmlScanner({
    open: (tag, attrs) => {
      if (localName(tag) === name) visit(attrs);
    },
    close: () => undefined,
    text: () => undefined,
  }).push(xml, true);
}

function readRelationships(xml: string, folder: string): { id: string; type: string; part: string }[] {
  const rels: { id: string; type: string; part: string }[] = [];
  eachTag(xml, "Relationship", (attrs) => {
    const target = attrOf(attrs, "Target");
    if (target === null || attrOf(attrs, "TargetMode") === "External") return;
    rels.push({ id: attrOf(attrs, "Id") ?? "", type: attrOf(attrs, "Type") ?? "", part: resolvePart(folder, target) });
  });
  return rels;
}

const relsPathOf = (part: string) => `${folderOf(part)}_rels/${part.slice(part.lastIndexOf("/") + 1)}.rels`;

/** Reads the workbook part and its relationships: the sheets by name and order, hidden or not. */
export async function readXlsxBook(zip: ZipArchive): Promise<XlsxBook> {
  let workbookPart = "xl/workbook.xml";
  if (zip.has("_rels/.rels")) {
    const office = readRelationships(await zip.readText("_rels/.rels"), "").find((r) =>
      r.type.endsWith("/officeDocument"),
    );
    if (office) workbookPart = office.part;
  }
  const rels = zip.has(relsPathOf(workbookPart))
    ? readRelationships(await zip.readText(relsPathOf(workbookPart)), folderOf(workbookPart))
    : [];
  const byId = new Map(rels.map((r) => [r.id, r]));
  const sheets: XlsxBook["sheets"] = [];
  let date1904 = false;
  new XmlScanner({
    open: (tag, attrs) => {
      const name = localName(tag);
      if (name === "workbookPr") {
        const value = attrOf(attrs, "date1904");
        date1904 = value === "1" || value === "true";
      }
      if (name !== "sheet") return;
      const id = /(?:^|\s)[A-Za-z_][\w.-]*:id\s*=\s*"([^"]*)"/.exec(attrs)?.[1] ?? "";
      const rel = byId.get(id);
      // Chart sheets hold no cells.
      if (!rel || !rel.type.endsWith("/worksheet")) return;
      const state = attrOf(attrs, "state");
      sheets.push({
        name: attrOf(attrs, "name") ?? "",
        hidden: state === "hidden" || state === "veryHidden",
        part: rel.part,
      });
    },
    close: () => undefined,
    text: () => undefined,
  }).push(await zip.readText(workbookPart), true);
  const partOf = (suffix: string) => rels.find((r) => r.type.endsWith(suffix) && zip.has(r.part))?.part ?? null;
  return { sheets, sharedStrings: partOf("/sharedStrings"), styles: partOf("/styles"), date1904 };
}

/**
 * Reads the shared strings as they inflate: each `<si>`'s text, its rich-text runs joined, its
 * phonetic guides (`<rPh>`) left out.
 */
export async function readSharedStrings(zip: ZipArchive, part: string): Promise<SharedStrings> {
  const strings = new SharedStrings();
  let inItem = false;
  let inText = false;
  let phonetic = 0;
  let text = "";
  const scanner = new XmlScanner({
    open: (tag) => {
      const name = localName(tag);
      if (name === "si") {
        inItem = true;
        text = "";
      } else if (name === "t") inText = inItem && phonetic === 0;
      else if (name === "rPh") phonetic++;
    },
    close: (tag) => {
      const name = localName(tag);
      if (name === "t") inText = false;
      else if (name === "rPh") phonetic--;
      else if (name === "si") {
        inItem = false;
        strings.add(decodeXml(text));
      }
    },
    text: (raw) => {
      if (inText) text += raw;
    },
  });
  const decoder = new TextDecoder("utf-8");
  for await (const piece of zip.inflate(part)) scanner.push(decoder.decode(piece, { stream: true }));
  scanner.push(decoder.decode(), true);
  return strings;
}

/**
 * For each cell style (its `s`), how its number format shows a number, read as styles.xml
 * inflates. The formats it declares come before the cell styles that use them.
 */
export async function readNumberLooks(zip: ZipArchive, part: string): Promise<NumberLook[]> {
  const codes = new Map<number, string>();
  const looks: NumberLook[] = [];
  let inCellXfs = false;
  const scanner = new XmlScanner({
    open: (tag, attrs) => {
      const name = localName(tag);
      if (name === "numFmt") codes.set(Number(attrOf(attrs, "numFmtId")), attrOf(attrs, "formatCode") ?? "");
      else if (name === "cellXfs") inCellXfs = true;
      else if (name === "xf" && inCellXfs) {
        const id = Number(attrOf(attrs, "numFmtId") ?? 0);
        looks.push(numberLookOf(id, codes.get(id)));
      }
    },
    close: (tag) => {
      if (localName(tag) === "cellXfs") inCellXfs = false;
    },
    text: () => undefined,
  });
  const decoder = new TextDecoder("utf-8");
  for await (const piece of zip.inflate(part)) scanner.push(decoder.decode(piece, { stream: true }));
  scanner.push(decoder.decode(), true);
  return looks;
}

/** The 0-based column of a cell reference such as `AB12`; -1 when it names none. */
function columnOf(ref: string): number {
  let column = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) & ~0x20;
    if (code < 0x41 || code > 0x5a) break;
    column = column * 26 + (code - 0x40);
  }
  return i === 0 ? -1 : column - 1;
}

/** The highest column a sheet may have (XFD): a reference past it is not a spreadsheet's. */
const maxColumns = 16_384;

/**
 * One worksheet of an .xlsx as CSV text, streamed as its XML inflates: shared strings, inline
 * strings and rich text, formulas' cached values, booleans, errors, numbers as their cell's
 * number format shows them (dates, zero-padded digits), and left-out cells and rows kept in
 * their places.
 */
export async function* xlsxSheetCsv(
  zip: ZipArchive,
  part: string,
  shared: SharedStrings | null,
  looks: NumberLook[],
  date1904: boolean,
): AsyncGenerator<Uint8Array> {
  const csv = new SheetCsv(shared);
  let inData = false;
  let row = 0;
  let column = -1;
  let type = "n";
  let style = 0;
  let inValue = false;
  let value = "";
  let inInline = false;
  let inText = false;
  let phonetic = 0;
  let inline = "";

  const endCell = () => {
    let cell: string | number = "";
    switch (type) {
      case "s": {
        const index = Number(value);
        if (value !== "" && Number.isInteger(index)) cell = index;
        break;
      }
      case "inlineStr":
        cell = decodeXml(inline);
        break;
      case "str":
      case "e":
        cell = decodeXml(value);
        break;
      case "b":
        cell = value === "" ? "" : value.trim() === "1" ? "TRUE" : "FALSE";
        break;
      case "d":
        cell = trimIsoDate(decodeXml(value));
        break;
      default: {
        if (value === "") break;
        const look = looks[style] ?? plainNumber;
        cell = look.kind === "date" ? serialToIso(Number(value), date1904) : showNumber(value, look);
      }
    }
    csv.set(column, cell);
  };

  const scanner = new XmlScanner({
    open: (tag, attrs) => {
      const name = localName(tag);
      if (name === "sheetData") {
        inData = true;
        return;
      }
      if (!inData) return;
      switch (name) {
        case "row": {
          const r = attrOf(attrs, "r");
          row = r === null ? row + 1 : Number(r);
          column = -1;
          break;
        }
        case "c": {
          const ref = attrOf(attrs, "r");
          const at = ref === null ? -1 : columnOf(ref);
          column = at === -1 ? column + 1 : at;
          if (column >= maxColumns) {
            throw new FileRefused(
              "not_csv",
              `This workbook could not be read: its cell ${ref ?? ""} lies past the last column a sheet can have. Save it again and upload the new file.`,
            );
          }
          type = attrOf(attrs, "t") ?? "n";
          style = Number(attrOf(attrs, "s") ?? 0);
          value = "";
          inline = "";
          break;
        }
        case "v":
          inValue = true;
          break;
        case "is":
          inInline = true;
          break;
        case "t":
          inText = inInline && phonetic === 0;
          break;
        case "rPh":
          phonetic++;
          break;
      }
    },
    close: (tag) => {
      const name = localName(tag);
      switch (name) {
        case "v":
          inValue = false;
          break;
        case "t":
          inText = false;
          break;
        case "rPh":
          phonetic--;
          break;
        case "is":
          inInline = false;
          break;
        case "c":
          if (inData) endCell();
          break;
        case "row":
          if (inData) csv.endRow(row);
          break;
        case "sheetData":
          inData = false;
          break;
      }
    },
    text: (raw) => {
      if (inValue) value += raw;
      else if (inText) inline += raw;
    },
  });

  const decoder = new TextDecoder("utf-8");
  for await (const piece of zip.inflate(part)) {
    scanner.push(decoder.decode(piece, { stream: true }));
    const bytes = csv.take(csvPieceBytes);
    if (bytes) yield bytes;
  }
  scanner.push(decoder.decode(), true);
  const rest = csv.take();
  if (rest) yield rest;
}
