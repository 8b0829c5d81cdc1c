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

/** A format section without its quoted text, escaped characters and [colour]/[$-locale] blocks. */
const bareSection = (section: string) =>
  section
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/\[[^\]]*\]/g, "");

/** Whether a number format shows its number as a date or time. */
export function isDateFormat(id: number, code: string | undefined): boolean {
  if (code === undefined) return builtInDateFormats.has(id);
  // Quoted text, escaped characters and [colour]/[$-locale] blocks name no date parts.
  return /[dmyhs]/i.test(bareSection(code.split(";")[0] ?? ""));
}

/**
 * How a cell's number format makes its number look, as far as a user's values can tell: a date,
 * digits padded with zeros to a width (`000000` shows 1234 as 001234), a word for each sign (the
 * `"TRUE";"TRUE";"FALSE"` that LibreOffice writes for a number formatted as a boolean), or the
 * number itself.
 */
export type NumberLook =
  | { kind: "number" }
  | { kind: "date" }
  | { kind: "padded"; digits: number }
  | { kind: "words"; positive: string; negative: string; zero: string };

/** A number shown as itself, as the General format shows it. */
export const plainNumber: NumberLook = { kind: "number" };

/** How an .xlsx number format (its id, and its code when the workbook declares one) shows numbers. */
export function numberLookOf(id: number, code: string | undefined): NumberLook {
  if (isDateFormat(id, code)) return { kind: "date" };
  if (code === undefined) return plainNumber;
  const sections = code.split(";");
  const words = sections.map((s) => /^"([^"]*)"$/.exec(s.trim())?.[1]);
  if (sections.length >= 2 && sections.length <= 3 && words.every((w) => w !== undefined)) {
    const [positive = "", negative = "", zero = positive] = words;
    return { kind: "words", positive, negative, zero };
  }
  const zeros = bareSection(sections[0] ?? "");
  return /^0{2,}$/.test(zeros) ? { kind: "padded", digits: zeros.length } : plainNumber;
}

/** A number as digits padded with zeros to `digits`, as a zeros-only format shows it. */
export function padNumber(raw: string, digits: number): string {
  const text = formatNumber(raw);
  // A zeros-only format shows no decimals: it rounds half away from zero, as spreadsheets do.
  const n = Number(text);
  const whole = /^-?\d+$/.test(text) ? text : (Math.sign(n) * Math.round(Math.abs(n))).toString();
  if (!/^-?\d+$/.test(whole)) return text;
  const negative = whole.startsWith("-");
  const padded = (negative ? whole.slice(1) : whole).padStart(digits, "0");
  return negative ? `-${padded}` : padded;
}

/** A number cell's value as its format shows it; dates are the caller's, who knows the epoch. */
export function showNumber(raw: string, look: NumberLook): string {
  switch (look.kind) {
    case "padded":
      return padNumber(raw, look.digits);
    case "words": {
      const n = Number(raw);
      if (!Number.isFinite(n)) return formatNumber(raw);
      return n > 0 ? look.positive : n < 0 ? look.negative : look.zero;
    }
    default:
      return formatNumber(raw);
  }
}
