/** The template's columns, in the template's order. */
export const templateFields = ["employee_number", "first_name", "last_name", "location", "email", "role"] as const;
export type TemplateField = (typeof templateFields)[number];

/** Columns a file must have; role may be left out, and new users then get Standard. */
export const requiredFields: readonly TemplateField[] = [
  "employee_number",
  "first_name",
  "last_name",
  "location",
  "email",
];

/** A record's values by template column, cleaned; a column the file lacks reads as "". */
export type RowValues = Record<TemplateField, string>;
