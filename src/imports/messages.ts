/** What the import queue carries: which import to advance. The import's row says where it stands. */
export type ImportMessage = { importId: string };
