// Bindings declared in wrangler.toml; `Env` is what the handlers and `cloudflare:workers` see.
declare namespace Cloudflare {
  interface Env {
    ASSETS: Fetcher;
    DB: D1Database;
    FILES: R2Bucket;
    IMPORT_QUEUE: Queue<import("./src/imports/messages").ImportMessage>;
    WEBHOOK_QUEUE: Queue<import("./src/webhooks/deliver-webhook").WebhookMessage>;
    WEBHOOKS_ALLOW_LOCALHOST: string;
    MAX_UPLOAD_BYTES: string;
    RETENTION_DAYS: string;
    ACCOUNT_LINK_DAYS: string;
    SYNC_CONFIRM_ABOVE_PERCENT: string;
    API_READS: RateLimit;
    API_WRITES: RateLimit;
    API_UPLOADS: RateLimit;
  }
}
interface Env extends Cloudflare.Env {}
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./src/index");
  }
}
