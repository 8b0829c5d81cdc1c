import type { OpenAPIHono } from "@hono/zod-openapi";

/** The OpenAPI 3.1 document as the generator makes it. */
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

export const documentConfig = {
  openapi: "3.1.0",
  info: {
    title: "Roster API",
    version: "1.0.0",
    description:
      'Bulk user import: upload a CSV of users, start the import, poll it, read its report. Send `Authorization: Bearer <token>` on every call but this document, the reference page and the template. Errors are `{ "error": { "code", "message" } }`. Lists page by `next_cursor`, an opaque string to send back as `cursor`.',
  },
  security: [{ bearer: [] }],
};

/** One operation of the document, as the reference page shows it. */
export type OperationView = {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string | null;
  needsToken: boolean;
  parameters: { name: string; in: string; required: boolean; description: string | null; schema: string }[];
  body: { mediaType: string; schema: string }[];
  responses: { status: string; description: string; mediaTypes: string[]; schema: string | null }[];
};

export type SchemaView = { name: string; schema: string };

const methods = ["get", "post", "put", "patch", "delete"] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** A schema as a person reads it: a component by its name, anything else as JSON. */
function showSchema(schema: unknown): string {
  if (isRecord(schema) && typeof schema.$ref === "string") return schema.$ref.replace("#/components/schemas/", "");
  return JSON.stringify(schema, null, 2);
}

/** The document's operations and named schemas in the plain shapes the reference page renders. */
export function describeOperations(doc: OpenApiDocument): {
  info: typeof documentConfig.info;
  operations: OperationView[];
  schemas: SchemaView[];
} {
  const operations: OperationView[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      const parameters = (op.parameters ?? []).flatMap((p) =>
        "$ref" in p
          ? []
          : [
              {
                name: p.name,
                in: p.in,
                required: p.required ?? false,
                description: p.description ?? null,
                schema: showSchema(p.schema),
              },
            ],
      );
      const requestBody = op.requestBody && !("$ref" in op.requestBody) ? op.requestBody : undefined;
      const body = Object.entries(requestBody?.content ?? {}).map(([mediaType, media]) => ({
        mediaType,
        schema: showSchema(media.schema),
      }));
      const responses = Object.entries(op.responses ?? {}).flatMap(([status, response]: [string, unknown]) => {
        if (!isRecord(response)) return [];
        const content = isRecord(response.content) ? response.content : {};
        const first = Object.values(content)[0];
        return [
          {
            status,
            description: typeof response.description === "string" ? response.description : "",
            mediaTypes: Object.keys(content),
            schema: isRecord(first) && first.schema !== undefined ? showSchema(first.schema) : null,
          },
        ];
      });
      operations.push({
        id: `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, "-"),
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? "",
        description: op.description ?? null,
        needsToken: (op.security ?? doc.security ?? []).length > 0,
        parameters,
        body,
        responses,
      });
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => ({
    name,
    schema: JSON.stringify(schema, null, 2),
  }));
  return { info: documentConfig.info, operations, schemas };
}
