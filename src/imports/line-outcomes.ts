import type { LineOutcome } from "../db/schema";

/** What one line came to: its outcome, and whether it carries a warning. */
export type LineResult = { outcome: LineOutcome; warned: boolean };

const letters: Record<LineOutcome, string> = { created: "c", updated: "u", unchanged: "n", failed: "f" };
const byLetter = new Map<string, LineResult>();
for (const [outcome, letter] of Object.entries(letters) as [LineOutcome, string][]) {
  byLetter.set(letter, { outcome, warned: false });
  byLetter.set(letter.toUpperCase(), { outcome, warned: true });
}

/**
 * A chunk's results as one short text: a letter per line (c created, u updated, n unchanged,
 * f failed; upper case with a warning), runs written once with their length, "c7990f1c9". Most
 * chunks of a real file are a few runs.
 */
export function encodeOutcomes(results: readonly LineResult[]): string {
  let text = "";
  let run = "";
  let length = 0;
  for (const r of results) {
    const letter = r.warned ? letters[r.outcome].toUpperCase() : letters[r.outcome];
    if (letter === run) {
      length++;
      continue;
    }
    if (length > 0) text += run + length;
    run = letter;
    length = 1;
  }
  if (length > 0) text += run + length;
  return text;
}

/** The results encodeOutcomes wrote, in line order. */
export function decodeOutcomes(text: string): LineResult[] {
  const results: LineResult[] = [];
  for (const [, letter = "", count = ""] of text.matchAll(/([a-zA-Z])(\d+)/g)) {
    const result = byLetter.get(letter);
    if (!result) throw new Error(`Unknown line outcome "${letter}" in a chunk's outcomes.`);
    for (let n = Number(count); n > 0; n--) results.push(result);
  }
  return results;
}
