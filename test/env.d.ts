declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

// Vite's `?raw` import: a file's text, bundled into the test.
declare module "*?raw" {
  const text: string;
  export default text;
}
