import { exports } from "cloudflare:workers";
import { createUser, password } from "../helpers";

export { createUser, db, password, unique } from "../helpers";
export const origin = "http://roster.test";

/** The value of a cookie a response sets, or undefined. */
export function setCookie(res: Response, name: string): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const at = pair?.indexOf("=") ?? -1;
    if (pair && at > 0 && pair.slice(0, at) === name) return pair.slice(at + 1);
  }
  return undefined;
}

/** The hidden CSRF field's value in a page. */
export function csrfIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("no CSRF field in the page");
  return match[1];
}

/** A browser of one: keeps cookies between requests, follows nothing on its own. */
export class Browser {
  cookies = new Map<string, string>();

  /** `sent` goes with every request, e.g. the CF-Connecting-IP Cloudflare adds to a visitor's requests. */
  constructor(private readonly sent: Record<string, string> = {}) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.sent)) headers.set(name, value);
    // A browser names the page's origin on every form it posts.
    const method = (init.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && !headers.has("Origin")) headers.set("Origin", origin);
    if (this.cookies.size) headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await exports.default.fetch(new Request(`${origin}${path}`, { ...init, headers, redirect: "manual" }));
    for (const header of res.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(";");
      const at = pair?.indexOf("=") ?? -1;
      if (!pair || at <= 0) continue;
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Posts a form as a browser does, as application/x-www-form-urlencoded. */
  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** The CSRF token of the session, as the pages carry it. */
  async csrf(): Promise<string> {
    return csrfIn(await (await this.fetch("/tokens")).text());
  }

  /** Signs in through the form; returns the form's answer. */
  async signIn(username: string, pass = password, next?: string): Promise<Response> {
    const page = await this.fetch(`/sign-in${next ? `?next=${encodeURIComponent(next)}` : ""}`);
    const token = csrfIn(await page.text());
    return this.post("/sign-in", { _csrf: token, username, password: pass, next: next ?? "/" });
  }
}

/** A browser signed in as a new user with this role. */
export async function signedIn(
  roleName: "Admin" | "Manager" | "Standard",
  fields: { firstName?: string; lastName?: string } = {},
) {
  const user = await createUser(roleName, fields);
  const browser = new Browser();
  const res = await browser.signIn(user.employeeNumber);
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  return { user, browser };
}
