import { cleanText } from "../../clean-text";
import { dropFormulaGuard } from "../formula-cells";

/**
 * A file's value as stored (see cleanText: no invisible characters, no-break spaces as spaces,
 * trimmed, NFC), without the apostrophe Roster's own CSV downloads (and other careful exports)
 * put before a value a spreadsheet would run as a formula: a failed-lines file fixed and
 * imported again must store the value, not the apostrophe.
 */
export function cleanValue(raw: string): string {
  return dropFormulaGuard(cleanText(raw));
}
