/*
 * Signatures as the Standard Webhooks specification has them, so a receiver can check a
 * delivery with any of its libraries: HMAC-SHA256 of "id.timestamp.body" with the secret's
 * key, sent as `v1,<base64>`.
 */

const secretPrefix = "whsec_";

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export function createWebhookSecret(): string {
  return `${secretPrefix}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function secretKey(secret: string): Uint8Array<ArrayBuffer> {
  const text = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * The `webhook-signature` header for one attempt: a signature per secret, space-separated, so
 * that while a rotated secret is still honoured a receiver holding either one can verify.
 */
export async function signWebhook(secrets: string[], id: string, timestamp: number, body: string): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey("raw", secretKey(secret), { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
      ]);
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, content)))}`;
    }),
  );
  return signatures.join(" ");
}
