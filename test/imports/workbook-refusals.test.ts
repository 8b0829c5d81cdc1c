import { strToU8, zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { createUserWithToken } from "../helpers";
import { contentTypes, storedKeys, uploadWorkbook, workbook } from "./workbooks";

let token: string;

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
});

/** Uploads bytes and expects a refusal that leaves nothing in storage; returns its message. */
async function expectRefused(
  bytes: Uint8Array<ArrayBuffer>,
  status: number,
  code: string,
  query = "filename=users.xlsx",
  type = contentTypes.xlsx,
) {
  const before = await storedKeys();
  const res = await uploadWorkbook(token, bytes, query, type);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(await storedKeys()).toEqual(before);
  return body.error.message;
}

/** A workbook whose one sheet is `sheetXml`, zipped as Excel would but by fflate. */
function xlsxWith(sheetXml: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const rels = (items: string) =>
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items}</Relationships>`;
  const type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  return zipSync({
    "[Content_Types].xml": strToU8('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    "_rels/.rels": strToU8(rels(`<Relationship Id="rId1" Type="${type}/officeDocument" Target="xl/workbook.xml"/>`)),
    "xl/workbook.xml": strToU8(
      `<workbook xmlns:r="${type}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    "xl/_rels/workbook.xml.rels": strToU8(
      rels(`<Relationship Id="rId1" Type="${type}/worksheet" Target="worksheets/sheet1.xml"/>`),
    ),
    "xl/worksheets/sheet1.xml": typeof sheetXml === "string" ? strToU8(sheetXml) : sheetXml,
  });
}

describe("workbooks refused, storing nothing", () => {
  it("refuses an old .xls workbook with the hint to save it as .xlsx or CSV", async () => {
    const message = await expectRefused(
      workbook("users.xls"),
      415,
      "not_csv",
      "filename=users.xls",
      "application/vnd.ms-excel",
    );
    expect(message).toContain("old Excel workbook (.xls)");
    expect(message).toContain("Excel Workbook (*.xlsx)");
  });

  it("refuses an Excel workbook protected with a password", async () => {
    expect(await expectRefused(workbook("encrypted.xlsx"), 422, "encrypted_workbook")).toContain("password");
  });

  it("refuses a LibreOffice workbook protected with a password", async () => {
    expect(
      await expectRefused(workbook("encrypted.ods"), 422, "encrypted_workbook", "filename=users.ods", contentTypes.ods),
    ).toContain("password");
  });

  for (const name of ["empty.xlsx", "empty.ods"]) {
    it(`refuses ${name}, whose only sheet is empty`, async () => {
      expect(await expectRefused(workbook(name), 422, "no_rows")).toContain('The sheet "Sheet1" is empty');
    });
  }

  for (const name of ["no-users.xlsx", "no-users.ods"]) {
    it(`refuses ${name}, a header row without users, in rows`, async () => {
      const message = await expectRefused(workbook(name), 422, "no_rows");
      expect(message).toContain("header row but no users");
      expect(message).toContain("under row 1");
    });
  }

  it("refuses an Excel workbook whose sheet lacks the template's columns, naming them", async () => {
    const message = await expectRefused(workbook("excel-sheets.xlsx"), 422, "missing_columns");
    expect(message).toContain("email");
  });

  it("refuses a zip archive that is not a workbook", async () => {
    const zip = zipSync({ "readme.txt": strToU8("Users are in the attached file.") });
    expect(await expectRefused(zip, 415, "not_csv")).toContain("not an Excel (.xlsx) or LibreOffice (.ods) workbook");
  });

  it("refuses a zip bomb by its ratio while it inflates, whatever its directory says", async () => {
    const sheet = new Uint8Array(64 * 1024 * 1024).fill(0x20);
    const bomb = xlsxWith(sheet);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await expectRefused(bomb, 413, "workbook_too_large")).toContain("inflates past");
    // The same, with the directory claiming a small size: caught by what the part inflates to.
    const view = new DataView(bomb.buffer);
    const eocd = bomb.length - 22;
    let at = view.getUint32(eocd + 16, true);
    for (let n = 0; n < view.getUint16(eocd + 10, true); n++) {
      const nameLength = view.getUint16(at + 28, true);
      const name = new TextDecoder().decode(bomb.subarray(at + 46, at + 46 + nameLength));
      if (name === "xl/worksheets/sheet1.xml") view.setUint32(at + 24, 1000, true);
      at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    }
    await expectRefused(bomb, 413, "workbook_too_large");
  });

  it("refuses bytes sent as a workbook that are not one", async () => {
    const csv = new TextEncoder().encode("employee_number,first_name\n1,Ann\n").slice();
    expect(await expectRefused(csv, 415, "not_csv")).toContain("sent as a workbook");
  });
});
