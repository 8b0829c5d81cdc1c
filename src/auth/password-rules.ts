import { commonPasswords } from "./common-passwords";

export const minPasswordLength = 10;
/** Far above any passphrase a person types; it only keeps a pasted megabyte away from PBKDF2. */
export const maxPasswordLength = 200;

const plain = (value: string) => value.trim().toLowerCase();

/**
 * Why a password may not be chosen, as a sentence saying what to choose instead, or null when it
 * may: at least 10 characters, not one of the most common passwords (nor one character
 * repeated), and not the person's own username (employee number), email or the email's name.
 * The same rules hold on the set-password page and for `admin:create`.
 */
export function passwordProblem(password: string, user: { username: string; email?: string }): string | null {
  if ([...password].length < minPasswordLength) return `Choose a password of at least ${minPasswordLength} characters.`;
  if (password.length > maxPasswordLength) return `Choose a password of at most ${maxPasswordLength} characters.`;
  const typed = plain(password);
  if (commonPasswords.has(typed) || /^(.)\1*$/su.test(typed)) {
    return "This password is one of the most common ones, which anyone guessing tries first. Choose another: a few unrelated words make a good one.";
  }
  const email = plain(user.email ?? "");
  const own = [plain(user.username), email, email.split("@")[0] ?? ""].filter((v) => v.length > 0);
  if (own.includes(typed))
    return "The password cannot be your username (employee number) or your email. Choose another.";
  return null;
}
