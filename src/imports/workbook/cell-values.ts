/**
 * A number as a person reads it in the cell: a whole number as its digits (never `1.0` or
 * `1.23457E+11`), anything else at the 15 significant digits a spreadsheet keeps.
 */
export function formatNumber(raw: string): string {
  const text = raw.trim();
  if (/^-?\d+$/.test(text)) return text.replace(/^(-?)0+(?=\d)/, "$1");
  const n = Number(text);
  if (text === "" || !Number.isFinite(n)) return text;
  if (Number.isInteger(n)) return BigInt(n).toString();
  return String(Number(n.toPrecision(15)));
}

const dayMs = 86_400_000;

/**
 * A spreadsheet date serial as an ISO date (`2024-03-01`), or date and time when it has one.
 * Serials count days from 1899-12-30, or from 1904-01-01 in workbooks made on old Macs; Excel's
 * serials before 1 March 1900 count a 29 February that never was, and are shifted back by it.
 */
export function serialToIso(serial: number, date1904: boolean): string {
  if (!Number.isFinite(serial)) return "";
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const days = !date1904 && serial < 61 && serial >= 1 ? serial + 1 : serial;
  const ms = epoch + Math.round(days * 86_400) * 1000;
  const iso = new Date(ms).toISOString();
  if (serial >= 0 && serial < 1) return iso.slice(11, 19);
  return (ms - epoch) % dayMs === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** An ISO date-time as written in a workbook, without a midnight time or fractions of a second. */
export function trimIsoDate(value: string): string {
  const text = value.trim();
  const midnight = /^(\d{4}-\d{2}-\d{2})T00:00(:00(\.0+)?)?Z?$/.exec(text);
  if (midnight?.[1]) return midnight[1];
  return text.replace(/(\d{2}:\d{2}:\d{2})\.\d+/, "$1").replace(/Z$/, "");
}

/** Excel's built-in number formats that show dates or times. */
const builtInDateFormats = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56,
  57, 58,
]);

/** Whether a number format shows its number as a date or time. */
export function isDateFormat(id: number, code: string | undefined): boolean {
  if (code === undefined) return builtInDateFormats.has(id);
  // Quoted text, escaped characters and [colour]/[$-locale] blocks name no date parts.
  const bare = (code.split(";")[0] ?? "")
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/\[[^\]]*\]/g, "");
  return /[dmyhs]/i.test(bare);
}
