import { HTTPException } from "hono/http-exception";

/** The file of an upload form, as a stream that ends where the file ends. */
type UploadedFile = {
  name: string;
  body: ReadableStream<Uint8Array>;
};

/** The text fields that come before the file, and the file itself. */
export type UploadForm = { fields: Map<string, string>; file: UploadedFile | null };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const maxHeaderBytes = 8 * 1024;
const maxFieldBytes = 64 * 1024;

const malformed = () =>
  new HTTPException(400, { message: "The form could not be read. Reload the page and upload the file again." });

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  let i = haystack.indexOf(first ?? 0, from);
  while (i !== -1 && i + needle.length <= haystack.length) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first ?? 0, i + 1);
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

function dispositionParam(headers: string, param: string): string | null {
  const line = headers.split("\r\n").find((h) => /^content-disposition:/i.test(h));
  if (!line) return null;
  const match = new RegExp(`;\\s*${param}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(line);
  return match?.[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : null;
}

/**
 * Reads a multipart/form-data body as a stream: the text fields before the file are read whole
 * (they are small: the CSRF token), and the file is handed on as a stream, so a 100 MB upload
 * never sits in the Worker's memory. Parts after the file are not read.
 */
export async function readUploadForm(request: Request): Promise<UploadForm> {
  const boundary = boundaryOf(request.headers.get("Content-Type") ?? "");
  if (!boundary || !request.body) throw malformed();
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const reader = request.body.getReader();
  // A virtual CRLF in front makes the first boundary look like every other one.
  let buf: Uint8Array = encoder.encode("\r\n");
  let done = false;

  const fill = async (): Promise<boolean> => {
    if (done) return false;
    const next = await reader.read();
    if (next.done) {
      done = true;
      return false;
    }
    buf = concat(buf, next.value);
    return true;
  };
  const consume = (n: number) => {
    buf = buf.subarray(n);
  };
  const readUntil = async (needle: Uint8Array, max: number): Promise<Uint8Array> => {
    let at = indexOf(buf, needle);
    while (at === -1) {
      if (buf.length > max + needle.length || !(await fill())) throw malformed();
      at = indexOf(buf, needle);
    }
    const found = buf.slice(0, at);
    consume(at + needle.length);
    return found;
  };
  const readBytes = async (n: number): Promise<string> => {
    while (buf.length < n) if (!(await fill())) throw malformed();
    const text = decoder.decode(buf.subarray(0, n));
    consume(n);
    return text;
  };

  const fields = new Map<string, string>();
  await readUntil(delimiter, 1024);
  let fieldBytes = 0;
  while ((await readBytes(2)) === "\r\n") {
    const headers = decoder.decode(await readUntil(encoder.encode("\r\n\r\n"), maxHeaderBytes));
    const name = dispositionParam(headers, "name");
    const fileName = dispositionParam(headers, "filename");
    if (name === null) throw malformed();
    if (fileName === null) {
      const value = await readUntil(delimiter, maxFieldBytes - fieldBytes);
      fieldBytes += value.length;
      fields.set(name, decoder.decode(value));
      continue;
    }
    return { fields, file: { name: fileName, body: fileStream() } };
  }
  return { fields, file: null };

  function fileStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          const at = indexOf(buf, delimiter);
          if (at !== -1) {
            if (at > 0) controller.enqueue(buf.slice(0, at));
            consume(at);
            controller.close();
            // The closing boundary is all that is left; read it so the request ends cleanly.
            while (await fill()) buf = new Uint8Array(0);
            return;
          }
          // Everything but a possible partial delimiter at the end is file.
          const safe = buf.length - (delimiter.length - 1);
          if (safe > 0) {
            controller.enqueue(buf.slice(0, safe));
            consume(safe);
          }
          if (!(await fill())) {
            controller.error(malformed());
            return;
          }
          if (safe > 0) return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
  }
}
