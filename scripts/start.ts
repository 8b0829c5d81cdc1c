import { spawn } from "node:child_process";
import { upsertAdmin } from "./lib/admins.ts";
import { applyMigrations } from "./lib/wrangler.ts";
import { seedLocations } from "./demo-data.ts";

// Roster on this machine: local D1, R2 and Queues inside wrangler dev, no account needed.
const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const demoAdmin = { username: "admin", email: "admin@example.com", password: "roster-demo-admin", firstName: "Demo", lastName: "Admin" };

console.log("Applying database migrations…");
applyMigrations({ remote: false });
seedLocations({ remote: false });
await upsertAdmin({ remote: false }, demoAdmin, { keepExisting: true });

const dev = spawn(
  "wrangler",
  ["dev", "--local", "--port", port, "--ip", host, "--test-scheduled", "--show-interactive-dev-session=false"],
  { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);

const base = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
// wrangler dev runs no cron triggers on its own: run the scheduled sweep here, every minute, so a
// stalled local import is picked up sooner than production's five-minute cron would.
const sweep = setInterval(() => {
  fetch(`${base}/__scheduled?cron=*/5+*+*+*+*`).catch(() => undefined);
}, 60_000);

let announced = false;
const ready = setInterval(async () => {
  try {
    if ((await fetch(`${base}/healthz`)).ok && !announced) {
      announced = true;
      clearInterval(ready);
      console.log(`\nRoster is running at ${base}\nSign in as "${demoAdmin.username}" with the password "${demoAdmin.password}" (local demo admin).\n`);
    }
  } catch {
    // Not listening yet.
  }
}, 500);

const stop = () => {
  clearInterval(sweep);
  clearInterval(ready);
  dev.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 0));
