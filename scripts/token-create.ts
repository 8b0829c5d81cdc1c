import { createToken } from "./lib/admins.ts";
import { CommandError, readOptions, runCommand } from "./lib/command.ts";
import { withDatabase } from "./lib/database.ts";

const usage = 'npm run token:create -- --username U [--name "CI script"] [--remote | --persist-to DIR]';

await runCommand(async () => {
  const options = readOptions(
    {
      username: { type: "string" },
      name: { type: "string", default: "Created from the command line" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
    },
    usage,
  );
  const username = options.username?.trim();
  if (!username) throw new CommandError(`Say whose token it is with --username. Usage: ${usage}`, 2);
  const name = options.name.trim();
  if (!name || name.length > 100)
    throw new CommandError("Give the token a name of 1 to 100 characters with --name, so you recognise it later.", 2);
  const target = { remote: options.remote, persistTo: options["persist-to"] };
  const token = await withDatabase(target, (db) => createToken(db, username, name));
  if (token === null) {
    const where = target.remote ? "deployed" : "local";
    throw new CommandError(
      `There is no user ${username} on the ${where} database: check the username, or create an admin with npm run admin:create.`,
    );
  }
  console.error(`A new API token for ${username}. It is shown once; store it somewhere safe:`);
  console.log(token);
});
