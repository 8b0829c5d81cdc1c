import { describe, expect, it } from "vitest";
import { decodeUserIds, encodeUserIds, UserIdSet } from "../../src/imports/named-users";

const sorted = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);

describe("a chunk's named users", () => {
  it("keeps ids in a byte or two each and gives every one back, in order", () => {
    const consecutive = Array.from({ length: 8_000 }, (_, i) => 500_000 + i);
    // A file in no order of ids: a chunk's users spread over a million.
    let seed = 7;
    const spread = Array.from({ length: 8_000 }, () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed % 1_000_000) + 1;
    });
    for (const [ids, most] of [
      [consecutive, 1.4],
      [spread, 2.7],
    ] as const) {
      const encoded = encodeUserIds([...ids].reverse());
      expect(decodeUserIds(encoded)).toEqual(sorted([...ids]));
      expect(encoded.length / ids.length).toBeLessThanOrEqual(most);
    }
    expect(decodeUserIds(encodeUserIds([]))).toEqual([]);
    expect(decodeUserIds(encodeUserIds([2 ** 40, 1]))).toEqual([1, 2 ** 40]);
  });

  it("tells named users from the rest as one bit each", () => {
    const set = new UserIdSet();
    set.addEncoded(encodeUserIds([3, 70_000, 1_000_001]));
    expect([3, 70_000, 1_000_001].map((id) => set.has(id))).toEqual([true, true, true]);
    expect([1, 4, 69_999, 1_000_000, 5_000_000].some((id) => set.has(id))).toBe(false);
  });
});
