/// <reference types="vite/client" />
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { cleanValue, FileRefused } from "../../src/imports/read";
import { readAllRecords, type AllRecords } from "../../src/imports/read/read-all-records";
import { readRawRecords } from "../../src/imports/read/read-chunk";
import { scanLayout } from "../../src/imports/read/scan-file";
import type { Delimiter } from "../../src/imports/read/types";
import { openBytes } from "./helpers";

/*
 * The public CSV corpus (test/fixtures/csv-corpus, its sources and licences in SOURCES.md). Workerd
 * cannot read the host's files, so Vite inlines every file at build time as a base64 data URL,
 * which keeps the exact bytes (Windows-1252, UTF-16, NULs) that `?raw` would mangle.
 */
const inlined = import.meta.glob<string>("../fixtures/csv-corpus/**/*", {
  query: "?url&inline",
  import: "default",
  eager: true,
});
const prefix = "../fixtures/csv-corpus/";

function decodeDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(",");
  const payload = url.slice(comma + 1);
  if (url.slice(0, comma).endsWith(";base64")) return Uint8Array.from(atob(payload), (char) => char.charCodeAt(0));
  return new TextEncoder().encode(decodeURIComponent(payload));
}

const corpus = new Map<string, Uint8Array>();
for (const [path, url] of Object.entries(inlined)) corpus.set(path.slice(prefix.length), decodeDataUrl(url));
if (corpus.size === 0) throw new Error("test/fixtures/csv-corpus is empty: the corpus tests need it");

function file(path: string): Uint8Array {
  const bytes = corpus.get(path);
  if (bytes === undefined) throw new Error(`corpus file ${path} is missing`);
  return bytes;
}

function text(path: string): string {
  return new TextDecoder().decode(file(path));
}

function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => cleanValue(field) === "");
}

const anyBreak = /\r\n|\r/g;

/**
 * Papaparse's non-blank rows for a text read the way Roster reads it: papaparse keeps to one kind
 * of line break per parse, Roster ends a line at every kind (as a text editor does), so every break
 * becomes "\n" first. Breaks inside quoted values change too, so compare with `sameBreaks`.
 */
function papaparseRows(source: string, delimiter: string): string[][] {
  const parsed = Papa.parse<string[]>(source.replace(anyBreak, "\n"), {
    delimiter,
    newline: "\n",
    header: false,
    skipEmptyLines: false,
  });
  return parsed.data.filter((row) => !isBlank(row));
}

/** Fields with every line break as "\n", to compare with `papaparseRows`. */
const sameBreaks = (rows: string[][]) => rows.map((fields) => fields.map((field) => field.replace(anyBreak, "\n")));

async function readOrRefuse(
  bytes: Uint8Array,
  options: { chunkRows?: number } = {},
): Promise<AllRecords | FileRefused> {
  try {
    return await readAllRecords(bytes, options);
  } catch (error) {
    if (error instanceof FileRefused) return error;
    throw error;
  }
}

/** Header then records, as raw field lists. */
function rowsOf(read: AllRecords): string[][] {
  return [read.headers, ...read.records.map((record) => record.fields)];
}

/** How many physical lines a text editor shows for these bytes (one unit per byte is enough for counting). */
function countLines(bytes: Uint8Array, unit: 1 | 2, low: 0 | 1): number {
  let lines = 1;
  for (let i = 0; i + unit <= bytes.length; i += unit) {
    const high = unit === 2 ? bytes[i + 1 - low] : 0;
    if (high !== 0) continue;
    const b = bytes[i + low];
    if (b === 0x0a) lines++;
    else if (b === 0x0d) {
      const next = bytes[i + unit + low];
      const nextHigh = unit === 2 ? bytes[i + unit + 1 - low] : 0;
      if (!(next === 0x0a && nextHigh === 0)) lines++;
    }
  }
  return lines;
}

