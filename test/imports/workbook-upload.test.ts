import { beforeAll, describe, expect, it } from "vitest";
import { createLocation, listLocations } from "../../src/db/locations";
import { call, createUserWithToken, db, waitForImport, type LineBody } from "../helpers";
import { contentTypes, storedCsv, uploadWorkbook, workbook } from "./workbooks";

let token: string;

type Uploaded = {
  id: string;
  kind: string;
  sheet: string | null;
  sheets: { name: string; hidden: boolean }[];
  total_rows: number;
  columns: { index: number; header: string; field: string | null }[];
};

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  const existing = new Set((await listLocations(db)).map((l) => l.name));
  for (const name of ["London", "Manchester", "Bristol", "Edinburgh"])
    if (!existing.has(name)) await createLocation(db, { name, aliases: [] });
});

async function upload(
  name: string,
  query = "",
  type = name.endsWith(".ods") ? contentTypes.ods : contentTypes.xlsx,
): Promise<Uploaded> {
  const res = await uploadWorkbook(token, workbook(name), `filename=${name}${query}`, type);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Uploaded;
}

async function linesOf(id: string): Promise<LineBody[]> {
  const page = (await (await call(token, `/api/imports/${id}/lines?limit=1000`)).json()) as { lines: LineBody[] };
  return page.lines;
}

/**
 * features.fods as LibreOffice saved it: the sheet "Users" as the reader must turn it into CSV.
 * LibreOffice reads the source's boolean cells as the numbers 1 and 0 (without a boolean format
 * to show them as TRUE and FALSE), and saves them so to both formats.
 */
const featuresUsersCsv = [
  "",
  "employee_number,first_name,last_name,location,email,role,start_date,active",
  "123456789012,Ann,LEE,London,ann@example.com,,2024-03-01,1",
  '1002,Mary  Jane,"Jones, ""Jr""",Manchester,mary@example.com,Manager',
  "1003,Cyd,Ng,,cyd@example.com",
  "",
  "",
  "1004,Dee,Fox,Bristol,dee@example.com,,1999-12-31,0",
  "1004,Dee,Again,Bristol,dee2@example.com",
  "",
].join("\n");

describe("workbooks saved by LibreOffice", () => {
  for (const name of ["features.xlsx", "features.ods"]) {
    it(`reads the first sheet shown of ${name}, cell by cell as the spreadsheet shows it`, async () => {
      const imp = await upload(name);
      const kind = name.endsWith(".ods") ? "ods" : "xlsx";
      expect(imp).toMatchObject({ kind, sheet: "Users", total_rows: 5 });
      expect(imp.sheets).toEqual([
        { name: "Archive", hidden: true },
        { name: "Users", hidden: false },
        { name: "Contractors", hidden: false },
      ]);
      expect(await storedCsv(imp.id)).toBe(featuresUsersCsv);
    });
  }

  it("reports each user by the row number the spreadsheet shows, in rows", async () => {
    const imp = await upload("features.xlsx", "&start=true");
    const done = await waitForImport(token, imp.id);
    expect(done.counts).toMatchObject({ created: 3, failed: 2 });
    const lines = await linesOf(imp.id);
    expect(lines.map((l) => [l.line, l.employee_number, l.outcome])).toEqual([
      [3, "123456789012", "created"],
      [4, "1002", "created"],
      // The merged location cell holds its value in its first row only.
      [5, "1003", "failed"],
      [8, "1004", "created"],
      [9, "1004", "failed"],
    ]);
    expect(lines[2]?.messages.map((m) => m.code)).toEqual(["missing_location"]);
    expect(lines[4]?.messages[0]?.message).toContain("also on row 8");
  });

  it("reads another sheet by name, and a hidden one only when asked", async () => {
    const contractors = await upload("features.ods", "&sheet=Contractors");
    expect(contractors).toMatchObject({ sheet: "Contractors", total_rows: 1 });
    expect(contractors.columns.map((c) => c.field)).toEqual([
      "employee_number",
      "first_name",
      "last_name",
      "location",
      "email",
    ]);
    expect(await storedCsv(contractors.id)).toBe(
      "Employee ID,Given Name,Surname,Site,E-mail\n00201,Eve,Ray,Edinburgh,eve@example.com\n",
    );
    const archive = await upload("features.xlsx", "&sheet=Archive");
    expect(archive).toMatchObject({ sheet: "Archive", total_rows: 1 });
  });

  it("refuses a sheet the workbook does not have, naming the ones it has", async () => {
    const res = await uploadWorkbook(token, workbook("features.xlsx"), "filename=features.xlsx&sheet=Staff");
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("unknown_sheet");
    expect(error.message).toContain('"Archive", "Users", "Contractors"');
  });

  for (const name of ["users.xlsx", "users.ods"]) {
    it(`imports ${name} converted from a CSV, with its UTF-8 names and long employee number`, async () => {
      const imp = await upload(name);
      expect(await storedCsv(imp.id)).toBe(
        "employee_number,first_name,last_name,location,email,role\n123456789012,Zoë,Łukasiewicz,London,zoe@example.com\n" +
          '1002,"Smith, Jr",O\'Brien,Manchester,smith@example.com,Manager\n',
      );
    });
  }

  it("detects a workbook from its bytes, whatever it is called or sent as", async () => {
    const res = await uploadWorkbook(token, workbook("users.ods"), "filename=users.csv", "text/csv");
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ kind: "ods", sheet: "users", total_rows: 2 });
  });
});
