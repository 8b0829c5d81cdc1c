import { describe, expect, it } from "vitest";
import { Browser, signedIn } from "./helpers";

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

  it("serves the stylesheet and the script from the Worker itself", async () => {
    const css = await new Browser().fetch("/assets/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toContain("text/css");
    const js = await new Browser().fetch("/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toContain("javascript");
  });
});
