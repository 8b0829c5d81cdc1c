import type { HistoryCursor } from "../db/user-changes";
import { AppError } from "../errors";

/*
 * Every list's `next_cursor` is an opaque string: the position after the page's last item,
 * base64url-encoded so that clients pass it back as it is rather than build one themselves.
 */

/** The cursor a client sends back for the page after this position. */
export function encodeCursor(position: string | number): string {
  const bytes = new TextEncoder().encode(String(position));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function refused(): AppError {
  return new AppError(
    400,
    "invalid_input",
    "The request is not valid: cursor: send back the next_cursor of the previous page, unchanged.",
  );
}

/** The position a cursor stands for; a cursor Roster did not make is a 400 `invalid_input`. */
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused();
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw refused();
  }
}

/** A cursor that stands for a whole number (a line number). */
export function decodeNumberCursor(cursor: string): number {
  const position = decodeCursor(cursor);
  if (!/^\d{1,15}$/.test(position)) throw refused();
  return Number(position);
}

/** A cursor for a page of a user's history: the key of the page's last change. */
export function encodeHistoryCursor(at: HistoryCursor): string {
  return encodeCursor(`${at.at}.${at.source}.${at.importSeq}.${at.line}`);
}

export function decodeHistoryCursor(cursor: string): HistoryCursor {
  const match = /^(\d{1,15})\.(import|hand|undo)\.(\d{1,15})\.(\d{1,15})$/.exec(decodeCursor(cursor));
  if (!match) throw refused();
  const source = match[2] === "import" ? "import" : match[2] === "undo" ? "undo" : "hand";
  return { at: Number(match[1]), source, importSeq: Number(match[3]), line: Number(match[4]) };
}
