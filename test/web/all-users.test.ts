import { describe, expect, it } from "vitest";
import { call, createTestLocation, createUserWithToken, importCsv, unique } from "../helpers";
import { signedIn } from "./helpers";

/** Imports `n` users whose employee numbers start with a fresh prefix; returns the prefix. */
async function importUsers(n: number): Promise<string> {
  const { token } = await createUserWithToken("Admin");
  const { name } = await createTestLocation();
  const prefix = unique("p");
  const rows = Array.from({ length: n }, (_, i) => {
    const number = `${prefix}${String(i).padStart(3, "0")}`;
    return `${number},First,Last,${name},${number}@example.com`;
  });
  const { imp } = await importCsv(
    token,
    ["employee_number,first_name,last_name,location,email", ...rows, ""].join("\n"),
  );
  expect(imp.counts.created).toBe(n);
  return prefix;
}

const rowHeaders = (html: string) =>
  [...html.matchAll(/<th scope="row"><a href="\/users\/([^"]+)">/g)].map((m) => m[1]);
/** The address of the page's Previous page (`prev`) or Next page (`next`) link, if it has one. */
const link = (html: string, rel: "prev" | "next") =>
  [...html.matchAll(/<a class="button button-secondary" href="([^"]+)" rel="(\w+)">/g)]
    .find((m) => m[2] === rel)?.[1]
    ?.replaceAll("&amp;", "&");

describe("All Users", () => {
  it("says how many users match, and pages forward and back", async () => {
    const prefix = await importUsers(120);
    const { browser } = await signedIn("Admin");
    const first = await (await browser.fetch(`/users?q=${prefix}`)).text();
    expect(first).toContain("120 users match the filters.");
    expect(rowHeaders(first)).toHaveLength(50);
    expect(link(first, "prev")).toBeUndefined();
    const second = await (await browser.fetch(link(first, "next") ?? "")).text();
    expect(second).toContain("120 users match the filters.");
    expect(rowHeaders(second)[0]).toBe(`${prefix}050`);
    const third = await (await browser.fetch(link(second, "next") ?? "")).text();
    expect(rowHeaders(third)).toHaveLength(20);
    expect(link(third, "next")).toBeUndefined();
    const back = await (await browser.fetch(link(third, "prev") ?? "")).text();
    expect(rowHeaders(back)).toEqual(rowHeaders(second));
    const start = await (await browser.fetch(link(back, "prev") ?? "")).text();
    expect(rowHeaders(start)).toEqual(rowHeaders(first));
    expect(link(start, "prev")).toBeUndefined();
    expect(start).not.toContain("First page");
    expect(link(start, "next")).toBeDefined();
  });

  it("counts every user when nothing is filtered", async () => {
    const { browser } = await signedIn("Admin");
    expect(await (await browser.fetch("/users")).text()).toMatch(/[\d,]+ users in all\./);
  });

  it("finds users by the day of their import in the reader's time zone, as their times read", async () => {
    const prefix = await importUsers(2);
    const now = new Date();
    // A zone whose calendar day is not UTC's right now, whatever the hour.
    const zone = now.getUTCHours() < 11 ? "Pacific/Pago_Pago" : "Pacific/Kiritimati";
    const localDay = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(now);
    expect(localDay).not.toBe(now.toISOString().slice(0, 10));
    const { browser } = await signedIn("Admin");
    const local = await (
      await browser.fetch(`/users?q=${prefix}&imported_on=${localDay}&tz=${encodeURIComponent(zone)}`)
    ).text();
    expect(rowHeaders(local)).toEqual([`${prefix}000`, `${prefix}001`]);
    expect(local).toContain(`Days are in your time zone (${zone})`);
    expect(local).toContain(`name="tz" value="${zone}"`);
    const utc = await (await browser.fetch(`/users?q=${prefix}&imported_on=${localDay}`)).text();
    expect(rowHeaders(utc)).toEqual([]);
    expect(utc).toContain("Days are in UTC");
    const today = await (
      await browser.fetch(`/users?q=${prefix}&imported_on=${now.toISOString().slice(0, 10)}&tz=Nowhere%2FAtAll`)
    ).text();
    expect(rowHeaders(today)).toHaveLength(2);
  });

  it("keeps the API's days in UTC", async () => {
    const prefix = await importUsers(1);
    const { token } = await createUserWithToken("Admin");
    const day = new Date().toISOString().slice(0, 10);
    const body = (await (await call(token, `/api/users?q=${prefix}&imported_on=${day}`)).json()) as {
      users: unknown[];
    };
    expect(body.users).toHaveLength(1);
  });
});
