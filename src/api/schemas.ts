import { z } from "zod";
import { importStatuses, lineOutcomes } from "../db/schema";

/*
 * Every shape the API reads or answers, once: routes validate with them and the OpenAPI
 * document is generated from them.
 */

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const importIdParam = z.object({ id: z.uuid() });

export const uploadQuery = z.object({
  filename: z.string().max(200).optional(),
  start: z.enum(["true", "false"]).optional(),
  sheet: z.string().min(1).max(200).optional().describe("For a workbook: the sheet to read, by name. Without it, the first sheet that is not hidden."),
});

export const counts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  warnings: z.number().int().describe("Lines with at least one warning."),
});

const columnMapping = z.object({
  index: z.number().int(),
  header: z.string(),
  field: z.string().nullable().describe("The template column this header feeds; null when ignored."),
});

export const uploadedImport = z.object({
  id: z.uuid(),
  status: z.enum(importStatuses),
  file_name: z.string(),
  total_rows: z.number().int(),
  columns: z.array(columnMapping),
  ignored_columns: z.array(z.string()),
  encoding: z.string(),
  delimiter: z.string(),
  kind: z.enum(["csv", "xlsx", "ods"]).describe("What was uploaded: a CSV file or a workbook."),
  sheet: z.string().nullable().describe("For a workbook, the sheet that was read."),
  sheets: z
    .array(z.object({ name: z.string(), hidden: z.boolean() }))
    .describe("For a workbook, all its sheets in order; empty for a CSV file."),
});

export const importSummary = z.object({
  id: z.uuid(),
  status: z.enum(importStatuses),
  file_name: z.string(),
  total_rows: z.number().int(),
  processed_rows: z.number().int(),
  counts,
  uploaded_by: z.string(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  finished_at: z.iso.datetime().nullable(),
  error: z.string().nullable(),
});

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

export const importList = z.object({ imports: z.array(importSummary), next_cursor: z.string().nullable() });

export const linesQuery = z.object({
  outcome: z.enum(lineOutcomes).optional(),
  level: z.enum(["error", "warning"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.coerce.number().int().min(0).optional(),
});

const lineMessage = z.object({ level: z.enum(["error", "warning"]), code: z.string(), message: z.string() });

export const lineList = z.object({
  lines: z.array(
    z.object({
      line: z.number().int(),
      employee_number: z.string(),
      outcome: z.enum(lineOutcomes),
      messages: z.array(lineMessage),
    }),
  ),
  next_cursor: z.number().int().nullable(),
});

export const usersQuery = z.object({
  import_id: z.uuid().optional(),
  imported_on: z.iso.date().optional(),
  q: z.string().max(200).optional(),
  location_id: z.coerce.number().int().optional(),
  role_id: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

export const user = z.object({
  employee_number: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string(),
  location: z.string().nullable(),
  role: z.string(),
  role_locked: z.boolean(),
  location_locked: z.boolean(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  last_import_id: z.string().nullable(),
  last_imported_at: z.iso.datetime().nullable(),
});

export const userList = z.object({ users: z.array(user), next_cursor: z.string().nullable() });

export const employeeParam = z.object({ employee_number: z.string().min(1).max(200) });

export const userChange = z
  .object({
    role_locked: z.boolean().optional(),
    location_locked: z.boolean().optional(),
    role_id: z.number().int().optional(),
    location_id: z.number().int().nullable().optional(),
  })
  .refine((v) => Object.values(v).some((value) => value !== undefined), {
    message: "Send at least one of role_locked, location_locked (true or false), role_id or location_id (an id from /api/roles or /api/locations; null for no location).",
  });

const locationText = z.string().trim().min(1).max(200);

export const locationInput = z.object({
  name: locationText,
  code: locationText.nullable().optional(),
  aliases: z.array(locationText).max(100).optional(),
});

export const location = z.object({
  id: z.number().int(),
  name: z.string(),
  code: z.string().nullable(),
  aliases: z.array(z.string()),
});

export const locationList = z.object({ locations: z.array(location) });

export const roleList = z.object({
  roles: z.array(z.object({ id: z.number().int(), name: z.string(), description: z.string(), permissions: z.array(z.string()) })),
});
