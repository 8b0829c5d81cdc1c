import { removeIgnorables } from "../clean-text";

/**
 * Full case folding, as far as JavaScript has it: lower, upper, lower again folds "ß" and "ẞ"
 * to "ss" and "ᾳ" to "αι" as Unicode's CaseFolding does; the final sigma, which toLowerCase
 * writes by context, is folded by hand. It differs from CaseFolding only in folding the
 * dotless "ı" to "i" (one look-alike more made one) and Cherokee to its small letters rather
 * than its capitals (the same letters made one).
 */
function foldCase(value: string): string {
  return value.toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, "σ");
}

const ascii = /^[\x00-\x7f]*$/;

/**
 * The form of a value used for matching, Unicode's NFKC_Casefold: compatibility-normalised
 * (NFKC, so "Ｕ100" is "U100"), case-folded, with every default-ignorable code point removed
 * (so "U\u00AD100" and "U\u200E100" are "U100") and trimmed. Folding can undo NFKC, so NFKC
 * runs again after it. Every key Roster stores or looks up is made here: employee numbers,
 * emails, usernames at sign-in, role names, location names, codes and aliases, and name keys.
 */
export function toKey(value: string): string {
  // ASCII is its own NFKC form and holds no default-ignorable code point, and its case folding is
  // toLowerCase: the common key skips the normalising, which costs ten times as much.
  if (ascii.test(value)) return value.toLowerCase().trim();
  const compatible = removeIgnorables(value.normalize("NFKC"));
  return removeIgnorables(foldCase(compatible).normalize("NFKC")).trim();
}

/** A user's full name as the users page searches it (users.name_key). */
export function nameKeyOf(firstName: string, lastName: string): string {
  return toKey(`${firstName} ${lastName}`);
}

/**
 * A key as Roster made it before keys folded look-alike forms (trimmed, NFC, lower-cased). A user
 * keeps such a key until the scheduled job has remade it, or for good when the remade key is
 * another user's (see keyCollisions), so look-ups by employee number try it too.
 */
export function legacyKeyOf(value: string): string {
  return value.trim().normalize("NFC").toLowerCase();
}
