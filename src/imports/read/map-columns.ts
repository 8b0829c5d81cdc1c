import { toKey } from "../../db/keys";
import type { ColumnMapping } from "../../db/schema";
import { requiredFields, templateFields, type TemplateField } from "../template";
import { cleanValue } from "./clean-value";
import { FileRefused } from "./file-refused";

/** The names people give each template column, compared without case, spaces, underscores, hyphens, dots or #. */
const namesByField: Record<TemplateField, readonly string[]> = {
  employee_number: [
    "employee number",
    "employee no",
    "employee num",
    "employee #",
    "employee id",
    "employee code",
    "emp number",
    "emp no",
    "emp num",
    "emp #",
    "emp id",
    "emp code",
    "staff number",
    "staff no",
    "staff #",
    "staff id",
    "staff code",
    "personnel number",
    "payroll number",
    "payroll id",
    "badge number",
    "badge id",
    "username",
    "user name",
    "user id",
    "login",
    "login id",
    "login name",
  ],
  first_name: ["first name", "firstname", "given name", "forename", "fore name", "first", "fname", "preferred name"],
  last_name: ["last name", "lastname", "surname", "family name", "last", "lname"],
  location: [
    "location",
    "location code",
    "location name",
    "location id",
    "site",
    "site code",
    "site name",
    "site id",
    "store",
    "store code",
    "store name",
    "store number",
    "store no",
    "store id",
    "branch",
    "branch code",
    "branch name",
    "branch id",
  ],
  email: ["email", "email address", "e-mail", "e-mail address", "mail", "work email", "work email address", "email id"],
  role: ["role", "role name", "user role", "access role", "access level", "permission role"],
};

/** A header as it is compared: as keys are (toKey), without spaces, underscores, hyphens, dots or #. */
function headerKey(header: string): string {
  return toKey(header).replace(/[\s_\-.#]/g, "");
}

const fieldByKey = new Map<string, TemplateField>();
for (const field of templateFields) {
  fieldByKey.set(headerKey(field), field);
  for (const name of namesByField[field]) fieldByKey.set(headerKey(name), field);
}

/** How many unrecognised headers a refusal lists. */
const maxShownHeaders = 8;

/**
 * Maps each header cell to a template field, or to null when the column is not imported.
 * Throws FileRefused when two headers mean the same field or a required field has no column.
 */
export function mapColumns(headers: readonly string[]): { columns: ColumnMapping[]; ignoredColumns: string[] } {
  const columns: ColumnMapping[] = [];
  const ignoredColumns: string[] = [];
  const headerByField = new Map<TemplateField, string>();
  headers.forEach((raw, index) => {
    const header = cleanValue(raw);
    const field = header === "" ? undefined : fieldByKey.get(headerKey(header));
    if (field === undefined) {
      columns.push({ index, header, field: null });
      if (header !== "") ignoredColumns.push(header);
      return;
    }
    const earlier = headerByField.get(field);
    if (earlier !== undefined) {
      throw new FileRefused(
        "duplicate_column",
        `The columns "${earlier}" and "${header}" both mean ${field}. Keep one of them and rename or delete the other, then upload the file again.`,
      );
    }
    headerByField.set(field, header);
    columns.push({ index, header, field });
  });
  const missing = requiredFields.filter((field) => !headerByField.has(field)).sort();
  if (missing.length > 0) {
    const what = missing.length === 1 ? "column" : "columns";
    // A misspelt header ("employe_number") or a data line where the header should be shows here.
    const shown = ignoredColumns.slice(0, maxShownHeaders).map((h) => `"${h.length > 40 ? `${h.slice(0, 40)}…` : h}"`);
    const more = ignoredColumns.length > maxShownHeaders ? ` and ${ignoredColumns.length - maxShownHeaders} more` : "";
    const unmatched = shown.length ? ` It names columns that match none of them: ${shown.join(", ")}${more}.` : "";
    throw new FileRefused(
      "missing_columns",
      `The file is missing the ${what} ${missing.join(", ")}. The first line must name the columns: ${templateFields.join(", ")}.${unmatched}`,
    );
  }
  return { columns, ignoredColumns };
}
