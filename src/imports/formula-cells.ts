/**
 * What may stand, unseen, before a formula's first character: a spreadsheet skips spaces, and
 * invisible characters (default-ignorable code points, controls) are no reason to trust a cell.
 */
const invisibleStart = /^[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Cc}]*/u;
/** The characters a spreadsheet starts a formula with, and their fullwidth and small forms. */
const formulaStart = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B]/;

/**
 * Whether a spreadsheet could run this cell as a formula: it starts with =, +, -, @, tab or
 * carriage return, or with one of =, +, -, @ after invisible characters. A value that starts
 * with apostrophes before such a cell counts too, so that the apostrophe a download adds is
 * always the one an import takes away (see dropFormulaGuard).
 */
function needsGuard(value: string): boolean {
  const unquoted = value.replace(/^'+/, "");
  if (/^[\t\r]/.test(unquoted)) return true;
  return formulaStart.test(unquoted.replace(invisibleStart, ""));
}

/** A CSV cell as written for spreadsheets: a formula-like value gets a leading apostrophe, which keeps it text. */
export function guardFormula(value: string): string {
  return needsGuard(value) ? `'${value}` : value;
}

/**
 * A value read from a CSV without the apostrophe guardFormula put before it, so a downloaded
 * file imported again stores the values themselves: dropFormulaGuard(guardFormula(v)) is v.
 */
export function dropFormulaGuard(value: string): string {
  return value.startsWith("'") && needsGuard(value.slice(1)) ? value.slice(1) : value;
}
