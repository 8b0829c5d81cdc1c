import { beforeAll, describe, expect, it } from "vitest";
import { pieceBytes } from "../../src/imports/stored-file";
import { createTestLocation, createUserWithToken, importCsv, storedUser, unique, uploadCsv } from "../helpers";
import { utf16, windows1252 } from "../fixtures/encodings";

let token: string;
let site: { name: string };

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  site = await createTestLocation();
});

describe("files as the tools write them", () => {
  it("imports O’Brien from an Excel CSV in Windows-1252", async () => {
    const n = unique("w");
    const bytes = windows1252(
      `employee_number,first_name,last_name,location,email\r\n${n},Zoé,O’Brien,${site.name},${n}@example.com\r\n`,
    );
    const upload = (await (await uploadCsv(token, bytes)).json()) as { encoding: string };
    expect(upload.encoding).toBe("windows-1252");
    const { imp } = await importCsv(token, bytes);
    expect(imp.counts.created).toBe(1);
    expect(await storedUser(n)).toMatchObject({ firstName: "Zoé", lastName: "O’Brien" });
  });

  it("imports a large Windows-1252 file whose first non-UTF-8 byte comes late", async () => {
    // The upload is scanned as it streams in, as UTF-8 until a byte says otherwise; this file
    // is read again from storage, as Windows-1252, after more than one stored piece.
    const n = unique("wl");
    const rows = Array.from({ length: 9_000 }, (_, i) => `${n}-${i},Ann,Lee,${site.name},${n}-${i}@example.com`);
    rows.push(`${n}-last,Zoé,O’Brien,${site.name},${n}-last@example.com`);
    const bytes = windows1252(`employee_number,first_name,last_name,location,email\r\n${rows.join("\r\n")}\r\n`);
    expect(bytes.length).toBeGreaterThan(2 * pieceBytes);
    const { imp, line } = await importCsv(token, bytes);
    expect(imp).toMatchObject({ total_rows: 9_001, counts: { created: 9_001, failed: 0 } });
    expect(line(9_002)?.outcome).toBe("created");
    expect(await storedUser(`${n}-last`)).toMatchObject({ firstName: "Zoé", lastName: "O’Brien" });
  });

  for (const littleEndian of [true, false]) {
    it(`imports Excel's Unicode Text (UTF-16 ${littleEndian ? "LE" : "BE"}, tabs)`, async () => {
      const n = unique("u16");
      const text = `Employee Number\tFirst Name\tLast Name\tLocation\tEmail Address\r\n${n}\t李\t小龍\t${site.name}\t${n}@example.com\r\n`;
      const bytes = utf16(text, littleEndian);
      const upload = (await (await uploadCsv(token, bytes)).json()) as { encoding: string; delimiter: string };
      expect(upload).toMatchObject({ encoding: littleEndian ? "utf-16le" : "utf-16be", delimiter: "\t" });
      await importCsv(token, bytes);
      expect(await storedUser(n)).toMatchObject({ firstName: "李", lastName: "小龍" });
    });
  }

  it("honours Excel's sep=; line and keeps line numbers as an editor shows them", async () => {
    const n = unique("sep");
    const csv = `sep=;\nemployee_number;first_name;last_name;location;email\n${n}a;A;A;${site.name};${n}a@example.com\n${n}b;B;B;Atlantis;${n}b@example.com\n`;
    const { imp, line } = await importCsv(token, csv);
    expect(imp.counts).toMatchObject({ created: 1, failed: 1 });
    expect(line(4)?.messages[0]?.code).toBe("unknown_location");
  });

  it("counts CR-only line ends, blank lines and line breaks inside quotes", async () => {
    const n = unique("cr");
    const csv = [
      "employee_number,first_name,last_name,location,email",
      `${n}a,"Mary\rAnn",Smith,${site.name},${n}a@example.com`,
      "",
      ",,,,",
      `${n}b,Bob,Jones,Nowhere,${n}b@example.com`,
    ].join("\r");
    const { imp, lines } = await importCsv(token, csv);
    expect(imp.total_rows).toBe(2);
    expect(lines.map((l) => [l.line, l.outcome])).toEqual([
      [2, "created"],
      [6, "failed"],
    ]);
    expect((await storedUser(`${n}a`))?.firstName).toBe("Mary\rAnn");
  });

  it("refuses a file with two columns that mean the same thing, naming them", async () => {
    const res = await uploadCsv(
      token,
      "Employee ID,Username,First Name,Last Name,Site,Email\n1,1,A,B,C,d@example.com\n",
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("duplicate_column");
    expect(body.error.message).toContain("Employee ID");
    expect(body.error.message).toContain("Username");
  });

  it("refuses a record that runs past the length limit, naming its line", async () => {
    const res = await uploadCsv(
      token,
      `employee_number,first_name,last_name,location,email\n1,"never closed,A,B,C\n${"x,".repeat(40_000)}\n`,
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("line_too_long");
    expect(body.error.message).toContain("line 2");
  });
});
