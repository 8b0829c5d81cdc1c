/*
 * Where deliveries may go. Roster sends events only over HTTPS to the public internet; a
 * receiver on this machine (http://localhost, http://127.0.0.1) is allowed only where the
 * WEBHOOKS_ALLOW_LOCALHOST var is "true", which `npm start` and the tests set and wrangler.toml
 * does not, so a deployed Roster never posts to its own network.
 */

const localHosts = new Set(["localhost", "127.0.0.1"]);

/** Whether this Worker may deliver to a receiver on its own machine. */
export function allowsLocalhost(env: Pick<Env, "WEBHOOKS_ALLOW_LOCALHOST">): boolean {
  return env.WEBHOOKS_ALLOW_LOCALHOST === "true";
}

/** Whether an IPv4 address is in a private, loopback, link-local, shared or reserved range. */
function isPrivateIpv4(host: string): boolean {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const [a = 0, b = 0] = parts;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Whether a hostname names this machine or a private network rather than a public server. */
function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  // URL keeps IPv6 literals in brackets; any of them is refused rather than classified.
  if (host.startsWith("[")) return true;
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host.endsWith(".local") || host.endsWith(".internal") || host.endsWith(".home.arpa")) return true;
  // A host of digits and dots is an IPv4 address in some form (URL normalises 0x7f.1 and the like).
  return /^[\d.]+$/.test(host) && (isPrivateIpv4(host) || host.split(".").length !== 4);
}

/**
 * Why a URL cannot receive webhooks, as a sentence saying what to use instead; null when it can.
 * Checked when an endpoint is saved and again before each delivery.
 */
export function checkWebhookUrl(text: string, allowLocalhost: boolean): string | null {
  const what = allowLocalhost
    ? "an https:// URL, or http://localhost or http://127.0.0.1 with a port for a receiver on this machine"
    : "an https:// URL of a public server";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL. Use ${what}.`;
  }
  if (text.length > 2000) return "The URL is longer than 2,000 characters. Use a shorter one.";
  if (url.username || url.password)
    return "Leave the user name and password out of the URL: Roster signs every delivery instead.";
  if (localHosts.has(url.hostname)) {
    if (!allowLocalhost)
      return `This Roster does not deliver to ${url.hostname}: use an https:// URL of a public server.`;
    return url.protocol === "http:" || url.protocol === "https:" ? null : `Use ${what}.`;
  }
  if (url.protocol !== "https:") return `Webhooks are sent only over HTTPS. Use ${what}.`;
  if (isPrivateHost(url.hostname))
    return `${url.hostname} is on a private network, which Roster does not deliver to. Use ${what}.`;
  return null;
}
