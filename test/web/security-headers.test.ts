import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, origin, signedIn } from "./helpers";

describe("security headers on pages", () => {
  it("sends a strict CSP and the other headers on the sign-in page", async () => {
    const res = await new Browser().fetch("/sign-in");
    expect(res.status).toBe(200);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
    expect(res.headers.get("Referrer-Policy")).toBe("same-origin");
  });

  it("keeps pages free of inline scripts and styles, which the CSP would block", async () => {
    const { browser } = await signedIn("Admin");
    for (const path of ["/imports/new", "/users", "/imports", "/locations", "/roles", "/tokens"]) {
      const html = await (await browser.fetch(path)).text();
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, path).not.toMatch(/<style[\s>]/);
      expect(html, path).not.toMatch(/\sstyle="/);
      expect(html, path).toContain('<script src="/assets/app.js" defer=""></script>');
    }
  });

  it("serves the stylesheet, the script and the icon as static files, which the CSP allows", async () => {
    for (const [path, type] of [
      ["/assets/app.css", "text/css"],
      ["/assets/app.js", "javascript"],
      ["/assets/icon.svg", "image/svg+xml"],
    ] as const) {
      const res = await env.ASSETS.fetch(`${origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Type"), path).toContain(type);
      expect(res.headers.get("ETag"), path).toBeTruthy();
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    }
    const css = await (await env.ASSETS.fetch(`${origin}/assets/app.css`)).text();
    expect(css).toContain(".notice-success");
  });
});
