const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const number = new Intl.NumberFormat("en-GB");

/** A moment as people read it; pages show UTC and the script turns it into local time. */
export function formatDateTime(when: Date): string {
  return `${dateTime.format(when)} UTC`;
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return number.format(n);
}

/** "1 user", "6 users". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const delimiterNames: Record<string, string> = { ",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Pipe" };

/** The name of a column separator, as a person would say it. */
export function delimiterName(delimiter: string): string {
  return delimiterNames[delimiter] ?? `"${delimiter}"`;
}

/** "UTF-8", "Windows-1252": encodings as their usual names. */
export function encodingName(encoding: string): string {
  const known: Record<string, string> = {
    "utf-8": "UTF-8",
    utf8: "UTF-8",
    "utf-16le": "UTF-16 LE",
    "utf-16be": "UTF-16 BE",
    "windows-1252": "Windows-1252",
  };
  return known[encoding.toLowerCase()] ?? encoding;
}

export { formatBytes } from "../format-bytes";

/** A query string from the values that are set, for links that keep a page's filters. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
