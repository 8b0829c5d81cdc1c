import { describe, expect, it } from "vitest";
import { importFile, refusalOf, utf8 } from "./helpers";

describe("headers", () => {
  it("matches the names people use, whatever their case, spaces, underscores and hyphens", async () => {
    const { scan, records } = await importFile(
      utf8("Staff Number,Given Name,SURNAME,Store,E-mail,User Role\n1,Ann,Lee,HQ,ann@example.com,Admin\n"),
    );
    expect(scan.format.columns.map((c) => c.field)).toEqual([
      "employee_number",
      "first_name",
      "last_name",
      "location",
      "email",
      "role",
    ]);
    expect(records[0]?.values).toEqual({
      employee_number: "1",
      first_name: "Ann",
      last_name: "Lee",
      location: "HQ",
      email: "ann@example.com",
      role: "Admin",
    });
  });

  it.each([
    ["Employee No", "employee_number"],
    ["Emp ID", "employee_number"],
    ["employee-id", "employee_number"],
    ["Username", "employee_number"],
    ["user_name", "employee_number"],
    ["Forename", "first_name"],
    ["Family Name", "last_name"],
    ["Email Address", "email"],
    ["MAIL", "email"],
    ["Site", "location"],
    ["Location Code", "location"],
    ["location name", "location"],
    ["Branch", "location"],
    ["Role Name", "role"],
  ])("maps a %s column to %s", async (name, field) => {
    const all = {
      employee_number: "Employee Number",
      first_name: "First Name",
      last_name: "Last Name",
      location: "Location",
      email: "Email",
      role: "Role",
    };
    const headers = Object.entries(all).map(([key, value]) => (key === field ? name : value));
    const { scan } = await importFile(utf8(`${headers.join(",")}\n1,Ann,Lee,HQ,ann@example.com,Admin\n`));
    expect(scan.format.columns.find((c) => c.header === name)?.field).toBe(field);
  });

  it("lets the role column be left out", async () => {
    const { records } = await importFile(
      utf8("employee_number,first_name,last_name,location,email\n1,Ann,Lee,HQ,ann@example.com\n"),
    );
    expect(records[0]?.values.role).toBe("");
  });

  it("ignores other columns and empty header cells, and lists the ignored ones as written", async () => {
    const { scan, records } = await importFile(
      utf8(
        "Notes,employee_number,first_name,,last_name,location,email,Manager Email\nx,1,Ann,y,Lee,HQ,ann@example.com,boss@example.com\n",
      ),
    );
    expect(scan.format.ignoredColumns).toEqual(["Notes", "Manager Email"]);
    expect(scan.format.columns.filter((c) => c.field === null).map((c) => c.index)).toEqual([0, 3, 7]);
    expect(records[0]?.values).toMatchObject({ employee_number: "1", last_name: "Lee", email: "ann@example.com" });
    expect(records[0]?.malformed).toBeUndefined();
  });

  it("refuses a file missing required columns and names them", async () => {
    const error = await refusalOf(utf8("employee_number,first_name,last_name\n1,Ann,Lee\n"));
    expect(error.code).toBe("missing_columns");
    expect(error.message).toBe(
      "The file is missing the columns email, location. The first line must name the columns: employee_number, first_name, last_name, location, email, role.",
    );
  });

  it("names the columns it did not recognise when required ones are missing, so a misspelling shows", async () => {
    const error = await refusalOf(
      utf8("employe_number,first_name,last_name,loc,email\n1,Ann,Lee,HQ,ann@example.com\n"),
    );
    expect(error.code).toBe("missing_columns");
    expect(error.message).toBe(
      "The file is missing the columns employee_number, location. The first line must name the columns: employee_number, first_name, last_name, location, email, role. " +
        'It names columns that match none of them: "employe_number", "loc".',
    );
  });

  it("refuses a file without a header line", async () => {
    const error = await refusalOf(utf8("1,Ann,Lee,HQ,ann@example.com,Admin\n2,Bob,Ray,HQ,bob@example.com,\n"));
    expect(error.code).toBe("missing_columns");
    expect(error.message).toMatch(
      /^The file is missing the columns email, employee_number, first_name, last_name, location\./,
    );
  });

  it("refuses two columns that mean the same field, naming both as written", async () => {
    const error = await refusalOf(
      utf8(
        "employee_number,first_name,last_name,location,Email,E-mail Address\n1,Ann,Lee,HQ,a@example.com,b@example.com\n",
      ),
    );
    expect(error.code).toBe("duplicate_column");
    expect(error.message).toContain('"Email" and "E-mail Address" both mean email');
  });
});
