/**
 * The form of a value used for matching: trimmed, NFC, lower-cased. Employee numbers,
 * emails, role names and location names, codes and aliases all compare through it.
 */
export function toKey(value: string): string {
  return value.trim().normalize("NFC").toLowerCase();
}

/** A user's full name as the users page searches it (users.name_key). */
export function nameKeyOf(firstName: string, lastName: string): string {
  return toKey(`${firstName} ${lastName}`);
}
