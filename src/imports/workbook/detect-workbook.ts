import { FileRefused } from "../read/file-refused";

/** What an upload's first bytes (and its declared type) say it is. */
export type UploadKind = "text" | "zip" | "ole2";

const zipMagic = [0x50, 0x4b, 0x03, 0x04];
const emptyZipMagic = [0x50, 0x4b, 0x05, 0x06];
const ole2Magic = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const workbookTypes = [
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.oasis.opendocument.spreadsheet",
];

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) =>
  prefix.length <= bytes.length && prefix.every((b, i) => bytes[i] === b);

/** How many first bytes `detectUpload` needs. */
export const detectBytes = ole2Magic.length;

/**
 * Tells a workbook from text by its bytes: a zip (as .xlsx and .ods are) or an OLE2 container
 * (old .xls, and Office's password-protected workbooks). A Content-Type naming a workbook on
 * bytes that are not one is refused, rather than read as text.
 */
export function detectUpload(head: Uint8Array, contentType: string | null): UploadKind {
  if (startsWith(head, zipMagic)) return "zip";
  if (startsWith(head, ole2Magic)) return "ole2";
  if (startsWith(head, emptyZipMagic)) {
    throw new FileRefused(
      "not_csv",
      "This file is an empty zip archive, not a workbook or CSV file. Upload the workbook itself, or the users saved as CSV.",
    );
  }
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (workbookTypes.includes(type)) {
    throw new FileRefused(
      "not_csv",
      "This file was sent as a workbook, but it is not one (it is not a zip archive as .xlsx and .ods files are). Save it again from your spreadsheet and upload the new file.",
    );
  }
  return "text";
}

/** "EncryptionInfo" as an OLE2 directory entry names it (UTF-16LE). */
const encryptionInfo = new Uint8Array([..."EncryptionInfo"].flatMap((c) => [c.charCodeAt(0), 0]));

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0] ?? 0;
  for (
    let i = haystack.indexOf(first);
    i !== -1 && i + needle.length <= haystack.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

export const encryptedRefusal = () =>
  new FileRefused(
    "encrypted_workbook",
    "This workbook is protected with a password. Open it, save a copy without the password and upload that file.",
  );

const xlsRefusal = () =>
  new FileRefused(
    "not_csv",
    'This is an old Excel workbook (.xls), which Roster cannot read. Open it in Excel or LibreOffice, choose File > Save As, pick "Excel Workbook (*.xlsx)" (or "CSV UTF-8") and upload that file.',
  );

/**
 * Tells an old .xls from an Office workbook protected with a password: both are OLE2 containers,
 * and the protected one's directory names an EncryptionInfo stream. The directory may lie
 * anywhere in the container, so the whole upload is looked through, piece by piece.
 */
export class Ole2Check {
  private tail = new Uint8Array(0);
  private encrypted = false;

  push(piece: Uint8Array): void {
    if (this.encrypted) return;
    const window = new Uint8Array(this.tail.length + piece.length);
    window.set(this.tail);
    window.set(piece, this.tail.length);
    if (indexOf(window, encryptionInfo) !== -1) this.encrypted = true;
    this.tail = window.slice(Math.max(0, window.length - encryptionInfo.length));
  }

  refusal(): FileRefused {
    return this.encrypted ? encryptedRefusal() : xlsRefusal();
  }
}
