import { describe, expect, it } from "vitest";
import { jsonParts } from "../../src/db/bulk-rows";

describe("jsonParts", () => {
  it("keeps a chunk's rows in one JSON value when they fit", () => {
    const rows = [
      [2, "a"],
      [3, "b"],
    ];
    expect(jsonParts(rows)).toEqual([JSON.stringify(rows)]);
  });

  it("splits long rows into values under D1's 2 MB, in order", () => {
    const long = "é".repeat(100_000);
    const rows = Array.from({ length: 30 }, (_, i) => [i, long]);
    const parts = jsonParts(rows);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(new TextEncoder().encode(part).length).toBeLessThan(2 * 1024 * 1024);
    expect(parts.flatMap((p) => JSON.parse(p) as unknown[])).toEqual(rows);
  });
});
