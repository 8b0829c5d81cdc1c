export type RefusalCode =
  | "empty_file"
  | "no_rows"
  | "missing_columns"
  | "duplicate_column"
  | "not_csv"
  | "line_too_long"
  | "encrypted_workbook"
  | "workbook_too_large"
  | "unknown_sheet";

/** A file the import cannot use at all; the message tells the person what to do about it. */
export class FileRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "FileRefused";
  }
}
