import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeUpload } from "../../src/imports/store-upload";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import {
  formatNumber,
  isDateFormat,
  numberLookOf,
  serialToIso,
  showNumber,
} from "../../src/imports/workbook/cell-values";
import { readWorkbook } from "../../src/imports/workbook/read-workbook";
import { unique } from "../helpers";
import { workbook } from "./workbooks";

/** A fixture stored as an upload is, then read: the chosen sheet's CSV and the sheets. */
async function readFixture(name: string, sheet: string | null = null) {
  return readBytes(workbook(name), sheet);
}

async function readBytes(bytes: Uint8Array<ArrayBuffer>, sheet: string | null = null) {
  const key = `test/${unique("book")}.gz`;
  const stored = await storeUpload(env.FILES, key, new Blob([bytes]).stream(), { maxBytes: 1 << 26, size: null }, {});
  const book = await readWorkbook(env.FILES, { key, ...stored }, sheet);
  const csv = await new Response(book.csv).text();
  return { csv, ...book.sheets() };
}

describe("workbooks saved by Excel", () => {
  it("reads Thai, Japanese, Russian, Hindi and Arabic text as Excel shows it", async () => {
    const { csv, kind, sheets } = await readFixture("excel-utf8.xlsx");
    expect({ kind, sheets }).toEqual({ kind: "xlsx", sheets: [{ name: "Sheet1", hidden: false }] });
    // xlsx2csv's expected output for the same file.
    expect(csv).toBe(
      "สวัสดี ครับ,Thai language\nこんにちは,Japanese language\nЗдравствуйте,Russian language\nनमस्ते,Hindi\nالسلام عليكم,Arabic\n",
    );
  });

  it("lists both sheets of an Excel workbook in tab order and reads either", async () => {
    const first = await readFixture("excel-sheets.xlsx");
    expect(first.sheets).toEqual([
      { name: "Реестр", hidden: false },
      { name: "Вариант использования", hidden: false },
    ]);
    expect(first.sheet).toBe("Реестр");
    // As xlsx2csv reads it: the version is text, "1.0", and kept so.
    expect(first.csv.split("\n").slice(0, 2)).toEqual([
      "№,URL,Название,Вер.,Сост.,Аналитик,Заказчик",
      "1,url,<<Шаблон сценария>>,1.0,Подп.,Фамилия ,Фамилия",
    ]);
    const second = await readFixture("excel-sheets.xlsx", "Вариант использования");
    expect(second.csv.split("\n").slice(0, 2)).toEqual([
      "№,Элемент,Описание,Результат шага (Выход),Ссылки",
      "1,Номер,Полный код (номер) сценария",
    ]);
  });
});

/** A LibreOffice fixture with its parts' text changed, to take away one of the ways it says how a cell looks. */
function editedOds(name: string, edit: (part: string, text: string) => string): Uint8Array<ArrayBuffer> {
  const parts = unzipSync(workbook(name));
  for (const part of ["content.xml", "styles.xml"]) {
    const bytes = parts[part];
    if (bytes) parts[part] = strToU8(edit(part, strFromU8(bytes)));
  }
  // The mimetype stays first and stored, as in the original.
  const { mimetype, ...rest } = parts;
  if (!mimetype) throw new Error(`${name} has no mimetype`);
  return zipSync({ mimetype: [mimetype, { level: 0 }], ...rest }) as Uint8Array<ArrayBuffer>;
}

const paddedColumns = (csv: string) => csv.split("\n").map((line) => [line.split(",")[0], line.split(",")[7]]);

