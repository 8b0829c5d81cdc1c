import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeUpload } from "../../src/imports/store-upload";
import { formatNumber, isDateFormat, serialToIso } from "../../src/imports/workbook/cell-values";
import { readWorkbook } from "../../src/imports/workbook/read-workbook";
import { unique } from "../helpers";
import { workbook } from "./workbooks";

/** A fixture stored as an upload is, then read: the chosen sheet's CSV and the sheets. */
async function readFixture(name: string, sheet: string | null = null) {
  const key = `test/${unique("book")}.gz`;
  const stored = await storeUpload(
    env.FILES,
    key,
    new Blob([workbook(name)]).stream(),
    { maxBytes: 1 << 26, size: null },
    {},
  );
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

describe("cell values as a person sees them", () => {
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
