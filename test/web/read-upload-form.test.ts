import { describe, expect, it } from "vitest";
import { readUploadForm } from "../../src/http/read-upload-form";
import { createLocation } from "../../src/db/locations";
import { csrfIn, db, signedIn, unique } from "./helpers";

const boundary = "----WebKitFormBoundaryQ3b7n2Xk0aZp9Yt";
const encoder = new TextEncoder();

/** A form body as Chromium sends it: each part, then the closing boundary and a CRLF. */
function browserBody(fields: [string, string][], file: { name: string; content: string }): Uint8Array {
  let text = "";
  for (const [name, value] of fields)
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  text += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n--${boundary}--\r\n`;
  return encoder.encode(text);
}

/** A request whose body arrives a few bytes at a time, so boundaries straddle chunks. */
function trickle(body: Uint8Array, chunk: number): Request {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + chunk));
      at += chunk;
    },
  });
  return new Request("http://roster.test/imports", {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": String(body.length) },
    body: stream,
    duplex: "half",
  } as RequestInit);
}

describe("reading an upload form as a stream", () => {
  for (const chunk of [1, 7, 64, 100_000]) {
    it(`reads the token and the file exactly when the body arrives ${chunk} bytes at a time`, async () => {
      const content = `employee_number,first_name\r\n1,Ada\r\n--${boundary.slice(0, 20)}\r\n2,Alan\r\n`;
      const form = await readUploadForm(
        trickle(browserBody([["_csrf", "tok-123"]], { name: "ünïcode.csv", content }), chunk),
      );
      expect(form.fields.get("_csrf")).toBe("tok-123");
      expect(form.file?.name).toBe("ünïcode.csv");
      const bytes = new Uint8Array(await new Response(form.file?.body).arrayBuffer());
      expect(new TextDecoder().decode(bytes)).toBe(content);
    });
  }

  it("refuses a body that is not multipart", async () => {
    await expect(readUploadForm(new Request("http://roster.test/", { method: "POST", body: "x" }))).rejects.toThrow(
      "could not be read",
    );
  });

  it("streams a large upload from the page into a preview", async () => {
    const location = unique("Big ");
    await createLocation(db, { name: location });
    const { browser } = await signedIn("Admin");
    const token = csrfIn(await (await browser.fetch("/imports/new")).text());
    const prefix = unique("b");
    const rows = Array.from(
      { length: 120_000 },
      (_, i) => `${prefix}${i},First,Last,${location},${prefix}${i}@example.com`,
    );
    const content = `employee_number,first_name,last_name,location,email\r\n${rows.join("\r\n")}\r\n`;
    const body = browserBody([["_csrf", token]], { name: "big.csv", content });
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await browser.fetch("/imports", {
      method: "POST",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": String(body.length) },
      body,
    });
    expect(res.status).toBe(303);
    const html = await (await browser.fetch(res.headers.get("Location") ?? "")).text();
    expect(html).toContain("We found 120,000 users in this file.");
  });
});
