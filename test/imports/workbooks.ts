/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { findImport } from "../../src/db/imports";
import { openStoredFile } from "../../src/imports/stored-file";
import { call, db } from "../helpers";

/*
 * The workbooks of test/fixtures/workbooks (see its README). Workerd cannot read the host's
 * files, so Vite inlines each at build time as a base64 data URL, keeping its exact bytes.
 */
const inlined = import.meta.glob<string>("../fixtures/workbooks/*.{xlsx,ods,xls}", {
  query: "?url&inline",
  import: "default",
  eager: true,
});

/** The bytes of a fixture workbook, by file name. */
export function workbook(name: string): Uint8Array<ArrayBuffer> {
  const url = inlined[`../fixtures/workbooks/${name}`];
  if (url === undefined) throw new Error(`No fixture workbook ${name}`);
  return Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (char) => char.charCodeAt(0));
}

export const contentTypes = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
};

/** Uploads a workbook's bytes through the API, as an integrator's script would. */
export function uploadWorkbook(
  token: string,
  bytes: Uint8Array<ArrayBuffer>,
  query = "filename=users.xlsx",
  contentType = contentTypes.xlsx,
) {
  return call(token, `/api/imports?${query}`, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body: bytes,
  });
}

/** The CSV text an import reads (a workbook's sheet as stored), by the import's id. */
export async function storedCsv(importId: string): Promise<string> {
  const imp = await findImport(db, importId);
  if (!imp) throw new Error(`No import ${importId}`);
  const body = await openStoredFile(env.FILES, { key: imp.fileKey, size: imp.fileSize, pieces: imp.filePieces });
  if (!body) throw new Error("The stored file is missing.");
  return new Response(body).text();
}

/** Every object the uploads left in R2. */
export async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix: "imports/", cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return keys;
}
