/** Whether the runtime knows this IANA time zone name ("Europe/London", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** How far a time zone's clock is ahead of UTC at a moment, in milliseconds. */
function offsetAt(when: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(when));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return wall - (when - (when % 1000));
}

/** The moment a calendar day's clock reads midnight in a time zone. */
function midnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // The offset at the guess can differ from the offset at the answer across a clock change.
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/**
 * The first moment of a calendar day (YYYY-MM-DD) in a time zone, and the first of the next:
 * a day as the people reading a page in that zone see it, 23 to 25 hours long.
 */
export function dayBounds(day: string, timeZone = "UTC"): { start: Date; end: Date } {
  const [year = NaN, month = NaN, date = NaN] = day.split("-").map(Number);
  return {
    start: new Date(midnight(year, month, date, timeZone)),
    end: new Date(midnight(year, month, date + 1, timeZone)),
  };
}