/** The single line-break style of a text, or null when it mixes them. */
function lineBreakOf(source: string): "\n" | "\r" | "\r\n" | null {
  const crlf = source.split("\r\n").length - 1;
  const cr = source.split("\r").length - 1 - crlf;
  const lf = source.split("\n").length - 1 - crlf;
  const kinds = [crlf > 0, cr > 0, lf > 0].filter(Boolean).length;
  if (kinds > 1) return null;
  return cr > 0 ? "\r" : lf > 0 ? "\n" : "\r\n";
}

describe("every corpus file", () => {
  const paths = [...corpus.keys()].sort();

  it.for(paths)("reads %s fully or refuses it with a reason, the same in small chunks", async (path) => {
    const bytes = file(path);
    const whole = await readOrRefuse(bytes);
    if (whole instanceof FileRefused) {
      expect(whole.message.length).toBeGreaterThan(20);
      return;
    }

    // Small chunks and a stream in tiny pieces read the same records on the same lines.
    const layout = await scanLayout(openBytes(bytes, 7), { chunkRows: 2, chunkBytes: 1 << 20, previewRows: 3 });
    expect(layout.totalRows).toBe(whole.records.length);
    expect(layout.chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0)).toBe(whole.records.length);
    const chunked = layout.chunks.flatMap((chunk) =>
      readRawRecords(bytes.subarray(chunk.byteStart, chunk.byteEnd), layout.encoding, layout.delimiter, chunk.firstLine)
        .filter((record) => !record.blank)
        .map((record) => ({ line: record.line, fields: record.fields })),
    );
    expect(chunked).toEqual(whole.records.map(({ line, fields }) => ({ line, fields })));

    // Lines only grow and never pass the end of the file.
    const unit = whole.encoding.startsWith("utf-16") ? 2 : 1;
    const lastLine = countLines(bytes, unit, whole.encoding === "utf-16be" ? 1 : 0);
    let previous = whole.headerLine;
    for (const record of whole.records) {
      expect(record.line).toBeGreaterThan(previous);
      expect(record.line).toBeLessThanOrEqual(lastLine);
      previous = record.line;
    }

    // Against papaparse reading the whole text at once: where the file keeps to one kind of line
    // break, every non-blank row papaparse sees is a record here (or the header), field for field.
    const source = new TextDecoder(whole.encoding).decode(bytes).replace(/^\uFEFF/, "");
    const newline = lineBreakOf(source);
    const sepLine = (rows: string[][]) =>
      whole.headerLine === 2 && rows[0]?.[0]?.startsWith("sep=") ? rows.slice(1) : rows;
    if (newline === null) {
      // Mixed kinds of line break: compare with every break as "\n".
      expect(sameBreaks(rowsOf(whole))).toEqual(sepLine(papaparseRows(source, whole.delimiter)));
      return;
    }
    const direct = Papa.parse<string[]>(source, {
      delimiter: whole.delimiter,
      newline,
      header: false,
      skipEmptyLines: false,
    }).data;
    expect(rowsOf(whole)).toEqual(sepLine(direct.filter((row) => !isBlank(row))));
  });
});

describe("csv-spectrum expected results", () => {
  const names = [...corpus.keys()]
    .filter((path) => path.startsWith("csv-spectrum/csvs/"))
    .map((path) => path.slice("csv-spectrum/csvs/".length, -4));
  const fixtureBug = "location_coordinates";

  it.for(names.filter((name) => name !== fixtureBug))("reads %s as csv-spectrum expects", async (name) => {
    const expected = JSON.parse(text(`csv-spectrum/json/${name}.json`)) as Record<string, string>[];
    const read = await readAllRecords(file(`csv-spectrum/csvs/${name}.csv`));
    const headers = Object.keys(expected[0] ?? {});
    expect(read.headers).toEqual(headers);
    expect(read.records.map((record) => record.fields)).toEqual(
      expected.map((row) => headers.map((header) => row[header] ?? "")),
    );
  });
  // location_coordinates: upstream's expected JSON is an object with a different phone number, a
  // known fixture bug; the file is still compared with papaparse under "every corpus file".
});

