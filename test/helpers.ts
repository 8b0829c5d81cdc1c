import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { hashPassword } from "../src/auth/passwords";
import { createDb } from "../src/db/client";
import { nameKeyOf, toKey } from "../src/db/keys";
import { createLocation } from "../src/db/locations";
import { roles, users } from "../src/db/schema";
import { createApiToken } from "../src/db/tokens";
import { templateFields } from "../src/imports/template";

export const db = createDb(env.DB);
export const base = "http://roster.test";

let counter = 0;
/** A name no other test in this file has used: storage is shared within a test file. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** The password of every user the tests create. */
export const password = "correct horse battery";

/** The template's header row, for files built with csvOf. */
export const header: string[] = [...templateFields];

/** The stored user with this employee number (compared as Roster compares them), if any. */
export async function storedUser(employeeNumber: string) {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.employeeKey, toKey(employeeNumber)));
  return row;
}

/** Inserts a user with a role who can sign in with `password`. */
export async function createUser(
  roleName: "Admin" | "Manager" | "Standard",
  fields: { firstName?: string; lastName?: string } = {},
) {
  const [role] = await db
    .select()
    .from(roles)
    .where(eq(roles.nameKey, toKey(roleName)));
  if (!role) throw new Error(`No role ${roleName}`);
  const employeeNumber = unique("e");
  const [user] = await db
    .insert(users)
    .values({
      employeeNumber,
      employeeKey: toKey(employeeNumber),
      firstName: fields.firstName ?? "Test",
      lastName: fields.lastName ?? roleName,
      nameKey: nameKeyOf(fields.firstName ?? "Test", fields.lastName ?? roleName),
      email: `${employeeNumber}@example.com`,
      emailKey: toKey(`${employeeNumber}@example.com`),
      roleId: role.id,
      passwordHash: await hashPassword(password),
    })
    .returning();
  if (!user) throw new Error("user not created");
  return user;
}

/** Creates a user with a role and returns an API token for them. */
export async function createUserWithToken(roleName: "Admin" | "Manager" | "Standard" = "Admin") {
  const user = await createUser(roleName);
  const token = await createApiToken(db, user.id, "test");
  if (token === null) throw new Error("The token was not created.");
  return { user, token };
}

/** Creates a location with a unique name and returns its name, code and alias. */
export async function createTestLocation(): Promise<{ name: string; code: string; alias: string }> {
  const name = unique("Site ");
  const code = unique("C");
  const alias = unique("Alias ");
  await createLocation(db, { name, code, aliases: [alias] });
  return { name, code, alias };
}

export function call(token: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return exports.default.fetch(new Request(`${base}${path}`, { ...init, headers }));
}

export async function uploadCsv(token: string, csv: string | Uint8Array, query = "filename=users.csv") {
  return call(token, `/api/imports?${query}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv" },
    body: csv,
  });
}

export type ImportBody = {
  id: string;
  status: string;
  total_rows: number;
  processed_rows: number;
  counts: { created: number; updated: number; unchanged: number; failed: number; warnings: number };
  error: string | null;
};

/** Polls an import until it has finished; the queue consumer runs on its own in the test runtime. */
/** Polls an import through the API until `done` says its status is one to stop at. */
async function pollImport<T extends { status: string }>(
  token: string,
  id: string,
  done: (status: string) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(token, `/api/imports/${id}`);
    const body = (await res.json()) as T;
    if (done(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`Import ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForImport(token: string, id: string, timeoutMs = 30_000): Promise<ImportBody> {
  return pollImport(token, id, (s) => s === "completed" || s === "failed" || s === "cancelled", timeoutMs);
}

/** Waits until an import is no longer undoing: undone, or back where it was when the undo stopped. */
export async function waitForUndo<T extends { status: string } = ImportBody>(
  token: string,
  id: string,
  timeoutMs = 30_000,
): Promise<T> {
  return pollImport<T>(token, id, (s) => s !== "undoing", timeoutMs);
}

export type LineBody = {
  line: number;
  employee_number: string;
  outcome: string;
  messages: { level: string; code: string; message: string }[];
};

/** Uploads, starts and waits for an import; returns the finished import and all of its lines. */
export async function importCsv(token: string, csv: string | Uint8Array) {
  const res = await uploadCsv(token, csv, "filename=users.csv&start=true");
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const imp = await waitForImport(token, id);
  const lines: LineBody[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await call(token, `/api/imports/${id}/lines?limit=1000${cursor === null ? "" : `&cursor=${cursor}`}`)
    ).json()) as {
      lines: LineBody[];
      next_cursor: string | null;
    };
    lines.push(...page.lines);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return { imp, lines, line: (n: number) => lines.find((l) => l.line === n) };
}

/** Builds a CSV from rows; the first row is the header. */
export function csvOf(rows: string[][]): string {
  return rows.map((r) => r.join(",")).join("\n") + "\n";
}

/** Reads a 409 too_many_deactivations for the number of users it names. */
export async function refusedNumber(res: Response): Promise<number> {
  if (res.status !== 409) throw new Error(`expected 409 too_many_deactivations, got ${res.status}`);
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  if (error.code !== "too_many_deactivations") throw new Error(`expected too_many_deactivations, got ${error.code}`);
  const match = /would deactivate ([\d,]+) users/.exec(error.message);
  if (!match?.[1]) throw new Error(`no number in ${error.message}`);
  return Number(match[1].replace(/,/g, ""));
}

/** The employee numbers a sync (or its dry run) deactivated, read through every page of `/deactivated`. */
export async function deactivatedBy(token: string, id: string, pageSize: number): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await call(token, `/api/imports/${id}/deactivated?limit=${pageSize}${cursor === null ? "" : `&cursor=${cursor}`}`)
    ).json()) as { users: { employee_number: string }[]; next_cursor: string | null };
    found.push(...page.users.map((u) => u.employee_number));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return found;
}

/** Uploads and starts a sync, confirming the forecast's number when the guardrail asks for it. */
export async function syncCsv(token: string, csv: string) {
  const res = await uploadCsv(token, csv, "filename=users.csv");
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const forecast = (await (await call(token, `/api/imports/${id}/sync-forecast`)).json()) as {
    deactivations: number;
    needs_confirmation: boolean;
  };
  const confirm = forecast.needs_confirmation ? `&confirm_deactivations=${forecast.deactivations}` : "";
  const started = await call(token, `/api/imports/${id}/start?sync=true${confirm}`, { method: "POST" });
  if (started.status !== 202) throw new Error(`start answered ${started.status}: ${await started.text()}`);
  const imp = (await waitForImport(token, id)) as ImportBody & { sync: boolean; deactivated: number };
  return { id, imp, forecast };
}
