import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { checkWebhookUrl } from "../../src/webhooks/webhook-url";

describe("checkWebhookUrl", () => {
  it("accepts https:// URLs of public servers", () => {
    expect(checkWebhookUrl("https://hooks.example.com/roster?x=1", false)).toBeNull();
    expect(checkWebhookUrl("https://8.8.8.8/hook", false)).toBeNull();
  });

  it("refuses a receiver on this machine unless the local setting allows it", () => {
    for (const url of [
      "http://localhost:8080/hook",
      "http://127.0.0.1:3000/",
      "https://localhost/",
      "http://0x7f.1:80/",
    ]) {
      expect(checkWebhookUrl(url, false), url).toMatch(
        /does not deliver to .*use an https:\/\/ URL of a public server/,
      );
      expect(checkWebhookUrl(url, true), url).toBeNull();
    }
  });

  it("refuses other loopback and private addresses even where localhost is allowed", () => {
    for (const url of [
      "http://127.0.0.2:3000/",
      "https://127.0.0.2/",
      "https://2130706434/",
      "https://172.20.0.1/",
      "https://100.64.0.1/",
      "https://[::ffff:127.0.0.1]/",
      "https://api.localhost/",
      "https://nas.home.arpa/",
    ]) {
      expect(checkWebhookUrl(url, true), url).not.toBeNull();
    }
  });

  it("is off in wrangler.toml as deployed", () => {
    expect(wranglerToml).toMatch(/^WEBHOOKS_ALLOW_LOCALHOST = "false"$/m);
  });
});
