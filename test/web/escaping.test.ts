import { describe, expect, it } from "vitest";
import { createLocation } from "../../src/db/locations";
import { createUser, db, signedIn, unique } from "./helpers";

const evil = `<script>alert("x")</script>`;

describe("user-supplied values on pages", () => {
  it("shows a location named with a <script> tag as text", async () => {
    const name = `${unique("Site ")} ${evil}`;
    await createLocation(db, { name, aliases: [`${evil}${unique("a")}`] });
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch("/locations")).text();
    expect(html).not.toContain(evil);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("shows a user named with a <script> tag as text in the list, their page and the menu", async () => {
    const user = await createUser("Admin", { firstName: evil, lastName: "<img src=x onerror=alert(1)>" });
    const { browser } = await signedIn("Admin", { firstName: evil });
    for (const path of ["/users", `/users/${user.employeeNumber}`, "/tokens"]) {
      const html = await (await browser.fetch(path)).text();
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
    }
    const page = await (await browser.fetch(`/users/${user.employeeNumber}`)).text();
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("echoes a search back as text", async () => {
    const { browser } = await signedIn("Admin");
    const html = await (await browser.fetch(`/users?q=${encodeURIComponent(`"><script>alert(1)</script>`)}`)).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });

  it("shows a rejected location form's values as text", async () => {
    const { browser } = await signedIn("Admin");
    const res = await browser.post("/locations", {
      _csrf: await browser.csrf(),
      name: "",
      code: `"><script>alert(1)</script>`,
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});
