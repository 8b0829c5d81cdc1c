import { describe, expect, it } from "vitest";
import { keysOf } from "../../src/imports/check-row";
import { header, importFile, utf8 } from "./helpers";

/** Positions (in file order) of the records whose key another record of the file also has. */
function repeated(keys: string[]): number[] {
  const counts = new Map<string, number>();
  for (const key of keys) if (key !== "") counts.set(key, (counts.get(key) ?? 0) + 1);
  return keys.flatMap((key, i) => ((counts.get(key) ?? 0) > 1 ? [i] : []));
}

describe("repeated keys found while an upload is scanned", () => {
  it("marks exactly the records whose employee number or email the import sees more than once", async () => {
    // Values that are one key in many forms (case, spaces, quotes, a download's formula guard,
    // accents, fullwidth letters), so the fast ASCII path and the parsed path must agree.
    const values = [
      "A1",
      "a1",
      " a1 ",
      '"a1"',
      '"A1 "',
      "'=a1",
      "=a1",
      "é1",
      "É1",
      "Ａ1",
      "b2",
      "B2",
      "",
      "c3@x.io",
      "C3@X.IO",
      '"c3@x.io"',
    ];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 60; round++) {
      const lines = [header];
      const rows = 1 + random(40);
      for (let i = 0; i < rows; i++) {
        const pick = () => values[random(values.length)] ?? "";
        lines.push([pick(), "F", "L", "HQ", pick(), ""].join(","));
      }
      const { scan, records } = await importFile(utf8(lines.join("\n")), {
        chunkRows: 1 + random(9),
        pieceSize: 1 + random(64),
      });
      const keys = records.map((r) => keysOf(r.values));
      let first = 0;
      const marked = { employee: [] as number[], email: [] as number[] };
      for (const chunk of scan.chunks) {
        marked.employee.push(...chunk.employeeRepeats.map((i) => first + i));
        marked.email.push(...chunk.emailRepeats.map((i) => first + i));
        first += chunk.rowCount;
      }
      expect(marked.employee).toEqual(repeated(keys.map((k) => k.employee)));
      expect(marked.email).toEqual(repeated(keys.map((k) => k.email)));
    }
  });
});
