import { FileRefused } from "../read/file-refused";
import type { StoredFile } from "../stored-file";
import { odsSheetCsv, readOdsStyles } from "./ods-sheet";
import { readNumberLooks, readSharedStrings, readXlsxBook, xlsxSheetCsv, type SheetEntry } from "./xlsx-sheet";
import { encryptedRefusal } from "./detect-workbook";
import { ZipArchive } from "./zip-archive";

export type WorkbookKind = "xlsx" | "ods";

/** Which sheet of a workbook was read, and what others it has. */
export type WorkbookSheets = { kind: WorkbookKind; sheet: string; sheets: SheetEntry[] };

/** A workbook being read: its chosen sheet as CSV, and once that stream has ended, which sheet it was. */
export type WorkbookCsv = { csv: ReadableStream<Uint8Array>; sheets: () => WorkbookSheets };

const odsMimeType = "application/vnd.oasis.opendocument.spreadsheet";

const notWorkbook = () =>
  new FileRefused(
    "not_csv",
    "This file is a zip archive, but not an Excel (.xlsx) or LibreOffice (.ods) workbook. Upload the workbook itself, or the users saved as CSV.",
  );

function unknownSheet(wanted: string, sheets: SheetEntry[]): FileRefused {
  const names = sheets.map((s) => `"${s.name}"`).join(", ");
  return new FileRefused(
    "unknown_sheet",
    `This workbook has no sheet called "${wanted}". Its sheets are ${names || "none"}; choose one of those.`,
  );
}

const noVisibleSheet = () =>
  new FileRefused(
    "no_rows",
    "Every sheet of this workbook is hidden, so there are no users to read. Show the users' sheet in your spreadsheet, save it and upload it again.",
  );

/** A pull-based stream of a generator's pieces, so a sheet is converted only as fast as it is stored. */
function streamOf(pieces: AsyncGenerator<Uint8Array>, atEnd: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await pieces.next();
        if (next.done) {
          atEnd();
          controller.close();
        } else controller.enqueue(next.value);
      },
      async cancel() {
        await pieces.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Opens a workbook stored in R2 (as an upload is stored) and reads one sheet as CSV: the sheet named
 * `wanted`, else the first one shown. Tells .xlsx from .ods by the parts inside the zip, and
 * refuses a password-protected workbook, a zip that is no workbook, and a sheet it lacks.
 */
export async function readWorkbook(bucket: R2Bucket, file: StoredFile, wanted: string | null): Promise<WorkbookCsv> {
  const zip = await ZipArchive.open(bucket, file);
  const isOds =
    zip.has("content.xml") &&
    (zip.has("mimetype")
      ? (await zip.readText("mimetype", 1024)).trim() === odsMimeType
      : zip.has("META-INF/manifest.xml"));
  if (isOds) {
    if (zip.has("META-INF/manifest.xml") && /encryption-data/.test(await zip.readText("META-INF/manifest.xml")))
      throw encryptedRefusal();
    const found: { sheets: SheetEntry[]; read: string | null } = { sheets: [], read: null };
    let sheets: WorkbookSheets | null = null;
    // Styles (small) are read first: content.xml's cells name the data styles declared there.
    const styles = await readOdsStyles(zip);
    const csv = streamOf(odsSheetCsv(zip, wanted, found, styles), () => {
      if (found.read === null) throw wanted === null ? noVisibleSheet() : unknownSheet(wanted, found.sheets);
      sheets = { kind: "ods", sheet: found.read, sheets: found.sheets };
    });
    return {
      csv,
      sheets: () => {
        if (sheets === null) throw new Error("The workbook's sheets were asked for before its sheet was read.");
        return sheets;
      },
    };
  }
  if (!zip.has("[Content_Types].xml") && !zip.has("xl/workbook.xml")) throw notWorkbook();
  const book = await readXlsxBook(zip);
  if (book.sheets.length === 0) throw notWorkbook();
  const chosen = wanted === null ? book.sheets.find((s) => !s.hidden) : book.sheets.find((s) => s.name === wanted);
  if (!chosen) throw wanted === null ? noVisibleSheet() : unknownSheet(wanted, book.sheets);
  // Shared strings and styles are read before the sheet, wherever the zip stores them.
  const shared = book.sharedStrings === null ? null : await readSharedStrings(zip, book.sharedStrings);
  const looks = book.styles === null ? [] : await readNumberLooks(zip, book.styles);
  const sheets: WorkbookSheets = {
    kind: "xlsx",
    sheet: chosen.name,
    sheets: book.sheets.map(({ name, hidden }) => ({ name, hidden })),
  };
  return {
    csv: streamOf(xlsxSheetCsv(zip, chosen.part, shared, looks, book.date1904), () => undefined),
    sheets: () => sheets,
  };
}
