import { describe, expect, it } from "vitest";
import { signedIn, unique } from "./helpers";

describe("CSRF protection on forms", () => {
  it("refuses a form posted without the token", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", { name: unique("Nowhere ") });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This form has expired or did not come from Roster");
  });

  it("refuses a form posted with a wrong token", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", { _csrf: "not-the-token", name: unique("Nowhere ") });
    expect(res.status).toBe(403);
  });

  it("refuses another session's token", async () => {
    const { browser } = await signedIn("Admin");
    const other = await signedIn("Admin");
    const res = await browser.post("/locations", { _csrf: await other.browser.csrf(), name: unique("Nowhere ") });
    expect(res.status).toBe(403);
  });

  it("accepts the session's own token", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", { _csrf: await browser.csrf(), name: unique("Somewhere ") });
    expect(res.status).toBe(303);
  });

  it("refuses an upload without the token before reading the file", async () => {
    const { browser } = await signedIn("Admin");
    const form = new FormData();
    form.set("file", new File(["employee_number\n1\n"], "users.csv", { type: "text/csv" }));
    const res = await browser.fetch("/imports", { method: "POST", body: form });
    expect(res.status).toBe(403);
  });

  it("refuses a JSON or text body sent to a page", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.fetch("/locations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ _csrf: await browser.csrf(), name: "x" }),
    });
    expect(res.status).toBe(403);
  });
});