type PapaCase = {
  description: string;
  input: string;
  config?: Record<string, unknown>;
  expected: { data: string[][]; errors: { type: string }[] };
};

describe("papaparse test cases", () => {
  const all = JSON.parse(text("papaparse/papaparse_test_cases.extracted.json")) as {
    CORE_PARSER_TESTS: PapaCase[];
    PARSE_TESTS: PapaCase[];
  };
  const cases = [
    ...all.CORE_PARSER_TESTS.map((test) => ({ kind: "core", description: test.description, test })),
    ...all.PARSE_TESTS.map((test) => ({ kind: "parse", description: test.description, test })),
  ].map((c) => {
    // Where papaparse guesses the delimiter, take its guess; Roster guesses from the header line instead.
    const delimiter = String(
      c.test.config?.delimiter ?? (c.kind === "parse" ? Papa.parse(c.test.input).meta.delimiter : ","),
    );
    return { ...c, delimiter, reason: whyNotCompared(c.kind, c.test, delimiter) };
  });

  /** Why papaparse's expected result does not apply to Roster, or null when it does. */
  function whyNotCompared(kind: string, test: PapaCase, delimiter: string): string | null {
    const unsupported = Object.keys(test.config ?? {}).filter(
      (option) => option !== "delimiter" && option !== "newline",
    );
    // Comments, headers as keys, typed values, previews, transforms, custom quotes and escapes are
    // options Roster does not offer: its files always have a header line and every value is text.
    if (unsupported.length > 0) return `papaparse options Roster does not offer: ${unsupported.join(", ")}`;
    if (delimiter !== "," && delimiter !== ";" && delimiter !== "\t")
      return `delimiter ${JSON.stringify(delimiter)}: Roster reads comma, semicolon and tab only`;
    const newline = test.config?.newline ?? (kind === "core" ? "\n" : undefined);
    const breaks = lineBreakOf(test.input);
    if (breaks === null)
      return "mixes kinds of line break: papaparse keeps to the first kind, Roster ends a line at every kind, as a text editor does";
    if (newline !== undefined && /[\r\n]/.test(test.input) && breaks !== newline) {
      return "pins papaparse to one kind of line break and keeps the others as text; Roster ends a line at every kind, as a text editor does";
    }
    return null;
  }

  it.for(cases.filter((c) => c.reason === null))("$kind: $description", ({ test, delimiter }) => {
    const records = readRawRecords(new TextEncoder().encode(test.input), "utf-8", delimiter as Delimiter, 1);
    expect(records.filter((r) => !r.blank).map((r) => r.fields)).toEqual(
      test.expected.data.filter((row) => !isBlank(row)),
    );
    const quoteErrorExpected = test.expected.errors.some((error) => error.type === "Quotes");
    expect(records.some((record) => record.quoteError)).toBe(quoteErrorExpected);
  });
  // Where papaparse's expected result comes from an option or a line-break rule Roster does not
  // share, Roster is compared with papaparse reading the same text Roster's way instead.
  const rosterDelimiter = (delimiter: string): Delimiter => (delimiter === ";" || delimiter === "\t" ? delimiter : ",");
  it.for(cases.filter((c) => c.reason !== null))(
    "$kind: $description, read Roster's way ($reason)",
    ({ test, delimiter }) => {
      const records = readRawRecords(new TextEncoder().encode(test.input), "utf-8", rosterDelimiter(delimiter), 1);
      expect(sameBreaks(records.filter((r) => !r.blank).map((r) => r.fields))).toEqual(
        papaparseRows(test.input, rosterDelimiter(delimiter)),
      );
    },
  );
});

