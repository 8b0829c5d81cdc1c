import { describe, expect, it } from "vitest";
import { createWebhookSecret, signWebhook } from "../../src/webhooks/sign-webhook";

// The vector of the standardwebhooks package's own tests.
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signWebhook", () => {
  it("signs as the Standard Webhooks specification's libraries do", async () => {
    expect(await signWebhook([vector.secret], vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it("signs with the key alone, without the whsec_ prefix", async () => {
    const bare = vector.secret.slice("whsec_".length);
    expect(await signWebhook([bare], vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it("carries one signature per secret while a rotated secret is still honoured", async () => {
    const other = createWebhookSecret();
    const header = await signWebhook([other, vector.secret], vector.id, vector.timestamp, vector.body);
    const [first, second] = header.split(" ");
    expect(first).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(first).not.toBe(vector.signature);
    expect(second).toBe(vector.signature);
  });
});

describe("createWebhookSecret", () => {
  it("makes whsec_ secrets of 32 random bytes, each different", () => {
    const a = createWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6))).toHaveLength(32);
    expect(createWebhookSecret()).not.toBe(a);
  });
});
