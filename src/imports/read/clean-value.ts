// No-break spaces arrive from copy-paste and Excel meaning an ordinary space; zero-width
// characters and stray BOMs are never meant at all.
const noBreakSpace = /[\u00A0\u202F\u2007]/g;
const zeroWidth = /[\u200B-\u200D\u2060\uFEFF]/g;
const nonAscii = /[^\x00-\x7F]/;

/**
 * The apostrophe Roster's own CSV downloads (and other careful exports) put before a value a
 * spreadsheet would run as a formula. It is not part of the value: a failed-lines file fixed
 * and imported again must store the value, not the apostrophe.
 */
const neutralisedFormula = /^'(?=[=+\-@])/;

/**
 * Trims, turns no-break spaces into spaces, removes zero-width characters and stray BOMs,
 * and normalises to NFC, so "Anne\u00A0Marie" stays two words and "Zoë" is one form; and
 * drops the apostrophe a download put before a formula-like value.
 */
export function cleanValue(raw: string): string {
  const value = nonAscii.test(raw) ? raw.replace(zeroWidth, "").replace(noBreakSpace, " ").trim().normalize("NFC") : raw.trim();
  return value.startsWith("'") ? value.replace(neutralisedFormula, "") : value;
}
