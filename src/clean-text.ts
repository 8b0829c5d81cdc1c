/**
 * Unicode's default-ignorable code points: soft hyphens, zero-width spaces and joiners, bidi
 * marks and controls, variation selectors, word joiners, BOMs, tags, Hangul fillers and the
 * rest. They render as nothing, so two values that differ only by them look the same on every
 * screen; none is ever kept in a value or a key.
 */
const ignorable = /\p{Default_Ignorable_Code_Point}/gu;

// No-break spaces arrive from copy-paste and Excel meaning an ordinary space.
const noBreakSpace = /[\u00A0\u202F\u2007]/g;
const nonAscii = /[^\x00-\x7F]/;

/** The value without its default-ignorable code points. */
export function removeIgnorables(value: string): string {
  return value.replace(ignorable, "");
}

/**
 * A value as Roster stores what a person typed or a file held: no default-ignorable
 * characters, no-break spaces as spaces, trimmed, and NFC, so "Anne\u00A0Marie" stays two
 * words and "Zoë" is one form. Compatibility forms (fullwidth letters, ligatures) are kept as
 * written: only keys (toKey) fold them.
 */
export function cleanText(value: string): string {
  if (!nonAscii.test(value)) return value.trim();
  return removeIgnorables(value).replace(noBreakSpace, " ").trim().normalize("NFC");
}