describe("numbers padded with zeros in an .ods", () => {
  const expected = [
    ["employee_number", "desk"],
    ["001234", "0042"],
    ["123456", "12345"],
    ["5678", undefined],
    ["", undefined],
  ];

  it("pads by the cell's number style when its shown text says nothing", async () => {
    const bytes = editedOds("formats.ods", (part, text) =>
      part === "content.xml" ? text.replace(/<text:p>00(\d+)<\/text:p>/g, "<text:p>$1</text:p>") : text,
    );
    expect(paddedColumns((await readBytes(bytes)).csv)).toEqual(expected);
  });

  it("pads by a column's default style when the cell names no style of its own", async () => {
    const bytes = editedOds("formats.ods", (part, text) => {
      if (part !== "content.xml") return text;
      // The styles LibreOffice gave the employee number 1234 and the desk 42, moved to their columns.
      const styleOf = (value: string) => {
        const style = new RegExp(`table:style-name="([^"]+)" office:value-type="float" office:value="${value}"`).exec(
          text,
        )?.[1];
        if (style === undefined) throw new Error(`formats.ods has no styled cell of ${value}`);
        return style;
      };
      const [employee, desk] = [styleOf("1234"), styleOf("42")];
      const columns = /<table:table-column [^>]*\/>(?:<table:table-column [^>]*\/>)*/.exec(text)?.[0];
      if (columns === undefined) throw new Error("formats.ods declares no columns");
      const column = (style: string, repeat = 1) =>
        `<table:table-column${repeat > 1 ? ` table:number-columns-repeated="${repeat}"` : ""} table:default-cell-style-name="${style}"/>`;
      return text
        .replace(columns, column(employee) + column("Default", 5) + column("Default") + column(desk))
        .replace(/<text:p>00(\d+)<\/text:p>/g, "<text:p>$1</text:p>")
        .replace(/ table:style-name="[^"]+" office:value-type="float"/g, ' office:value-type="float"');
    });
    // Row 4's 5678 is in column A too now, so it is padded as the spreadsheet would show it.
    expect(paddedColumns((await readBytes(bytes)).csv)).toEqual([
      ...expected.slice(0, 3),
      ["005678", undefined],
      ["", undefined],
    ]);
  });

  it("pads as the cell's shown text does when its number style is unknown", async () => {
    const bytes = editedOds("formats.ods", (part, text) =>
      part === "styles.xml" ? text.replace(/ number:min-integer-digits="\d+"/g, "") : text,
    );
    expect(paddedColumns((await readBytes(bytes)).csv)).toEqual(expected);
  });
});

describe("cell values as a person sees them", () => {
  it("shows a number in a zeros-only format padded to its width, as Excel and LibreOffice do", () => {
    const sixDigits = numberLookOf(165, "000000");
    expect(sixDigits).toEqual({ kind: "padded", digits: 6 });
    expect(showNumber("1234", sixDigits)).toBe("001234");
    expect(showNumber("1234567", sixDigits)).toBe("1234567");
    expect(showNumber("-42", sixDigits)).toBe("-000042");
    expect(showNumber("1234.5", sixDigits)).toBe("001235");
    expect(showNumber("1234", numberLookOf(166, "[$-409]00000;[Red]-00000"))).toBe("01234");
    expect(numberLookOf(1, undefined)).toEqual({ kind: "number" });
    expect(numberLookOf(167, "0")).toEqual({ kind: "number" });
    expect(numberLookOf(168, "0.00")).toEqual({ kind: "number" });
  });

  it("shows a number formatted as a boolean as TRUE or FALSE", () => {
    const boolean = numberLookOf(165, '"TRUE";"TRUE";"FALSE"');
    expect(showNumber("1", boolean)).toBe("TRUE");
    expect(showNumber("-1", boolean)).toBe("TRUE");
    expect(showNumber("0", boolean)).toBe("FALSE");
  });

  it("writes whole numbers as their digits, never in scientific notation or with .0", () => {
    expect(formatNumber("123456789012")).toBe("123456789012");
    expect(formatNumber("1.23456789012E+11")).toBe("123456789012");
    expect(formatNumber("1.0")).toBe("1");
    expect(formatNumber("-42")).toBe("-42");
    expect(formatNumber("0.30000000000000004")).toBe("0.3");
    expect(formatNumber("2.5")).toBe("2.5");
  });

  it("writes date serials as ISO dates, from either of Excel's epochs", () => {
    expect(serialToIso(45352, false)).toBe("2024-03-01");
    expect(serialToIso(36525, false)).toBe("1999-12-31");
    expect(serialToIso(1, false)).toBe("1900-01-01");
    expect(serialToIso(45352.5, false)).toBe("2024-03-01T12:00:00");
    expect(serialToIso(43890, true)).toBe("2024-03-01");
  });

  it("tells date formats from number formats", () => {
    expect(isDateFormat(14, undefined)).toBe(true);
    expect(isDateFormat(0, undefined)).toBe(false);
    expect(isDateFormat(164, "DD/MM/YYYY")).toBe(true);
    expect(isDateFormat(165, '0.00" days"')).toBe(false);
    expect(isDateFormat(166, "[Red]#,##0")).toBe(false);
    expect(isDateFormat(167, "General")).toBe(false);
  });
});
