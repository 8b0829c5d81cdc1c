import { parseArgs } from "node:util";
import { createToken } from "./lib/admins.ts";

const { values } = parseArgs({
  options: {
    username: { type: "string" },
    name: { type: "string", default: "Created from the command line" },
    remote: { type: "boolean", default: false },
  },
});

if (!values.username) {
  console.error("Usage: npm run token:create -- --username U [--name N] [--remote]");
  process.exit(2);
}
const token = await createToken({ remote: values.remote }, values.username, values.name);
console.error(`A new API token for ${values.username}. It is shown once; store it somewhere safe:`);
console.log(token);
