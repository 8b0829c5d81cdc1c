import { removeIgnorables } from "../clean-text";

/**
 * A CSV download's headers: a plain ASCII name for old clients and the real one for the rest.
 * Reports hold people's data, so no cache keeps a copy.
 */
export function csvAttachment(fileName: string): Record<string, string> {
  return attachment(fileName, "text/csv; charset=utf-8");
}

export const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** A download's headers, for any type of file; see csvAttachment. */
export function attachment(name: string, contentType: string): Record<string, string> {
  // An invisible bidi control in an uploaded file's name could make "report.csv" show as another extension.
  const fileName = removeIgnorables(name);
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return {
    "Content-Type": contentType,
    "Content-Disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
    "Cache-Control": "no-store",
  };
}
