import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, stat, writeFile, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { strToU8, Zip, ZipDeflate } from "fflate";

const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const smallParts: Record<string, string> = {
  "[Content_Types].xml":
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
  "_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  "xl/workbook.xml": `<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  "xl/_rels/workbook.xml.rels":
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/>` +
    `<Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
};

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const columns = "ABCDEFGHIJ";

/**
 * Writes the benchmark's CSV of users as an .xlsx holding the same users, as Excel lays one out:
 * every text in shared strings, and the sheet stored before sharedStrings.xml, so the reader must
 * find the strings first by the zip's directory. Streams both ways (the CSV line by line, the zip
 * through fflate's Zip), holding only the table of distinct strings.
 */
export async function generateXlsx(csvPath: string, path: string): Promise<{ bytes: number; strings: number }> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let failed: Error | null = null;
  const zip = new Zip((err, chunk, final) => {
    if (err) failed = err;
    else out.write(chunk);
    if (final) out.end();
  });
  for (const [name, xml] of Object.entries(smallParts)) {
    const part = new ZipDeflate(name, { level: 6 });
    zip.add(part);
    part.push(strToU8(head + xml), true);
  }
  const strings = new Map<string, number>();
  const indexOf = (text: string) => {
    let index = strings.get(text);
    if (index === undefined) {
      index = strings.size;
      strings.set(text, index);
    }
    return index;
  };
  const sheet = new ZipDeflate("xl/worksheets/sheet1.xml", { level: 1 });
  zip.add(sheet);
  sheet.push(strToU8(`${head}<worksheet ${ns}><sheetData>`));
  let batch = "";
  let row = 0;
  for await (const line of createInterface({ input: createReadStream(csvPath), crlfDelay: Infinity })) {
    if (line === "") continue;
    row++;
    // The generated CSV has no quoted fields.
    const cells = line
      .split(",")
      .map((text, i) => (text === "" ? "" : `<c r="${columns[i]}${row}" t="s"><v>${indexOf(text)}</v></c>`));
    batch += `<row r="${row}">${cells.join("")}</row>`;
    if (batch.length > 256 * 1024) {
      sheet.push(strToU8(batch));
      batch = "";
      if (out.writableLength > 16 * 1024 * 1024) await once(out, "drain");
    }
  }
  sheet.push(strToU8(`${batch}</sheetData></worksheet>`), true);
  const shared = new ZipDeflate("xl/sharedStrings.xml", { level: 1 });
  zip.add(shared);
  shared.push(strToU8(`${head}<sst ${ns} count="${strings.size}" uniqueCount="${strings.size}">`));
  batch = "";
  for (const text of strings.keys()) {
    batch += `<si><t>${escapeXml(text)}</t></si>`;
    if (batch.length > 256 * 1024) {
      shared.push(strToU8(batch));
      batch = "";
      if (out.writableLength > 16 * 1024 * 1024) await once(out, "drain");
    }
  }
  shared.push(strToU8(`${batch}</sst>`), true);
  zip.end();
  await once(out, "finish");
  if (failed) throw failed;
  await rename(partial, path);
  const bytes = (await stat(path)).size;
  await writeFile(`${path}.json`, JSON.stringify({ csv: csvPath, bytes, strings: strings.size }, null, 2));
  return { bytes, strings: strings.size };
}

/** The workbook of this CSV, generated once and reused while its description is beside it. */
export async function ensureXlsx(
  csvPath: string,
): Promise<{ path: string; bytes: number; generatedMs: number | null }> {
  const path = csvPath.replace(/\.csv$/, ".xlsx");
  try {
    const described = JSON.parse(await readFile(`${path}.json`, "utf8")) as { bytes: number };
    if ((await stat(path)).size === described.bytes) return { path, bytes: described.bytes, generatedMs: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const started = performance.now();
  const { bytes } = await generateXlsx(csvPath, path);
  return { path, bytes, generatedMs: performance.now() - started };
}
