import { describe, expect, it } from "vitest";
import { cleanText } from "../../src/clean-text";
import { nameKeyOf, toKey } from "../../src/db/keys";
import { dropFormulaGuard, guardFormula } from "../../src/imports/formula-cells";
import { cleanValue } from "../../src/imports/read";

/** Characters that render as nothing, one of each kind Unicode calls default-ignorable. */
const invisibles = [
  "\u00AD", // soft hyphen
  "\u034F", // combining grapheme joiner
  "\u061C", // Arabic letter mark
  "\u115F", // Hangul choseong filler
  "\u180E", // Mongolian vowel separator
  "\u200B", // zero-width space
  "\u200C", // zero-width non-joiner
  "\u200D", // zero-width joiner
  "\u200E", // left-to-right mark
  "\u200F", // right-to-left mark
  "\u202A", // left-to-right embedding
  "\u202E", // right-to-left override
  "\u2060", // word joiner
  "\u2066", // left-to-right isolate
  "\u3164", // Hangul filler
  "\uFE00", // variation selector 1
  "\uFE0F", // variation selector 16
  "\uFEFF", // BOM
  "\uFFA0", // halfwidth Hangul filler
  "\u{E0001}", // language tag
  "\u{E0041}", // tag A
  "\u{E0100}", // variation selector 17
  "\u{E01EF}", // variation selector 256
];

describe("toKey", () => {
  it("makes one key of every way to write U100 that looks the same", () => {
    const forms = [
      "U100",
      "u100",
      " U100 ",
      "Ｕ100",
      "Ｕ１００",
      "U\u00AD100",
      "U\u200E100",
      "U100\uFE0F",
      "\u200BU100",
      "U\u{E0041}100",
    ];
    for (const form of forms) expect(toKey(form), JSON.stringify(form)).toBe("u100");
  });

  it("removes every kind of default-ignorable character", () => {
    for (const c of invisibles) expect(toKey(`Lon${c}don`), `U+${c.codePointAt(0)?.toString(16)}`).toBe("london");
  });

  it("folds case fully, not just to lower case", () => {
    expect(toKey("Straße")).toBe(toKey("STRASSE"));
    expect(toKey("ẞ")).toBe("ss");
    expect(toKey("ΟΔΟΣ")).toBe(toKey("οδοσ"));
    expect(toKey("ᾳ")).toBe(toKey("ΑΙ"));
    expect(toKey("Ꭰ")).toBe(toKey("ꭰ"));
  });

  it("makes compatibility forms one: ligatures, Kelvin, Angstrom, superscripts, no-break spaces", () => {
    expect(toKey("ﬁnance")).toBe("finance");
    expect(toKey("\u212A1")).toBe("k1");
    expect(toKey("\u212Bngström")).toBe(toKey("Ångström"));
    expect(toKey("Zoe\u0308")).toBe(toKey("Zoë"));
    expect(toKey("A\u00A0B")).toBe("a b");
  });

  it("keeps letters that only look alike apart, as Unicode does", () => {
    expect(toKey("Аdmin")).not.toBe(toKey("Admin")); // Cyrillic А
    expect(toKey("ñ")).not.toBe(toKey("n"));
  });

  it("is its own key: a key made again is the same key", () => {
    for (const value of ["Ｕ100", "Straße", "ΟΔΟΣ", "İstanbul", "Ǆemal", "ﬀ", "e\u200B\u0301", "\u1E9B\u0323"]) {
      expect(toKey(toKey(value)), value).toBe(toKey(value));
    }
  });

  it("makes a name key the same way", () => {
    expect(nameKeyOf("Zoë", "Ñúñez\u00AD")).toBe("zoë ñúñez");
  });
});

describe("cleanText and cleanValue", () => {
  it("store no default-ignorable character anywhere in a value", () => {
    for (const c of invisibles) {
      expect(cleanText(`${c}Lon${c}don${c}`)).toBe("London");
      expect(cleanValue(`${c}Lon${c}don${c}`)).toBe("London");
    }
  });

  it("keep what a person typed otherwise: fullwidth letters stay, in NFC", () => {
    expect(cleanText(" Ｌondon ")).toBe("Ｌondon");
    expect(cleanText("Zoe\u0308")).toBe("Zoë");
    expect(cleanText("e\u200B\u0301")).toBe("é");
  });
});

describe("formula guards in CSV downloads", () => {
  it("guards a formula that invisible characters stand before", () => {
    for (const value of [
      "=1+1",
      "\u200B=1+1",
      "\u00AD+1",
      "\u200E-1",
      "\uFEFF@SUM(A1)",
      " =1",
      "\u00A0=1",
      "\u0001=1",
      "\t1",
      "\r1",
      "＝1+1",
      "\u200B＠x",
    ]) {
      expect(guardFormula(value), JSON.stringify(value)).toBe(`'${value}`);
    }
  });

  it("leaves values that are no formula as they are", () => {
    for (const value of ["Ann", "O'Brien", "'Ohana", "1-2", "a=b", " x", ""])
      expect(guardFormula(value), value).toBe(value);
  });

  it("takes away on import exactly the apostrophe a download put", () => {
    const values = [
      "=1+1",
      "\u200B=1+1",
      "'=1",
      "''=1",
      "'Ohana",
      "O'Brien",
      "-5",
      "\u0001=1",
      "'",
      "'\u200B=x",
      "Ann",
      "＝1",
    ];
    for (const value of values) {
      expect(dropFormulaGuard(guardFormula(value)), JSON.stringify(value)).toBe(value);
      expect(cleanValue(guardFormula(cleanValue(value))), JSON.stringify(value)).toBe(cleanValue(value));
    }
  });
});
