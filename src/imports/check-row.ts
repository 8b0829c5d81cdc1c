import { z } from "zod";
import type { LineMessage, LineOutcome, UserStatus } from "../db/schema";
import { adminPermissions, canGiveRole, canManageUsers } from "../auth/permissions";
import { toKey } from "../db/keys";
import type { FileRecord } from "./read";
import type { RowValues } from "./template";

/** A user as the rules see it: stored values plus the keys they match by. */
export type UserState = {
  employeeNumber: string;
  employeeKey: string;
  firstName: string;
  lastName: string;
  email: string;
  emailKey: string;
  locationId: number | null;
  roleId: number;
  roleLocked: boolean;
  locationLocked: boolean;
  /** Only a sync changes it, reactivating a user an earlier sync deactivated. */
  status: UserStatus;
  /** Deactivated by a sync for not being in its file, rather than by hand. */
  deactivatedBySync: boolean;
};

export type RoleRef = { id: number; name: string; permissions: string[] };

/** The user an import acts for, the one who started it: their key, and their role's permissions. */
export type Importer = { employeeKey: string; permissions: string[] };
export type LocationRef = { id: number; name: string };

/**
 * What the rules need to know while a chunk is checked line by line. The maps start as the
 * database and earlier chunks left them and are updated after every line, so each line sees
 * the file as if it had been applied one line at a time.
 */
export type CheckContext = {
  standardRole: RoleRef;
  rolesByKey: Map<string, RoleRef>;
  rolesById: Map<number, RoleRef>;
  /** The roles a file may name, for a message: "Standard, Manager or Admin". */
  roleNames: string;
  locationsByKey: Map<string, LocationRef>;
  locationsById: Map<number, LocationRef>;
  usersByKey: Map<string, UserState>;
  /** Which employee key owns an email key. */
  emailOwners: Map<string, string>;
  /** The first line of this file that named an employee key, or an email key. */
  employeeLines: Map<string, number>;
  emailLines: Map<string, number>;
  importer: Importer;
  /** The import is a sync: its lines reactivate the users an earlier sync deactivated. */
  sync: boolean;
  /**
   * How many active users can import users (canManageUsers), as the database and the lines so far
   * leave them; null when the chunk names nobody who can, so that no line of it can lower it.
   */
  activeImporters: number | null;
};

export type CheckedLine = {
  line: number;
  employeeNumber: string;
  employeeKey: string | null;
  emailKey: string | null;
  outcome: LineOutcome;
  messages: LineMessage[];
  /** The user as it must be stored after this line, when the line created or changed one. */
  write: UserState | null;
};

/** A record's values in the form they match by (see toKey); "" for an empty value. */
export type RowKeys = { employee: string; email: string; location: string; role: string };

/** Worked out once per record: the chunk's look-ups and the rules both use them. */
export function keysOf(values: RowValues): RowKeys {
  return {
    employee: toKey(values.employee_number),
    email: toKey(values.email),
    location: toKey(values.location),
    role: toKey(values.role),
  };
}

const emailSchema = z.email();
/**
 * How a spreadsheet shows a long number it has turned into a float: 1.23457E+11. The exponent's
 * sign is always written, which keeps real employee numbers such as 10E45 importable.
 */
const scientific = /^[+-]?\d+(?:[.,]\d+)?e[+-]\d+$/i;

const permissionWords: Record<(typeof adminPermissions)[number], string> = {
  admin_access: "admin access (they see every user and import)",
  manage_users: "manage users (they import and change users)",
};

/**
 * When a file's all-digit employee number is an existing user's number without its leading zeros
 * (1234 for 001234), the zeros were most likely dropped by a spreadsheet on the way: Excel drops
 * them from every number it reads, a CSV's included. A sentence saying so, or "".
 */
function lostZerosHint(fileNumber: string, existingNumber: string): string {
  const digits = fileNumber.trim();
  const existing = existingNumber.trim();
  if (!/^\d+$/.test(digits) || !/^0+\d+$/.test(existing) || existing.replace(/^0+/, "") !== digits.replace(/^0+/, ""))
    return "";
  return (
    ` The employee number ${digits} is probably ${existing} with its leading zeros lost by a spreadsheet.` +
    ` Format the employee number column as Text in the spreadsheet, type ${existing} again and export once more;` +
    ` or edit the CSV in a text editor, since Excel drops leading zeros when it opens a CSV.`
  );
}

const error = (code: string, message: string): LineMessage => ({ level: "error", code, message });
const warning = (code: string, message: string): LineMessage => ({ level: "warning", code, message });

function failed(
  record: FileRecord,
  messages: LineMessage[],
  keys: { employeeKey?: string; emailKey?: string } = {},
): CheckedLine {
  return {
    line: record.line,
    employeeNumber: record.values.employee_number,
    employeeKey: keys.employeeKey ?? null,
    emailKey: keys.emailKey ?? null,
    outcome: "failed",
    messages: messages.filter((m) => m.level === "error"),
    write: null,
  };
}

