import { describe, expect, it } from "vitest";
import { header, refusalOf, utf8 } from "./helpers";

function withHead(head: number[], rest = "rest of the file"): Uint8Array {
  return new Uint8Array([...head, ...utf8(rest)]);
}

describe("refusals", () => {
  it.each([
    ["a 0-byte file", new Uint8Array(0)],
    ["a file of blank lines and spaces", utf8(" \r\n\n \t \n")],
    ["a file holding only a BOM", utf8("\uFEFF")],
    ["a file of empty cells only", utf8(",,,,\n,,,\n")],
  ])("refuses %s as empty", async (_, bytes) => {
    const error = await refusalOf(bytes);
    expect(error.code).toBe("empty_file");
    expect(error.message).toMatch(/empty/);
  });

  it("refuses a header without users", async () => {
    const error = await refusalOf(utf8(`${header}\r\n\r\n,,,,,\r\n`));
    expect(error.code).toBe("no_rows");
    expect(error.message).toContain("no users");
  });

  it.each([
    ["an xlsx workbook", [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ["an xls workbook", [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
    ["a PDF", [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31]],
    ["a PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ["a JPEG", [0xff, 0xd8, 0xff, 0xe0]],
    ["a GIF", [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]],
    ["a gzip archive", [0x1f, 0x8b, 0x08]],
  ])("refuses %s and says to save as CSV UTF-8", async (_, head) => {
    const error = await refusalOf(withHead(head));
    expect(error.code).toBe("not_csv");
    expect(error.message).toContain("CSV UTF-8");
  });

  it("refuses a file with a NUL byte near its start", async () => {
    const error = await refusalOf(utf8(`${header}\n1,Ann\u0000,Lee,HQ,a@example.com,\n`));
    expect(error.code).toBe("not_csv");
    expect(error.message).toContain("CSV UTF-8");
  });

  it("refuses UTF-16 without a BOM, which is full of NUL bytes", async () => {
    const text = `${header}\n`;
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) bytes[i * 2] = text.charCodeAt(i);
    expect((await refusalOf(bytes)).code).toBe("not_csv");
  });

  it("refuses a record longer than the limit, naming its line and hinting at a quote", async () => {
    const long = "x".repeat(2000);
    const error = await refusalOf(
      utf8(`${header}\n1,Ann,Lee,HQ,a@example.com,\n2,"${long},Lee,HQ,b@example.com,\n3,Cat,Day,HQ,c@example.com,\n`),
      {
        maxRecordBytes: 1000,
        pieceSize: 100,
      },
    );
    expect(error.code).toBe("line_too_long");
    expect(error.message).toContain("line 3");
    expect(error.message).toContain("quote");
  });

  it("refuses an unclosed quote that swallows the rest of a large file", async () => {
    const lines = [header, '1,"Ann,Lee,HQ,a@example.com,'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},Bob,Ray,HQ,b${i}@example.com,`);
    const error = await refusalOf(utf8(lines.join("\n")), { pieceSize: 4096 });
    expect(error.code).toBe("line_too_long");
    expect(error.message).toContain("line 2");
  });
});
