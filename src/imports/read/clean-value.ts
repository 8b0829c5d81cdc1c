// No-break spaces arrive from copy-paste and Excel meaning an ordinary space; zero-width
// characters and stray BOMs are never meant at all.
const noBreakSpace = /[\u00A0\u202F\u2007]/g;
const zeroWidth = /[\u200B-\u200D\u2060\uFEFF]/g;
const nonAscii = /[^\x00-\x7F]/;

/**
 * Trims, turns no-break spaces into spaces, removes zero-width characters and stray BOMs,
 * and normalises to NFC, so "Anne\u00A0Marie" stays two words and "Zoë" is one form.
 */
export function cleanValue(raw: string): string {
  if (!nonAscii.test(raw)) return raw.trim();
  return raw.replace(zeroWidth, "").replace(noBreakSpace, " ").trim().normalize("NFC");
}
