import { describe, expect, it } from "vitest";
import { header, importFile, utf8 } from "./helpers";
import { utf16, windows1252 } from "../fixtures/encodings";

describe("encodings", () => {
  it("reads O’Brien from a Windows-1252 file", async () => {
    const bytes = windows1252(`${header}\r\n7,Liam,O’Brien,Cork,liam@example.com,\r\n`);
    const { scan, records } = await importFile(bytes);
    expect(scan.format.encoding).toBe("windows-1252");
    expect(records[0]?.values.last_name).toBe("O’Brien");
  });

  it("restarts as Windows-1252 when the first invalid byte comes after many valid lines", async () => {
    const lines = [header];
    for (let i = 0; i < 5000; i++) lines.push(`${i},Ann,Lee,HQ,ann${i}@example.com,`);
    lines.push("9999,José,Pérez,HQ,jose@example.com,");
    const bytes = windows1252(`${lines.join("\n")}\n`);
    const { scan, records } = await importFile(bytes, { pieceSize: 4096, chunkRows: 700 });
    expect(scan.format.encoding).toBe("windows-1252");
    expect(records).toHaveLength(5001);
    expect(records.at(-1)?.values).toMatchObject({ first_name: "José", last_name: "Pérez" });
    expect(records.at(-1)?.line).toBe(5002);
  });

  it("reads UTF-8 with a BOM and keeps the first header intact", async () => {
    const { scan, records } = await importFile(utf8(`\uFEFF${header}\n1,Zoë,Ång,HQ,zoe@example.com,\n`));
    expect(scan.format.columns[0]?.field).toBe("employee_number");
    expect(records[0]?.values).toMatchObject({ employee_number: "1", first_name: "Zoë", last_name: "Ång" });
  });

  it("reads names in any script exactly", async () => {
    const { records } = await importFile(
      utf8(
        `${header}\n1,美咲,山田,東京,misaki@example.com,\n2,Αλέξης,Παππάς,Αθήνα,alexis@example.com,\n3,محمد,علي,Dubai,m@example.com,\n`,
      ),
    );
    expect(records.map((r) => `${r.values.first_name} ${r.values.last_name}`)).toEqual([
      "美咲 山田",
      "Αλέξης Παππάς",
      "محمد علي",
    ]);
  });

  it("reads a UTF-16 LE tab-separated Unicode Text export", async () => {
    const text =
      "Employee Number\tFirst Name\tLast Name\tLocation\tEmail\r\n0042\tSørina\tO’Neil\tOslo\tsorina@example.com\r\n";
    const bytes = utf16(text, true);
    const { scan, records } = await importFile(bytes, { pieceSize: 7 });
    expect(scan.format).toMatchObject({ encoding: "utf-16le", delimiter: "\t" });
    expect(scan.chunks[0]?.byteStart).toBe(2 + (text.indexOf("\r\n") + 2) * 2);
    for (const chunk of scan.chunks) expect(chunk.byteStart % 2).toBe(0);
    expect(records).toEqual([
      {
        line: 2,
        values: {
          employee_number: "0042",
          first_name: "Sørina",
          last_name: "O’Neil",
          location: "Oslo",
          email: "sorina@example.com",
          role: "",
        },
      },
    ]);
  });

  it("reads a UTF-16 BE file with a BOM", async () => {
    const { scan, records } = await importFile(
      utf16(`${header}\n1,Ana,Lima,Rio,ana@example.com,\n2,Ćiro,Đukić,Split,c@example.com,`, false),
    );
    expect(scan.format.encoding).toBe("utf-16be");
    expect(records.map((r) => [r.line, r.values.first_name, r.values.last_name])).toEqual([
      [2, "Ana", "Lima"],
      [3, "Ćiro", "Đukić"],
    ]);
  });

  it("plans each UTF-16 chunk to end just past its record's CRLF, LF or CR, however the pieces fall", async () => {
    const records = [
      `1,"Ann\r\nMarie",Lee,HQ,a@example.com,\r\n`,
      `2,Bob,Ray,HQ,b@example.com,\n`,
      `3,Cat,Day,HQ,c@example.com,\r`,
    ];
    const text = `${header}\r\n${records.join("")}4,Dan,Orr,HQ,d@example.com,`;
    const bytes = utf16(text, false);
    // Two bytes of BOM, then two bytes per UTF-16 unit.
    let at = 2 + (header.length + 2) * 2;
    const expected = [...records, "4,Dan,Orr,HQ,d@example.com,"].map((record) => {
      const range = { byteStart: at, byteEnd: at + record.length * 2 };
      at = range.byteEnd;
      return range;
    });
    for (const pieceSize of [3, 4, 65536]) {
      const { scan } = await importFile(bytes, { chunkRows: 1, pieceSize });
      expect(scan.chunks.map(({ byteStart, byteEnd }) => ({ byteStart, byteEnd }))).toEqual(expected);
      expect(scan.chunks.map((chunk) => chunk.firstLine)).toEqual([2, 4, 5, 6]);
    }
  });

  it("plans UTF-16 chunks that give the same records as one chunk", async () => {
    const lines = [header];
    for (let i = 0; i < 40; i++) lines.push(`${i},"Ann\r\n${i}",Lee,HQ,a${i}@example.com,`);
    const bytes = utf16(lines.join("\r"), true);
    const whole = await importFile(bytes);
    const small = await importFile(bytes, { chunkRows: 3, pieceSize: 5 });
    expect(small.scan.chunks.length).toBe(14);
    expect(small.records).toEqual(whole.records);
    expect(whole.records.at(-1)?.line).toBe(80);
  });
});
