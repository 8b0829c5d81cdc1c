/** A query parameter that must be a positive whole number (an id, a cursor); anything else is treated as absent. */
export function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}
