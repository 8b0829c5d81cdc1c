/**
 * A message about a CSV's lines, worded for a workbook's sheet: a sheet has rows, and their
 * numbers are the ones the spreadsheet shows.
 */
export function inRows(message: string): string {
  return message.replace(/\b([Ll])ine(s?)\b/g, (_, l: string, s: string) => `${l === "L" ? "R" : "r"}ow${s}`);
}
