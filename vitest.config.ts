import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** The API's allowances raised far out of reach: most test files import dozens of files a minute with one token. */
const unlimited = { limit: 1_000_000, period: 60 as const };

/** As under `npm start`: webhooks may go to a receiver on this machine. */
const localVars = { WEBHOOKS_ALLOW_LOCALHOST: "true" };

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  const workers = { setupFiles: ["./test/apply-migrations.ts"], testTimeout: 60_000 };
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ...localVars },
                ratelimits: {
                  API_READS: { namespace_id: "1601", simple: unlimited },
                  API_WRITES: { namespace_id: "1602", simple: unlimited },
                  API_UPLOADS: { namespace_id: "1603", simple: unlimited },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/browser/**", "test/cli/**", "test/receiver/**", "test/rate-limits/**", "test/scripts/**"],
            ...workers,
          },
        },
        {
          // wrangler.toml's allowances as they are deployed.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: { bindings: { TEST_MIGRATIONS: migrations, ...localVars } },
            }),
          ],
          test: { name: "rate-limits", include: ["test/rate-limits/**/*.test.ts"], ...workers },
        },
        {
          // The npm scripts, run as a person runs them, in child processes on temporary local state.
          test: {
            name: "scripts",
            include: ["test/scripts/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
        {
          test: {
            name: "browser",
            // The command-line importer's and the webhook receiver's tests run here too, against the
            // same local Roster.
            include: ["test/browser/**/*.test.ts", "test/cli/**/*.test.ts", "test/receiver/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/browser/serve.ts"],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