describe("commons-csv expected records", () => {
  const controls = [...corpus.keys()]
    .filter((path) => /^commons-csv\/CSVFileParser\/test.*\.txt$/.test(path))
    .map((control) => {
      const [first = "", , ...expectedLines] = text(control).split("\n");
      const [dataFile = "", ...settings] = first.split(" ");
      const optional = settings.some(
        (setting) => setting.startsWith("CommentStart") || setting.startsWith("IgnoreSpaces"),
      );
      return { control, dataFile, settings, expectedLines, optional };
    });

  it.for(controls.filter((c) => !c.optional))(
    "reads the records $control expects",
    async ({ dataFile, expectedLines }) => {
      const expected = expectedLines
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.slice(line.indexOf(":") + 1))
        .filter((record) =>
          record
            .slice(1, -1)
            .split(", ")
            .some((value) => value.trim() !== ""),
        );
      const read = await readAllRecords(file(`commons-csv/CSVFileParser/${dataFile}`));
      expect(rowsOf(read).map((fields) => `[${fields.join(", ")}]`)).toEqual(expected);
    },
  );
  // Controls with CommentStart or IgnoreSpaces test options Roster does not offer (comment lines,
  // trimming inside quotes); their data files are compared with papaparse under "every corpus file".
});

type CsvwRow = { url: string; describes: Record<string, unknown>[] };
type CsvwMetadata = {
  url?: string;
  dialect?: Record<string, unknown>;
  tableSchema?: { columns?: { name?: string; titles?: string; datatype?: unknown }[] };
};

describe("csvw expected output", () => {
  const tests = [...corpus.keys()]
    .filter((path) => /^csvw-tests\/test\d+\.json$/.test(path))
    .map((path) => {
      const name = path.slice("csvw-tests/".length, -5);
      const metadataPath = `csvw-tests/${name}-metadata.json`;
      const metadata = corpus.has(metadataPath) ? (JSON.parse(text(metadataPath)) as CsvwMetadata) : {};
      return { name, metadata, dataFile: `csvw-tests/${metadata.url ?? `${name}.csv`}` };
    })
    .map((t) => ({ ...t, reason: whyNotCompared(t.name, t.metadata) }));

  /** Why the W3C suite's expected output does not apply to Roster, or null when it does. */
  function whyNotCompared(name: string, metadata: CsvwMetadata): string | null {
    const dialect = metadata.dialect ?? {};
    if (name === "test019" || "header" in dialect) return "a headerless file: Roster needs the header line";
    if (name === "test051" || name === "test052" || "commentPrefix" in dialect)
      return '"#" comment lines are not a Roster option';
    if ((dialect.trim !== undefined && dialect.trim !== "false") || "skipInitialSpace" in dialect)
      return "a trimming dialect: raw fields are compared here, and trimming is cleanValue's job";
    if (JSON.stringify(metadata).includes('"null":'))
      return "a null annotation turns matching cells into nulls; Roster keeps every value as text";
    return null;
  }

  it.for(tests.filter((t) => t.reason === null))(
    "reads $name as the W3C suite expects",
    async ({ name, metadata, dataFile }) => {
      const expected = JSON.parse(text(`csvw-tests/${name}.json`)) as { tables: { row: CsvwRow[] }[] };
      const read = await readAllRecords(file(dataFile));
      const schema = metadata.tableSchema?.columns;
      const rows = expected.tables[0]?.row ?? [];
      expect(read.records.map((record) => record.line)).toEqual(
        rows.map((row) => Number(/#row=(\d+)$/.exec(row.url)?.[1])),
      );
      rows.forEach((row, index) => {
        const fields = read.records[index]?.fields ?? [];
        read.headers.forEach((header, column) => {
          const described = schema?.[column];
          // Typed columns (dates, numbers) are converted by csvw; Roster keeps every value as text.
          if (described?.datatype !== undefined && described.datatype !== "string") return;
          const key = described?.name ?? described?.titles ?? header;
          const value: unknown = row.describes[0]?.[key];
          if (value !== undefined && typeof value !== "string") return;
          if (value === undefined) expect(cleanValue(fields[column] ?? "")).toBe("");
          else expect(fields[column]).toBe(value);
        });
      });
    },
  );
  // The others use a dialect or annotation Roster does not offer (see whyNotCompared); their data
  // files are compared with papaparse under "every corpus file".
});
