/**
 * What the import queue carries: which import to advance, and with `kind: "undo"` that it is its
 * undo to advance. The import's row says where either stands.
 */
export type ImportMessage = { importId: string; kind?: "undo" };
