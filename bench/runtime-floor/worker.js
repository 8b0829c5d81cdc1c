// GET /allocate?rows=&chunk=&rate=&pad=&garbage= makes `rows` user-like rows, `chunk` at a time,
// at `rate` rows a second, each with `pad` more bytes of text: each chunk's rows live while their
// JSON is built, then both are dropped. Each row also makes `garbage` bytes of text that die at
// once. Nothing is kept, nothing is read or written: what the runtime grows by is its own doing.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/allocate") return new Response("ok");
    const rows = Number(url.searchParams.get("rows"));
    const chunk = Number(url.searchParams.get("chunk"));
    const rate = Number(url.searchParams.get("rate"));
    const pad = Number(url.searchParams.get("pad") ?? 0);
    const garbage = Number(url.searchParams.get("garbage") ?? 0);
    let garbageBytes = 0;
    const started = Date.now();
    let made = 0;
    let bytes = 0;
    while (made < rows) {
      const batch = [];
      for (let i = 0; i < chunk && made < rows; i++, made++) {
        if (garbage > 0) garbageBytes += `${made}`.padEnd(garbage, "y").length;
        batch.push({
          employee: `E${made}`,
          email: `user${made}@example.com`,
          name: `Name ${made}`,
          role: "Standard",
          location: "HQ",
          note: `${made}`.padEnd(pad, "x"),
        });
      }
      bytes += JSON.stringify(batch).length;
      // Held to the rate an import runs at, so the garbage piles up no faster than it would there.
      const ahead = (made / rate) * 1000 - (Date.now() - started);
      await (ahead > 0 ? sleep(ahead) : null);
    }
    return Response.json({ rows: made, jsonBytes: bytes, garbageBytes, ms: Date.now() - started });
  },
};