/**
 * Applies the import rules to one record against the context, and updates the context as if
 * the line had been written. A failed line changes nothing but the record of which employee
 * numbers and emails the file has used.
 */
export function checkRow(record: FileRecord, keys: RowKeys, ctx: CheckContext): CheckedLine {
  const v = record.values;
  if (record.malformed) return failed(record, [error("malformed_row", record.malformed)]);

  const employeeNumber = v.employee_number;
  if (!employeeNumber) {
    return failed(record, [
      error("missing_employee_number", "The employee number is empty. Every user needs one: it is their username."),
    ]);
  }
  if (scientific.test(employeeNumber)) {
    return failed(record, [
      error(
        "invalid_employee_number",
        `The employee number "${employeeNumber}" looks like a spreadsheet turned it into a number. Format the column as Text in the spreadsheet, type the full numbers again and export once more.`,
      ),
    ]);
  }
  const employeeKey = keys.employee;
  const earlierLine = ctx.employeeLines.get(employeeKey);
  if (earlierLine !== undefined) {
    return failed(
      record,
      [
        error(
          "duplicate_employee_number",
          `The employee number ${employeeNumber} is also on line ${earlierLine}. Each user may appear once in a file.`,
        ),
      ],
      { employeeKey },
    );
  }
  ctx.employeeLines.set(employeeKey, record.line);

  const messages: LineMessage[] = [];
  // Users in the database, or created by an earlier line of this chunk.
  const existing = ctx.usersByKey.get(employeeKey);

  let emailKey: string | undefined;
  // Whether this line claims its email for the rest of the file (see below).
  let claimsEmail = false;
  if (v.email) {
    if (!emailSchema.safeParse(v.email).success) {
      messages.push(error("invalid_email", `"${v.email}" is not an email address. Write it as name@example.com.`));
    } else {
      emailKey = keys.email;
      const emailLine = ctx.emailLines.get(emailKey);
      const owner = ctx.emailOwners.get(emailKey);
      const ownedByOther = owner !== undefined && owner !== employeeKey;
      if (emailLine !== undefined) {
        messages.push(
          error(
            "duplicate_email",
            `The email ${v.email} is also on line ${emailLine}. Every user needs an email of their own.`,
          ),
        );
      } else if (ownedByOther) {
        const ownerNumber = ctx.usersByKey.get(owner)?.employeeNumber ?? owner;
        messages.push(
          error(
            "duplicate_email",
            `The email ${v.email} is already used by user ${ownerNumber}. Every user needs an email of their own.` +
              lostZerosHint(employeeNumber, ownerNumber),
          ),
        );
      }
      // The first line with an email claims it, so a later line with the same one is a duplicate,
      // unless another user owns it: then the owner's own line, wherever it is, keeps it.
      claimsEmail = emailLine === undefined && !ownedByOther;
      if (claimsEmail) ctx.emailLines.set(emailKey, record.line);
    }
  }

  let locationId = existing?.locationId ?? null;
  if (v.location) {
    const location = ctx.locationsByKey.get(keys.location);
    // A locked location is not updated, so the file's value does not have to name a location.
    if (existing?.locationLocked && location?.id !== existing.locationId) {
      const kept =
        existing.locationId === null ? "none" : (ctx.locationsById.get(existing.locationId)?.name ?? "the current one");
      messages.push(
        warning(
          "location_locked",
          `The location stays ${kept} because this user's location is locked; the file asked for ${location?.name ?? v.location}.`,
        ),
      );
    } else if (!location) {
      messages.push(
        error(
          "unknown_location",
          `No location is named, coded or aliased "${v.location}". Use an existing location's name, code or alias, or add it under Locations first.`,
        ),
      );
    } else {
      locationId = location.id;
    }
  }

  let roleId = existing?.roleId ?? ctx.standardRole.id;
  if (v.role) {
    const known = ctx.rolesByKey.get(keys.role);
    const wanted = known ?? ctx.standardRole;
    if (existing?.roleLocked) {
      if (wanted.id !== existing.roleId || !known) {
        const kept = ctx.rolesById.get(existing.roleId)?.name ?? "the current one";
        messages.push(
          warning(
            "role_locked",
            `The role stays ${kept} because this user's role is locked; the file asked for ${v.role}.`,
          ),
        );
      }
    } else {
      roleId = wanted.id;
      if (!known) {
        messages.push(
          warning(
            "unknown_role",
            `There is no role called "${v.role}", so the user has the ${ctx.standardRole.name} role. Choose another on the user's page, or put one of ${ctx.roleNames} in the file and import the line again.`,
          ),
        );
      }
    }
  }

  const ownAccount = existing !== undefined && existing.employeeKey === ctx.importer.employeeKey;
  const email = v.email || existing?.email || "";
  const before = existing ? ctx.rolesById.get(existing.roleId) : undefined;
  // Only an active user can import users, so only an active one counts towards the last admin.
  const wasImporter = existing?.status === "active" && before !== undefined && canManageUsers(before);
  const after = ctx.rolesById.get(roleId) ?? ctx.standardRole;
  const roleChanges = roleId !== existing?.roleId;
  // The whole line fails rather than applying its other fields: a half-applied line would read as
  // imported in the report while the file still says something else, and the person fixing the
  // file needs one clear answer. A line that leaves role and email as they are imports as usual,
  // so an exported file imported again stays unchanged.
  if (ownAccount && (roleChanges || email !== existing.email)) {
    messages.push(
      error(
        "own_account",
        "This line would change the role or email of your own account, which an import never does. Ask another admin to change it on your user page, or put your current role and email in the file.",
      ),
    );
  } else if (roleChanges && !canGiveRole(ctx.importer, after)) {
    messages.push(
      error(
        "role_not_allowed",
        `Your role cannot give the ${after.name} role: it allows more than yours does. Ask an admin whose role includes it to import this line, or choose another role.`,
      ),
    );
  } else if (existing && wasImporter && !canManageUsers(after) && ctx.activeImporters !== null) {
    if (ctx.activeImporters <= 1) {
      messages.push(
        error(
          "last_admin",
          `This line would leave no active user who can import users: ${existing.employeeNumber} is the last with a role that has admin access and manage users. Give another user such a role first, or keep this user's role.`,
        ),
      );
    }
  }

  if (!existing) {
    if (!v.email)
      messages.push(
        error("missing_email", "The email is empty. A new user needs an email address, and it must be unique."),
      );
    if (!v.first_name)
      messages.push(error("missing_first_name", "The first name is empty. A new user needs a first name."));
    if (!v.last_name)
      messages.push(error("missing_last_name", "The last name is empty. A new user needs a last name."));
    if (!v.location)
      messages.push(
        error(
          "missing_location",
          "The location is empty. A new user needs a location: a location's name, code or alias.",
        ),
      );
  }

  if (messages.some((m) => m.level === "error"))
    return failed(record, messages, { employeeKey, emailKey: claimsEmail ? emailKey : undefined });

  const gained = adminPermissions.filter((p) => after.permissions.includes(p) && !before?.permissions.includes(p));
  if (gained.length > 0) {
    messages.push(
      warning(
        "grants_admin_access",
        `${employeeNumber} now has the ${after.name} role, which gives ${gained.map((p) => permissionWords[p]).join(" and ")}. Check that they should.`,
      ),
    );
  }
  // A sync speaks for the whole organisation, so someone an earlier sync found missing is back; a
  // hand deactivation was someone's decision, which a file does not overrule.
  const reactivated = ctx.sync && existing?.status === "deactivated" && existing.deactivatedBySync;
  if (reactivated) {
    messages.push(
      warning(
        "user_reactivated",
        `${existing.employeeNumber} was deactivated by an earlier sync because its file did not have them; this line reactivates them.`,
      ),
    );
  } else if (existing?.status === "deactivated") {
    messages.push(
      warning(
        "user_deactivated",
        `${existing.employeeNumber} is deactivated: the line updates them and they stay deactivated. Reactivate them on their user page if they are back.`,
      ),
    );
  }
  const isImporter = (reactivated || (existing?.status ?? "active") === "active") && canManageUsers(after);
  if (ctx.activeImporters !== null && wasImporter !== isImporter) ctx.activeImporters += isImporter ? 1 : -1;

  const next: UserState = {
    employeeNumber: existing?.employeeNumber ?? employeeNumber,
    employeeKey,
    firstName: v.first_name || existing?.firstName || "",
    lastName: v.last_name || existing?.lastName || "",
    email,
    emailKey: emailKey ?? existing?.emailKey ?? "",
    locationId,
    roleId,
    roleLocked: existing?.roleLocked ?? false,
    locationLocked: existing?.locationLocked ?? false,
    status: reactivated ? "active" : (existing?.status ?? "active"),
    deactivatedBySync: reactivated ? false : (existing?.deactivatedBySync ?? false),
  };
  const outcome: LineOutcome = !existing ? "created" : sameUser(existing, next) ? "unchanged" : "updated";
  if (outcome !== "unchanged") {
    if (existing && existing.emailKey !== next.emailKey) ctx.emailOwners.delete(existing.emailKey);
    ctx.emailOwners.set(next.emailKey, employeeKey);
    ctx.usersByKey.set(employeeKey, next);
  }
  return {
    line: record.line,
    employeeNumber,
    employeeKey,
    emailKey: emailKey ?? null,
    outcome,
    messages,
    write: outcome === "unchanged" ? null : next,
  };
}

function sameUser(a: UserState, b: UserState): boolean {
  return (
    a.firstName === b.firstName &&
    a.lastName === b.lastName &&
    a.email === b.email &&
    a.locationId === b.locationId &&
    a.roleId === b.roleId &&
    a.status === b.status
  );
}
