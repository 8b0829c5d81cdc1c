import { z } from "zod";
import * as s from "./schemas";

const json = (schema: z.ZodType) => ({ "application/json": { schema: z.toJSONSchema(schema, { io: "output" }) } });
const ok = (description: string, schema: z.ZodType) => ({ description, content: json(schema) });
const failure = (description: string) => ({ description, content: json(s.errorBody) });
const csv = (description: string) => ({ description, content: { "text/csv": { schema: { type: "string" } } } });

/** Query or path parameters, described from the same zod object the route validates with. */
function params(where: "query" | "path", schema: z.ZodObject) {
  const shape = z.toJSONSchema(schema, { io: "input" }) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(shape.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (shape.required ?? []).includes(name),
    schema: property,
  }));
}

const denied = { 401: failure("No valid API token."), 403: failure("The token's user lacks the permission.") };
const idParam = params("path", s.importIdParam);

let cached: object | undefined;

/** The OpenAPI 3.1 document of the JSON API, generated from the zod schemas the routes validate with. */
export function openApiDocument(): object {
  cached ??= {
    openapi: "3.1.0",
    info: {
      title: "Roster API",
      version: "1.0.0",
      description: "Bulk user import: upload a CSV of users, start the import, poll it, read its report.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/api/imports": {
        post: {
          summary: "Upload a CSV of users (text/csv body or multipart `file`); with start=true it also starts.",
          parameters: params("query", s.uploadQuery),
          requestBody: {
            required: true,
            content: {
              "text/csv": { schema: { type: "string" } },
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: { type: "string", format: "binary" } },
              "application/vnd.oasis.opendocument.spreadsheet": { schema: { type: "string", format: "binary" } },
              "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } },
            },
          },
          responses: {
            201: ok("The file was read; it is ready (or queued).", s.uploadedImport),
            413: failure("file_too_large or workbook_too_large"),
            415: failure("not_csv"),
            422: failure("empty_file, no_rows, missing_columns, duplicate_column, line_too_long, encrypted_workbook or unknown_sheet"),
            ...denied,
          },
        },
        get: {
          summary: "Imports, newest first.",
          parameters: params("query", s.pageQuery),
          responses: { 200: ok("A page of imports.", s.importList), ...denied },
        },
      },
      "/api/imports/{id}": {
        get: { summary: "One import.", parameters: idParam, responses: { 200: ok("The import.", s.importSummary), 404: failure("not_found"), ...denied } },
      },
      "/api/imports/{id}/start": {
        post: {
          summary: "Start a ready import. Starting again changes nothing.",
          parameters: idParam,
          responses: { 202: ok("Queued or already under way.", s.importSummary), 404: failure("not_found"), ...denied },
        },
      },
      "/api/imports/{id}/lines": {
        get: {
          summary: "Line outcomes in line order.",
          parameters: [...idParam, ...params("query", s.linesQuery)],
          responses: { 200: ok("A page of lines.", s.lineList), 404: failure("not_found"), ...denied },
        },
      },
      "/api/imports/{id}/report.csv": {
        get: { summary: "Every line: line, outcome, messages, then its values.", parameters: idParam, responses: { 200: csv("The report."), 404: failure("not_found"), ...denied } },
      },
      "/api/imports/{id}/failed.csv": {
        get: { summary: "The failed lines in the template's columns.", parameters: idParam, responses: { 200: csv("Failed lines."), 404: failure("not_found"), ...denied } },
      },
      "/api/template.csv": { get: { summary: "The import template.", security: [], responses: { 200: csv("The template.") } } },
      "/api/template.xlsx": {
        get: {
          summary: "The import template as an Excel workbook.",
          security: [],
          responses: { 200: { description: "The template.", content: { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: { type: "string", format: "binary" } } } } },
        },
      },
      "/api/users": {
        get: { summary: "Users, filtered.", parameters: params("query", s.usersQuery), responses: { 200: ok("A page of users.", s.userList), ...denied } },
      },
      "/api/users/{employee_number}": {
        get: { summary: "One user.", parameters: params("path", s.employeeParam), responses: { 200: ok("The user.", s.user), 404: failure("not_found"), ...denied } },
        patch: {
          summary: "Set a user's role and location (by id), and their locks, which keep those from imports.",
          parameters: params("path", s.employeeParam),
          requestBody: { required: true, content: json(s.userChange) },
          responses: { 200: ok("The user.", s.user), 404: failure("not_found"), 422: failure("invalid_input"), ...denied },
        },
      },
      "/api/locations": {
        get: { summary: "Locations.", responses: { 200: ok("Every location.", s.locationList), ...denied } },
        post: {
          summary: "Add a location.",
          requestBody: { required: true, content: json(s.locationInput) },
          responses: { 201: ok("The location.", s.location), 409: failure("location_exists"), ...denied },
        },
      },
      "/api/roles": { get: { summary: "Roles and their permissions.", responses: { 200: ok("Every role.", s.roleList), ...denied } } },
    },
  };
  return cached;
}
