import { describe, expect, it } from "vitest";
import exampleCsv from "../../examples/users.csv?raw";
import { demoAdmin, seedDemoData } from "../../scripts/demo-data";
import { createToken } from "../../scripts/lib/admins";
import { db, importCsv } from "../helpers";
import { Browser } from "../web/helpers";

describe("examples/users.csv on the demo data npm start seeds", () => {
  it("imports 5 out of 6 users and reports line 5 as missing its email, as the help article shows", async () => {
    const seed = await seedDemoData(db);
    expect(seed.locationsAdded).toEqual(["London", "Manchester", "Edinburgh", "Bristol"]);
    expect(seed.admin.outcome).toBe("created");
    const token = await createToken(db, demoAdmin.username, "example");
    if (token === null) throw new Error("The demo admin was not seeded.");

    const { imp, lines, line } = await importCsv(token, exampleCsv);
    expect(imp.status).toBe("completed");
    expect(imp.total_rows).toBe(6);
    // Ada the Admin and Grace the Manager are new admins: the report shows them with a warning.
    expect(imp.counts).toEqual({ created: 5, updated: 0, unchanged: 0, failed: 1, warnings: 2 });
    expect(lines.filter((l) => l.outcome === "failed").map((l) => l.line)).toEqual([5]);
    expect(lines.filter((l) => l.messages.some((m) => m.code === "grants_admin_access")).map((l) => l.line)).toEqual([
      2, 3,
    ]);
    expect(line(5)?.employee_number).toBe("1004");
    expect(line(5)?.messages.map((m) => m.code)).toEqual(["missing_email"]);
  });

  it("signs the demo admin in with an employee number, one the example file does not use", async () => {
    expect(demoAdmin.username).toMatch(/^\d+$/);
    expect(exampleCsv.split(/\r?\n/).map((l) => l.split(",")[0])).not.toContain(demoAdmin.username);
    const res = await new Browser().signIn(demoAdmin.username, demoAdmin.password);
    expect(res.status).toBe(303);
  });

  it("seeds nothing more when npm start runs again", async () => {
    const again = await seedDemoData(db);
    expect(again).toEqual({ locationsAdded: [], admin: { outcome: "kept" } });
  });
});
