import { createHash } from "node:crypto";

/** SHA-256 of a body, read to its end and kept nowhere, as hex. */
export async function hashBody(body: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of body) hash.update(chunk);
  return hash.digest("hex");
}
