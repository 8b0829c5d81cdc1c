import { parseArgs } from "node:util";
import { upsertAdmin } from "./lib/admins.ts";

const { values } = parseArgs({
  options: {
    username: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    "first-name": { type: "string" },
    "last-name": { type: "string" },
    remote: { type: "boolean", default: false },
  },
});

if (!values.username || !values.email || !values.password) {
  console.error("Usage: npm run admin:create -- --username U --email E --password P [--first-name F --last-name L] [--remote]");
  process.exit(2);
}
if (values.password.length < 10) {
  console.error("Choose a password of at least 10 characters.");
  process.exit(2);
}
await upsertAdmin(
  { remote: values.remote },
  { username: values.username, email: values.email, password: values.password, firstName: values["first-name"], lastName: values["last-name"] },
);
console.log(`Admin ${values.username} is ready on the ${values.remote ? "deployed" : "local"} database.`);
