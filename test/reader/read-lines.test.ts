import { describe, expect, it } from "vitest";
import { utf16 } from "../fixtures/encodings";
import { header, importFile, utf8 } from "./helpers";

const ann = "1,Ann,Lee,HQ,ann@example.com,Admin";
const bob = "2,Bob,Ray,HQ,bob@example.com,";
const cat = "3,Cat,Day,HQ,cat@example.com,";

async function linesOf(text: string): Promise<number[]> {
  const { records } = await importFile(utf8(text));
  return records.map((record) => record.line);
}

describe("records and line numbers", () => {
  it("counts CR-only line endings as Excel for Mac writes them", async () => {
    expect(await linesOf(`${header}\r${ann}\r${bob}\r`)).toEqual([2, 3]);
  });

  it("counts CRLF, LF and CR mixed in one file", async () => {
    expect(await linesOf(`${header}\r\n${ann}\n${bob}\r${cat}\r\n`)).toEqual([2, 3, 4]);
  });

  it("reads a last record without a final newline", async () => {
    const { records } = await importFile(utf8(`${header}\n${ann}\n${bob}`));
    expect(records.map((r) => [r.line, r.values.first_name])).toEqual([
      [2, "Ann"],
      [3, "Bob"],
    ]);
  });

  it("counts line breaks inside quoted fields, so later records keep the line an editor shows", async () => {
    const text = `${header}\r\n1,"Ann\r\nMarie",Lee,"HQ\nNorth",a@example.com,\r\n2,"Bob ""the"" Builder",Ray,"Site, 1",b@example.com,\r${cat}\n`;
    const { records } = await importFile(utf8(text));
    expect(records.map((r) => r.line)).toEqual([2, 5, 6]);
    expect(records[0]?.values.first_name).toBe("Ann\r\nMarie");
    expect(records[0]?.values.location).toBe("HQ\nNorth");
    expect(records[1]?.values.first_name).toBe('Bob "the" Builder');
    expect(records[1]?.values.location).toBe("Site, 1");
  });

  it.for([
    { name: "U+00A0", space: "\u00A0", encoding: "UTF-8" },
    { name: "U+3000", space: "\u3000", encoding: "UTF-8" },
    { name: "U+00A0", space: "\u00A0", encoding: "UTF-16" },
    { name: "U+3000", space: "\u3000", encoding: "UTF-16" },
  ])(
    "reads a closing quote followed by $name then a comma or a line break as the value's end, one record each ($encoding)",
    async ({ space, encoding }) => {
      const text = `${header}\r\n1,"Ann"${space},Lee,HQ,"ann@example.com"${space}\r\n2,"Bob\nBy"${space}\n${cat}\n`;
      const bytes = encoding === "UTF-8" ? utf8(text) : utf16(text, true);
      for (const pieceSize of [65536, 3]) {
        const { scan, records } = await importFile(bytes, { pieceSize, chunkRows: 2 });
        expect(scan.totalRows).toBe(3);
        expect(records.map((r) => [r.line, r.values.first_name, r.values.email, r.malformed])).toEqual([
          [2, "Ann", "ann@example.com", undefined],
          [3, "Bob\nBy", "", undefined],
          [5, "Cat", "cat@example.com", undefined],
        ]);
      }
    },
  );

  it("skips blank lines and rows of empty cells but keeps their lines in the count", async () => {
    const text = `${header}\n\n${ann}\n,,,,,\n   \n" ",,"",,,\n\t\n${bob}\n\n`;
    const { scan, records } = await importFile(utf8(text));
    expect(scan.totalRows).toBe(2);
    expect(records.map((r) => r.line)).toEqual([3, 8]);
  });

  it("skips a row of cells that hold only no-break or zero-width spaces", async () => {
    const { scan, records } = await importFile(utf8(`${header}\n${ann}\n\u00A0,\u200B,,,,\n${bob}\n`));
    expect(scan.totalRows).toBe(2);
    expect(records.map((r) => r.line)).toEqual([2, 4]);
  });

  it("honours an Excel sep=; first line and takes the header from line 2", async () => {
    const text = `sep=;\r\nEmployee Number;First Name;Last Name;Location;Email\r\n1;Ann;Lee;HQ;ann@example.com\r\n`;
    const { scan, records } = await importFile(utf8(text));
    expect(scan.format).toMatchObject({ delimiter: ";", headerLine: 2 });
    expect(records).toEqual([
      {
        line: 3,
        values: {
          employee_number: "1",
          first_name: "Ann",
          last_name: "Lee",
          location: "HQ",
          email: "ann@example.com",
          role: "",
        },
      },
    ]);
  });

  it("detects semicolons from the header even when values hold commas", async () => {
    const { scan, records } = await importFile(
      utf8(`${header.replaceAll(",", ";")}\n1;Ann;Lee, Jr;HQ;ann@example.com;\n`),
    );
    expect(scan.format.delimiter).toBe(";");
    expect(records[0]?.values.last_name).toBe("Lee, Jr");
  });

  it("accepts a trailing comma on every line", async () => {
    const { records } = await importFile(utf8(`${header},\n${ann},\n${bob},,\n`));
    expect(records.map((r) => r.malformed)).toEqual([undefined, undefined]);
  });

  it("reports a line with more values than the header has columns", async () => {
    const { records } = await importFile(utf8(`${header}\n${ann}\n${bob},extra,more\n`));
    expect(records[1]).toMatchObject({ line: 3, malformed: "Line 3 has 8 values but the header has 6 columns." });
    expect(records[0]?.malformed).toBeUndefined();
  });

  it("reads missing trailing values as empty", async () => {
    const { records } = await importFile(utf8(`${header}\n1,Ann,Lee\n`));
    expect(records[0]).toEqual({
      line: 2,
      values: { employee_number: "1", first_name: "Ann", last_name: "Lee", location: "", email: "", role: "" },
    });
  });

  it("reports a quote after a closing quote, which runs the value on to the next closing quote", async () => {
    const { records } = await importFile(
      utf8(`${header}\n1,"Ann"x,Lee,HQ,a@example.com,\n${bob}\n2,Bob",Ray,HQ,b@example.com,\n${cat}\n`),
    );
    expect(records.map((r) => r.line)).toEqual([2, 5]);
    expect(records[0]?.malformed).toMatch(
      /^Line 2 has a quote that is not closed properly; the record runs on to line 4\./,
    );
    expect(records[1]?.malformed).toBeUndefined();
  });

  it("keeps a quote in the middle of an unquoted value", async () => {
    const { records } = await importFile(utf8(`${header}\n2,Bo"b,Ray,HQ,b@example.com,6'2"\n`));
    expect(records[0]).toEqual({
      line: 2,
      values: {
        employee_number: "2",
        first_name: 'Bo"b',
        last_name: "Ray",
        location: "HQ",
        email: "b@example.com",
        role: `6'2"`,
      },
    });
  });

  it("reports an unclosed quote that runs to the end of the file", async () => {
    const { records } = await importFile(utf8(`${header}\n${ann}\n2,"Bob,Ray,HQ,b@example.com,\n${cat}\n`));
    expect(records.map((r) => r.line)).toEqual([2, 3]);
    expect(records[1]?.malformed).toMatch(
      /^Line 3 has a quote that is not closed properly; the record runs on to line 5\./,
    );
  });

  it("reports a stray quote inside a quoted value on one line", async () => {
    const { records } = await importFile(
      utf8(`${header}\n1,"Jeff "the dude" Bridges",Lee,HQ,a@example.com,\n${bob}\n`),
    );
    expect(records[0]?.malformed).toMatch(/^Line 2 has a quote in the wrong place\./);
    expect(records[1]).toMatchObject({ line: 3 });
  });

  it("accepts spaces between a closing quote and the delimiter", async () => {
    const { records } = await importFile(utf8(`${header}\n"1" ,"Ann"  ,Lee,HQ,a@example.com,"Admin"  \n`));
    expect(records[0]).toEqual({
      line: 2,
      values: {
        employee_number: "1",
        first_name: "Ann",
        last_name: "Lee",
        location: "HQ",
        email: "a@example.com",
        role: "Admin",
      },
    });
  });

  it("gives the same records and lines from chunks of 1, 2 and 3 rows as from one chunk", async () => {
    const text =
      `\r\n${header}\r\n${ann}\r\n\r\n"2","Bob\r\n\r\nRay",x,HQ,"b@example.com"\r,,,,,\n${cat}\r4,Dan,"O""Neil",HQ,d@example.com,,,\n` +
      `5,"Eve",Fox,HQ,e@example.com,Admin,extra\r\n\n6,Fay,"unclosed,HQ,f@example.com\n7,Gus,Hil,HQ,g@example.com`;
    const bytes = utf8(text);
    const whole = await importFile(bytes);
    expect(whole.records.map((r) => r.line)).toEqual([3, 5, 9, 10, 11, 13]);
    expect(whole.records.map((r) => r.malformed === undefined)).toEqual([true, true, true, true, false, false]);
    for (const chunkRows of [1, 2, 3]) {
      for (const pieceSize of [1, 3, 64]) {
        const small = await importFile(bytes, { chunkRows, pieceSize });
        expect(small.scan.totalRows).toBe(6);
        expect(small.scan.chunks.reduce((sum, c) => sum + c.rowCount, 0)).toBe(6);
        expect(small.records).toEqual(whole.records);
        for (const [i, chunk] of small.scan.chunks.entries()) {
          expect(chunk.rowCount).toBeLessThanOrEqual(chunkRows);
          if (i > 0) expect(chunk.byteStart).toBe(small.scan.chunks[i - 1]?.byteEnd);
        }
      }
    }
  });

  it("closes chunks by size as well as by row count", async () => {
    const lines = [header];
    for (let i = 0; i < 200; i++) lines.push(`${i},Ann,Lee,HQ,ann${i}@example.com,`);
    const bytes = utf8(lines.join("\n"));
    const { scan, records } = await importFile(bytes, { chunkRows: 1000, chunkBytes: 1000, previewRows: 3 });
    expect(scan.chunks.length).toBeGreaterThan(5);
    expect(scan.chunks[0]?.byteStart).toBe(header.length + 1);
    expect(scan.chunks.at(-1)?.byteEnd).toBe(bytes.length);
    expect(records.map((r) => r.line)).toEqual(lines.slice(1).map((_, i) => i + 2));
    expect(scan.preview).toEqual([
      { line: 2, values: ["0", "Ann", "Lee", "HQ", "ann0@example.com", ""] },
      { line: 3, values: ["1", "Ann", "Lee", "HQ", "ann1@example.com", ""] },
      { line: 4, values: ["2", "Ann", "Lee", "HQ", "ann2@example.com", ""] },
    ]);
  });

  it("counts the same users in the scan as the chunks give, on random messy files", async () => {
    const alphabet = ["a", "b", ",", ";", '"', '"', " ", "\n", "\r", "\r\n", "\u00A0", "é", "\u200B", "\t"];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 150; round++) {
      let body = "";
      const length = 1 + random(120);
      for (let i = 0; i < length; i++) body += alphabet[random(alphabet.length)];
      const bytes = utf8(`${header}\n${body}`);
      let whole;
      try {
        whole = await importFile(bytes);
      } catch (error) {
        expect((error as Error).name).toBe("FileRefused");
        continue;
      }
      expect(whole.records).toHaveLength(whole.scan.totalRows);
      const small = await importFile(bytes, { chunkRows: 1 + random(3), pieceSize: 1 + random(9) });
      expect(small.scan.totalRows).toBe(whole.scan.totalRows);
      expect(small.records).toEqual(whole.records);
    }
  });
});
