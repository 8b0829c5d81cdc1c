import { beforeAll, describe, expect, it } from "vitest";
import { createLocation, listLocations } from "../../src/db/locations";
import {
  call,
  createUserWithToken,
  csvOf,
  db,
  header,
  importCsv,
  storedUser,
  waitForImport,
  type LineBody,
} from "../helpers";
import { contentTypes, storedCsv, uploadWorkbook, workbook } from "./workbooks";

let token: string;

beforeAll(async () => {
  ({ token } = await createUserWithToken("Admin"));
  if (!(await listLocations(db)).some((l) => l.name === "London"))
    await createLocation(db, { name: "London", aliases: [] });
});

async function upload(name: string, query = ""): Promise<{ id: string; total_rows: number }> {
  const type = name.endsWith(".ods") ? contentTypes.ods : contentTypes.xlsx;
  const res = await uploadWorkbook(token, workbook(name), `filename=${name}${query}`, type);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; total_rows: number };
}

/**
 * formats.fods as LibreOffice saved it: employee numbers in the format 000000 (the last one in
 * General, as 5678), booleans TRUE and FALSE, and desks in the format 0000.
 */
const formatsCsv = [
  "employee_number,first_name,last_name,location,email,role,active,desk",
  "001234,Ada,Padded,London,ada.padded@example.com,,TRUE,0042",
  "123456,Ben,Six,London,ben.six@example.com,,FALSE,12345",
  "5678,Cy,Lost,London,cy.lost@example.com,,TRUE",
  "",
].join("\n");

describe("number formats and booleans of workbooks saved by LibreOffice", () => {
  for (const name of ["formats.xlsx", "formats.ods"]) {
    it(`reads ${name}'s zero-padded numbers with their zeros and its booleans as TRUE and FALSE`, async () => {
      const imp = await upload(name);
      expect(imp.total_rows).toBe(3);
      expect(await storedCsv(imp.id)).toBe(formatsCsv);
    });
  }

  it("imports a user whose employee number the sheet shows as 001234 as 001234", async () => {
    // The user the General-format row 4 stands for, imported earlier with the zeros kept.
    await importCsv(token, csvOf([header, ["005678", "Cy", "Lost", "London", "cy.lost@example.com", ""]]));
    const imp = await upload("formats.xlsx", "&start=true");
    const done = await waitForImport(token, imp.id);
    expect(done.counts).toMatchObject({ created: 2, failed: 1 });
    expect((await storedUser("001234"))?.employeeNumber).toBe("001234");
    expect(await storedUser("1234")).toBeUndefined();

    const page = (await (await call(token, `/api/imports/${imp.id}/lines?limit=10`)).json()) as { lines: LineBody[] };
    const row4 = page.lines.find((l) => l.line === 4);
    expect(row4?.outcome).toBe("failed");
    expect(row4?.messages.map((m) => m.code)).toEqual(["duplicate_email"]);
    expect(row4?.messages[0]?.message).toContain("already used by user 005678.");
    expect(row4?.messages[0]?.message).toContain(
      "The employee number 5678 is probably 005678 with its leading zeros lost by a spreadsheet.",
    );
    expect(row4?.messages[0]?.message).toContain("Format the employee number column as Text");
  });
});
