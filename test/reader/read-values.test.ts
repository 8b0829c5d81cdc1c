import { describe, expect, it } from "vitest";
import { cleanValue } from "../../src/imports/read";
import { header, importFile, utf8 } from "./helpers";

describe("cleanValue", () => {
  it("trims ordinary spaces and tabs", () => {
    expect(cleanValue("  Ann \t")).toBe("Ann");
  });

  it("removes zero-width characters anywhere in a value, and no-break spaces at its ends", () => {
    expect(cleanValue("\u00A0ann\u200B@exam\u200Dple.com\u202F")).toBe("ann@example.com");
    expect(cleanValue("\u2007 12\u206034 \u200C")).toBe("1234");
  });

  it("keeps a no-break space between words as an ordinary space", () => {
    expect(cleanValue("Anne\u00A0Marie")).toBe("Anne Marie");
  });

  it("removes stray BOMs", () => {
    expect(cleanValue("\uFEFFEmployee Number")).toBe("Employee Number");
    expect(cleanValue("Ann\uFEFF")).toBe("Ann");
  });

  it("normalises names to NFC without changing the letters", () => {
    expect(cleanValue("Zoe\u0308")).toBe("Zoë");
    expect(cleanValue("\u212Bngstr\u00F6m")).toBe("\u00C5ngstr\u00F6m");
    expect(cleanValue("Nguyễn Thị")).toBe("Nguyễn Thị".normalize("NFC"));
  });

  it("drops the apostrophe a download put before a formula-like value, and keeps any other", () => {
    expect(cleanValue("'=HYPERLINK(1)")).toBe("=HYPERLINK(1)");
    expect(cleanValue(" '@SUM(A1) ")).toBe("@SUM(A1)");
    expect(cleanValue("'-5")).toBe("-5");
    expect(cleanValue("'Ohana")).toBe("'Ohana");
    expect(cleanValue("O'Brien")).toBe("O'Brien");
  });

  it("keeps values with nothing to clean as they are", () => {
    expect(cleanValue("O'Brien-Smith")).toBe("O'Brien-Smith");
    expect(cleanValue("")).toBe("");
  });
});

describe("values stay text", () => {
  it("keeps leading zeros", async () => {
    const { records } = await importFile(utf8(`${header}\n000123,Ann,Lee,0042,ann@example.com,\n`));
    expect(records[0]?.values).toMatchObject({ employee_number: "000123", location: "0042" });
  });

  it("keeps scientific notation as written", async () => {
    const { records } = await importFile(utf8(`${header}\n1.23E+11,Ann,Lee,1e5,ann@example.com,\n`));
    expect(records[0]?.values).toMatchObject({ employee_number: "1.23E+11", location: "1e5" });
  });

  it("keeps words that look like booleans, nulls and formulas", async () => {
    const { records } = await importFile(utf8(`${header}\nTRUE,null,NaN,=SUM(A1),ann@example.com,-1\n`));
    expect(records[0]?.values).toEqual({
      employee_number: "TRUE",
      first_name: "null",
      last_name: "NaN",
      location: "=SUM(A1)",
      email: "ann@example.com",
      role: "-1",
    });
  });

  it("cleans every value as it reads it", async () => {
    const { records } = await importFile(
      utf8(`${header}\n" 7 ",\u00A0Ann\u00A0,Lee\u200B,HQ , ann@example.com\u00A0,Admin\n`),
    );
    expect(records[0]?.values).toEqual({
      employee_number: "7",
      first_name: "Ann",
      last_name: "Lee",
      location: "HQ",
      email: "ann@example.com",
      role: "Admin",
    });
  });
});
