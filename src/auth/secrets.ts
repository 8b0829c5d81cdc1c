// Kept free of imports so the Node scripts (token:create) make tokens exactly as the Worker checks them.

const toHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A random secret, URL-safe, with a readable prefix so a leaked token is recognisable. */
export function createSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const text = btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
  return `${prefix}${text}`;
}

/**
 * SHA-256 of a secret. Tokens and session ids are long random values, so a fast hash is
 * enough: what matters is that the database alone never yields a usable secret.
 */
export async function hashSecret(secret: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
}
