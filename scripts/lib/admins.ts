import { hashPassword } from "../../src/auth/passwords.ts";
import { createSecret, hashSecret } from "../../src/auth/secrets.ts";
import { nameKeyOf, toKey } from "../../src/db/keys.ts";
import { executeSql, sqlText, type Target } from "./wrangler.ts";

export type AdminInput = { username: string; email: string; password: string; firstName?: string; lastName?: string };

/** Creates or updates a user with the Admin role and this password. */
export async function upsertAdmin(target: Target, input: AdminInput, options: { keepExisting?: boolean } = {}): Promise<void> {
  const hash = await hashPassword(input.password);
  const firstName = input.firstName ?? "Admin";
  const lastName = input.lastName ?? input.username.trim();
  const values = [
    sqlText(input.username.trim()),
    sqlText(toKey(input.username)),
    sqlText(firstName),
    sqlText(lastName),
    sqlText(nameKeyOf(firstName, lastName)),
    sqlText(input.email.trim()),
    sqlText(toKey(input.email)),
    "(SELECT id FROM roles WHERE name_key = 'admin')",
    sqlText(hash),
  ].join(", ");
  const onConflict = options.keepExisting
    ? "DO NOTHING"
    : `DO UPDATE SET email = excluded.email, email_key = excluded.email_key, first_name = excluded.first_name,
       last_name = excluded.last_name, name_key = excluded.name_key, role_id = excluded.role_id, password_hash = excluded.password_hash,
       updated_at = unixepoch('subsec') * 1000`;
  executeSql(
    target,
    `INSERT INTO users (employee_number, employee_key, first_name, last_name, name_key, email, email_key, role_id, password_hash)
     VALUES (${values}) ON CONFLICT (employee_key) ${onConflict};`,
  );
}

/** Creates an API token for a user and returns it; only its hash is stored. */
export async function createToken(target: Target, username: string, name: string): Promise<string> {
  const rows = executeSql<{ id: number }>(target, `SELECT id FROM users WHERE employee_key = ${sqlText(toKey(username))};`);
  const user = rows[0];
  if (!user) throw new Error(`There is no user ${username}. Create one with npm run admin:create first.`);
  const token = createSecret("rst_");
  executeSql(
    target,
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES (${user.id}, ${sqlText(name)}, ${sqlText(await hashSecret(token))}, ${sqlText(token.slice(0, 10))});`,
  );
  return token;
}
