import { z } from "zod";
import { passwordProblem } from "../../src/auth/password-rules.ts";
import { hashPassword } from "../../src/auth/passwords.ts";
import type { Db } from "../../src/db/client.ts";
import { createApiToken } from "../../src/db/tokens.ts";
import { findUserId, upsertAdmin, type AdminOutcome } from "../../src/db/users.ts";
import { CommandError } from "./command-error.ts";

/** An admin as the command line describes one; names left out become "Admin" and the username. */
export const adminInput = z
  .object({
    username: z.string().trim().min(1, "Give the admin a username, their employee number, with --username."),
    email: z.string().trim().pipe(z.email("Give the admin an email address, as name@example.com, with --email.")),
    password: z.string(),
    firstName: z.string().trim().min(1).optional(),
    lastName: z.string().trim().min(1).optional(),
  })
  // The rules the set-password page applies, so the command line sets no password a link could not.
  .superRefine((admin, ctx) => {
    const problem = passwordProblem(admin.password, admin);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });
export type AdminInput = z.input<typeof adminInput>;

/** The admin's details checked and trimmed; what is wrong with them is a usage error saying what to give. */
export function checkAdminInput(input: AdminInput): z.output<typeof adminInput> {
  const parsed = adminInput.safeParse(input);
  if (!parsed.success) throw new CommandError(parsed.error.issues[0]?.message ?? "Check the admin's details.", 2);
  return parsed.data;
}

/**
 * Creates or updates a user with the Admin role and this password (stored as the Worker stores
 * passwords); with `keepExisting`, a user already there is left alone. Bad input is a CommandError.
 */
export async function createAdmin(
  db: Db,
  input: AdminInput,
  options: { keepExisting?: boolean } = {},
): Promise<AdminOutcome> {
  const admin = checkAdminInput(input);
  return upsertAdmin(
    db,
    {
      username: admin.username,
      email: admin.email,
      firstName: admin.firstName ?? "Admin",
      lastName: admin.lastName ?? admin.username,
      passwordHash: await hashPassword(admin.password),
    },
    options,
  );
}

/** Creates an API token for the user with this username and returns it (only its hash is stored), or null when there is no such user. */
export async function createToken(db: Db, username: string, name: string): Promise<string | null> {
  const userId = await findUserId(db, username);
  if (userId === null) return null;
  const token = await createApiToken(db, userId, name);
  if (token === null) throw new Error("The token was not stored.");
  return token;
}
