import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { seedDemoData, demoAdmin, type DemoSeed } from "./demo-data.ts";
import { CommandError, readOptions, runCommand } from "./lib/command.ts";
import { migrateDatabase, withDatabase } from "./lib/database.ts";
import { stateDir, type Target } from "./lib/target.ts";
import { quietWranglerEnv, wranglerBin } from "./lib/wrangler.ts";

// Roster on this machine: local D1, R2 and Queues inside wrangler dev, no account needed.
const usage = "npm start [-- --persist-to DIR], with PORT and HOST to choose where it listens";

/** Fails early, with what to do, when something already listens where wrangler dev would. */
async function checkPortFree(host: string, port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new CommandError(
        `Port ${port} on ${host} is in use: stop what runs there, or choose another port, as in PORT=${port + 1} npm start.`,
      );
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new CommandError(
        `HOST=${host} is not an address of this machine: leave HOST out, or use 127.0.0.1 or 0.0.0.0.`,
      );
    throw err;
  }
  await new Promise((resolve) => server.close(resolve));
}

function describeSeed(seed: DemoSeed): string[] {
  const lines: string[] = [];
  const added = seed.locationsAdded;
  if (added.length)
    lines.push(
      `Seeded the demo locations ${added.length > 1 ? `${added.slice(0, -1).join(", ")} and ${added.at(-1)}` : added[0]}.`,
    );
  if (seed.admin.outcome === "created") lines.push(`Created the demo admin, employee number ${demoAdmin.username}.`);
  if (seed.admin.outcome === "email_taken") {
    lines.push(
      `The demo admin was not created: ${demoAdmin.email} is already user ${seed.admin.owner}'s. Create an admin with npm run admin:create.`,
    );
  }
  if (!lines.length) lines.push("The demo locations and admin are there from an earlier start.");
  return lines;
}

function howToBegin(base: string, seed: DemoSeed): string {
  const signIn =
    seed.admin.outcome === "email_taken"
      ? "Sign in as an admin you create with npm run admin:create."
      : `Sign in with the username "${demoAdmin.username}" (the local demo admin's employee number) and the password "${demoAdmin.password}".`;
  return [
    "",
    `Roster is running at ${base}`,
    signIn,
    "To try an import, upload examples/users.csv on the Import Users page: 5 of its 6 users import, and line 5 fails for its missing email.",
    "Press Ctrl+C to stop.",
    "",
  ].join("\n");
}

await runCommand(async () => {
  const options = readOptions({ "persist-to": { type: "string" } }, usage);
  const host = process.env.HOST || "127.0.0.1";
  const port = Number(process.env.PORT || "8787");
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new CommandError(`PORT=${process.env.PORT} is not a port number: use one from 1 to 65535, such as 8787.`, 2);
  await checkPortFree(host, port);

  const target: Target = { remote: false, persistTo: options["persist-to"] };
  const applied = await migrateDatabase(target);
  console.log(
    applied
      ? `Applied ${applied} database migration${applied === 1 ? "" : "s"} to the local database (${stateDir(target)}).`
      : "The local database is up to date.",
  );
  const seed = await withDatabase(target, seedDemoData);
  for (const line of describeSeed(seed)) console.log(line);
  console.log("Starting wrangler dev…");

  const dev = spawn(
    process.execPath,
    [
      wranglerBin,
      "dev",
      "--local",
      "--persist-to",
      stateDir(target),
      "--port",
      String(port),
      "--ip",
      host,
      "--test-scheduled",
      // A webhook receiver on this machine is what a person trying Roster out has.
      "--var",
      "WEBHOOKS_ALLOW_LOCALHOST:true",
      "--show-interactive-dev-session=false",
    ],
    // Warnings and errors only: not the bindings table, printed again whenever a dev session starts
    // or stops anywhere on the machine, nor a line for every request (WRANGLER_LOG=info shows those).
    { stdio: "inherit", env: { ...quietWranglerEnv, WRANGLER_LOG: "warn", ...process.env } },
  );

  const base = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  // wrangler dev runs no cron triggers on its own: run the scheduled sweep here, every minute, so a
  // stalled local import, or a webhook whose queue message a restart lost, is picked up sooner
  // than production's five-minute cron would.
  const sweep = setInterval(() => {
    fetch(`${base}/__scheduled?cron=*/5+*+*+*+*`).catch(() => undefined);
  }, 60_000);
  const exited = new Promise<number | null>((resolve) => dev.on("exit", resolve));
  let running = true;
  void exited.then(() => (running = false));
  let stopping = false;
  const stop = () => {
    stopping = true;
    clearInterval(sweep);
    dev.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  while (running) {
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) {
      console.log(howToBegin(base, seed));
      break;
    }
    await sleep(500);
  }
  const code = await exited;
  clearInterval(sweep);
  if (code && !stopping)
    throw new CommandError(`wrangler dev stopped with exit code ${code}; its errors are above.`, code);
});
