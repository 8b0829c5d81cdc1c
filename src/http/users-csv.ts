import type { Db } from "../db/client";
import { listUsers, type UserFilter, type UserView } from "../db/users";
import { bom, toCsv } from "../imports/report-csv";
import { templateFields } from "../imports/template";

const pageSize = 1_000;

/** What the export adds after the template's columns; none of these names is one an import reads. */
const statusColumns = [
  "status",
  "role_locked",
  "location_locked",
  "created_at",
  "updated_at",
  "last_import_id",
  "last_imported_at",
] as const;

const iso = (d: Date | null) => (d ? d.toISOString() : "");

function userRow(u: UserView): string[] {
  const template: Record<(typeof templateFields)[number], string> = {
    employee_number: u.employeeNumber,
    first_name: u.firstName,
    last_name: u.lastName,
    location: u.location ?? "",
    email: u.email,
    role: u.role,
  };
  return [
    ...templateFields.map((f) => template[f]),
    u.status,
    String(u.roleLocked),
    String(u.locationLocked),
    iso(u.createdAt),
    iso(u.updatedAt),
    u.lastImportId ?? "",
    iso(u.lastImportedAt),
  ];
}

/**
 * The users a filter finds, as CSV in the template's columns and then their status, read a
 * keyset page per pull so that a million users never sit in memory. Importing the file again
 * changes nothing: its extra columns are ignored and every value is what is stored.
 */
export function usersCsv(db: Db, filter: Omit<UserFilter, "limit" | "cursor">): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(bom + toCsv([[...templateFields, ...statusColumns]])));
        return;
      }
      const page = await listUsers(db, { ...filter, limit: pageSize, cursor });
      if (page.users.length) controller.enqueue(encoder.encode(toCsv(page.users.map(userRow))));
      if (page.nextCursor === null) controller.close();
      else cursor = page.nextCursor;
    },
  });
}
