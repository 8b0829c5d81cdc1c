import { checkAdminInput, createAdmin } from "./lib/admins.ts";
import { CommandError, readOptions, runCommand } from "./lib/command.ts";
import { withDatabase } from "./lib/database.ts";

const usage =
  "npm run admin:create -- --username U --email E --password P [--first-name F --last-name L] [--remote | --persist-to DIR]";

await runCommand(async () => {
  const options = readOptions(
    {
      username: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      "first-name": { type: "string" },
      "last-name": { type: "string" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
    },
    usage,
  );
  if (!options.username || !options.email || !options.password)
    throw new CommandError(`Give a username, an email and a password. Usage: ${usage}`, 2);
  const { username, email, password } = options;
  const input = { username, email, password, firstName: options["first-name"], lastName: options["last-name"] };
  // Checked before the database is opened, so a typo is answered at once.
  const admin = checkAdminInput(input);
  const target = { remote: options.remote, persistTo: options["persist-to"] };
  const result = await withDatabase(target, (db) => createAdmin(db, input));
  if (result.outcome === "email_taken") {
    throw new CommandError(
      `The email ${admin.email} is already user ${result.owner}'s: give this admin another with --email.`,
    );
  }
  const where = target.remote ? "deployed" : "local";
  console.log(
    `Admin ${admin.username} ${result.outcome === "created" ? "created" : "updated"} on the ${where} database; sign in with the username ${admin.username} (the employee number) and this password.`,
  );
});
