import { z } from "@hono/zod-openapi";
import { cleanText } from "../clean-text";
import { changedFields, importStatuses, lineOutcomes, undoKeptReasons, userStatuses } from "../db/schema";
import { webhookEventNames, webhookEvents } from "../webhooks/events";

/*
 * Every shape the API reads or answers, once: routes validate with them and the OpenAPI
 * document is generated from them.
 */

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Stable, for programs: invalid_input, not_found, file_too_large, …"),
      message: z.string().describe("A sentence for people: what is wrong and what to do."),
    }),
  })
  .openapi("Error");

// Any string, so that an id that is not an import's (malformed or not) is the same 404.
export const importIdParam = z.object({
  id: z.string().max(200).openapi({ format: "uuid", description: "The import's id." }),
});

const cursor = z.string().max(400).optional().describe("The next_cursor of the previous page, as it was given.");
const nextCursor = z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page.");

/** How an import is started: as a sync, and the deactivations the admin confirms. */
export const startQuery = z.object({
  sync: z
    .enum(["true", "false"])
    .optional()
    .describe(
      "`true` starts it as a sync: after its last line, every active user an import created that the file does not name is deactivated.",
    ),
  confirm_deactivations: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "For a sync that would deactivate more users than the guardrail allows: that exact number, as the 409 `too_many_deactivations` or `/sync-forecast` gives it.",
    ),
});

/** Importing a dry run of a sync: the deactivations the admin confirms, as for a start. */
export const applyQuery = startQuery.pick({ confirm_deactivations: true });

export const uploadQuery = startQuery.extend({
  filename: z.string().overwrite(cleanText).max(200).optional(),
  sheet: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("For a workbook: the sheet to read, by name. Without it, the first sheet that is not hidden."),
  start: z.enum(["true", "false"]).optional(),
  dry_run: z
    .enum(["true", "false"])
    .optional()
    .describe(
      "`true` makes a dry run: started, it checks every line against the data as it stands and writes no user; `POST /api/imports/{id}/apply` then imports its file.",
    ),
});

export const counts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  warnings: z.number().int().describe("Lines with at least one warning."),
});

const columnMapping = z.object({
  index: z.number().int(),
  header: z.string(),
  field: z.string().nullable().describe("The template column this header feeds; null when ignored."),
});

export const uploadHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/, "send 1 to 255 printable ASCII characters")
    .optional()
    .describe(
      "Makes a retry safe for 24 hours: the same key with the same file answers the first upload again (200) instead of importing twice.",
    ),
});

const earlierImport = z
  .object({ id: z.uuid(), created_at: z.iso.datetime() })
  .nullable()
  .describe("An earlier import, started, of exactly this file (by its SHA-256), or null.");

const dryRun = z
  .boolean()
  .describe(
    "A dry run: its counts and lines are what importing the file would do, and nothing was changed. False for every other import.",
  );

export const uploadedImport = z
  .object({
    id: z.uuid(),
    status: z.enum(importStatuses),
    file_name: z.string(),
    total_rows: z.number().int(),
    columns: z.array(columnMapping),
    ignored_columns: z.array(z.string()),
    encoding: z.string(),
    delimiter: z.string(),
    duplicate_of: earlierImport,
    kind: z.enum(["csv", "xlsx", "ods"]).describe("What was uploaded: a CSV file or a workbook."),
    sheet: z.string().nullable().describe("For a workbook, the sheet that was read."),
    sheets: z
      .array(z.object({ name: z.string(), hidden: z.boolean() }))
      .describe("For a workbook, all its sheets in order; empty for a CSV file."),
    dry_run: dryRun,
  })
  .openapi("UploadedImport");

export const importSummary = z
  .object({
    id: z.uuid(),
    status: z.enum(importStatuses),
    sync: z.boolean().describe("Started as a sync: the users the file does not name are deactivated at its end."),
    deactivated: z
      .number()
      .int()
      .describe(
        "Users the sync deactivated because its file did not name them (`/deactivated` lists them); for a dry run of a sync, the users it would deactivate.",
      ),
    file_name: z.string(),
    total_rows: z.number().int(),
    processed_rows: z.number().int(),
    counts,
    uploaded_by: z.string(),
    created_at: z.iso.datetime(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
    error: z.string().nullable(),
    dry_run: dryRun,
    applied_import_id: z
      .uuid()
      .nullable()
      .describe("For a dry run: the import that imported its file for real, once one did; null otherwise."),
    undo: z
      .object({
        processed_rows: z.number().int().describe("Lines of the file the undo has gone through, from the last."),
        removed: z.number().int().describe("Users the import created that the undo removed."),
        restored: z.number().int().describe("Users the import updated that got at least one earlier value back."),
        kept: z
          .number()
          .int()
          .describe("Lines whose user, or some of whose fields, were kept as they are: see `/undo-notes`."),
        started_at: z.iso.datetime().nullable(),
        finished_at: z.iso.datetime().nullable(),
      })
      .nullable()
      .describe("The undo's progress and results, once the import has been asked to be undone; null before."),
  })
  .openapi("Import");

export const syncForecast = z
  .object({
    deactivations: z.number().int().describe("The users a sync of this file would deactivate if started now."),
    active_users: z.number().int(),
    confirm_above: z
      .number()
      .int()
      .describe(
        "More deactivations than this need `confirm_deactivations` (SYNC_CONFIRM_ABOVE_PERCENT of the active users).",
      ),
    needs_confirmation: z.boolean(),
  })
  .openapi("SyncForecast");

export const deactivatedList = z.object({
  users: z.array(
    z.object({
      employee_number: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      email: z.string(),
      location: z.string().nullable(),
      role: z.string(),
      status: z.enum(userStatuses).describe("Their status now: `active` again if someone reactivated them since."),
    }),
  ),
  next_cursor: nextCursor,
});

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor,
});

export const importList = z.object({ imports: z.array(importSummary), next_cursor: nextCursor });

export const linesQuery = z.object({
  outcome: z.enum(lineOutcomes).optional(),
  level: z.enum(["error", "warning"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor,
});

const lineMessage = z.object({ level: z.enum(["error", "warning"]), code: z.string(), message: z.string() });

export const fieldChange = z
  .object({
    field: z.enum(changedFields),
    from: z.string().nullable().describe("The value before; null for a user the change created."),
    to: z.string().nullable(),
  })
  .describe("One field of a user, old → new; role and location by name.")
  .openapi("FieldChange");

export const lineList = z.object({
  lines: z.array(
    z.object({
      line: z.number().int(),
      employee_number: z.string(),
      outcome: z.enum(lineOutcomes),
      messages: z.array(lineMessage),
      changes: z.array(fieldChange).describe("What an `updated` line changed of its user; empty for any other line."),
    }),
  ),
  next_cursor: nextCursor,
});

export const usersQuery = z.object({
  import_id: z.uuid().optional(),
  imported_on: z.iso.date().optional(),
  q: z.string().max(200).optional(),
  location_id: z.coerce.number().int().optional(),
  role_id: z.coerce.number().int().optional(),
  status: z.enum(userStatuses).optional().describe("Only active, or only deactivated, users."),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor,
});

export const usersCsvQuery = usersQuery.omit({ limit: true, cursor: true });

export const user = z
  .object({
    employee_number: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    email: z.string(),
    location: z.string().nullable(),
    location_id: z.number().int().nullable(),
    role: z.string(),
    role_id: z.number().int(),
    role_locked: z.boolean(),
    location_locked: z.boolean(),
    status: z
      .enum(userStatuses)
      .describe("A deactivated user cannot sign in and their API tokens are refused; imports leave it as it is."),
    has_password: z
      .boolean()
      .describe(
        "Whether the user has a password to sign in with: false until they use an activation link (`POST …/activation`); then a password reset link (`POST …/password-reset`) sets a new one.",
      ),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    last_import_id: z.string().nullable(),
    last_imported_at: z.iso.datetime().nullable(),
  })
  .openapi("User");

export const accountLink = z
  .object({
    url: z
      .string()
      .describe(
        "The link, shown this once: Roster keeps only its hash. Whoever opens it sets the user's password and is signed in as them; send it to that person only.",
      ),
    expires_at: z.iso.datetime().describe("When it stops working (ACCOUNT_LINK_DAYS after it was made, 7 by default)."),
  })
  .openapi("AccountLink");

export const userList = z.object({ users: z.array(user), next_cursor: nextCursor });

export const employeeParam = z.object({ employee_number: z.string().min(1).max(200) });

export const userChange = z
  .object({
    role_locked: z.boolean().optional(),
    location_locked: z.boolean().optional(),
    role_id: z.number().int().optional(),
    location_id: z.number().int().nullable().optional(),
    status: z
      .enum(userStatuses)
      .optional()
      .describe("Deactivate (ending the user's sessions) or reactivate; never the token's own user."),
  })
  .refine((v) => Object.values(v).some((value) => value !== undefined), {
    message:
      "Send at least one of role_locked, location_locked (true or false), role_id or location_id (an id from /api/roles or /api/locations; null for no location), or status (active or deactivated).",
  });

// Cleaned as a file's values are (cleanText) before the length is checked: an invisible character is no name.
const locationText = z.string().overwrite(cleanText).min(1).max(200);

export const locationInput = z.object({
  name: locationText,
  code: locationText.nullable().optional(),
  aliases: z.array(locationText).max(100).optional(),
});

export const location = z
  .object({
    id: z.number().int(),
    name: z.string(),
    code: z.string().nullable(),
    aliases: z.array(z.string()),
  })
  .openapi("Location");

export const locationList = z.object({ locations: z.array(location) });

export const role = z
  .object({ id: z.number().int(), name: z.string(), description: z.string(), permissions: z.array(z.string()) })
  .openapi("Role");

export const roleList = z.object({ roles: z.array(role) });

const collidingRow = z.object({
  id: z.number().int(),
  employee_number: z.string().nullable().describe("For users; null for locations and roles."),
  name: z.string().describe("The user's full name, or the location's or role's name."),
  value: z
    .string()
    .describe("The value whose key is the same: an employee number, an email, or a location's name, code or alias."),
});

export const keyCollisionList = z.object({
  collisions: z.array(
    z.object({
      kind: z.enum(["user", "location", "role"]),
      field: z.enum(["employee_number", "email", "name", "code", "alias"]),
      key: z.string().describe("The key both values make now."),
      found_at: z.iso.datetime(),
      kept: collidingRow.describe("The one that kept its old key: imports no longer match it by this value."),
      holder: collidingRow.describe("The one that holds the key: imports match it."),
    }),
  ),
  rebuilding: z.boolean().describe("True while stored keys are still being remade; more collisions may be found."),
});

export const undoNoteList = z
  .object({
    notes: z.array(
      z.object({
        line: z.number().int(),
        employee_number: z.string(),
        kept: z.array(
          z.object({
            field: z
              .enum(changedFields)
              .nullable()
              .describe("The field kept as it is; null when the whole user was kept."),
            reason: z
              .enum(undoKeptReasons)
              .describe(
                "`changed_since`: a later import or an admin changed the field; `not_as_imported`: it no longer holds what the import set; `user_changed_since`: a user the import created changed since, so they stay; `user_in_use`: a user the import created has since uploaded, started or undone imports or created webhooks (or asked for this undo); `user_missing`: the user is no longer there; `email_taken`: another user now has the earlier email; `location_missing`, `role_missing`: the earlier location or role no longer exists; `own_account`: the role of the admin who asked for the undo; `not_recorded`: the import ran before Roster kept users' history.",
              ),
            message: z.string().describe("The reason, for people."),
          }),
        ),
      }),
    ),
    next_cursor: nextCursor,
  })
  .openapi("UndoNotes");

export const historyList = z
  .object({
    history: z.array(
      z.object({
        at: z.iso.datetime(),
        source: z
          .union([
            z.object({ import_id: z.uuid(), line: z.number().int() }),
            z.object({
              undo_of_import_id: z.uuid().describe("The import whose line this change took back."),
              line: z.number().int(),
            }),
            z.object({ by: z.string().describe("The admin's username (employee number).") }),
          ])
          .describe(
            "The import and its line that made the change, the undo of an import's line, or the admin who made it by hand.",
          ),
        changes: z.array(fieldChange),
      }),
    ),
    next_cursor: nextCursor,
  })
  .openapi("UserHistory");

export const webhookIdParam = z.object({
  id: z.string().max(40).openapi({ description: "The endpoint's id." }),
});

const webhookEvent = z.enum(webhookEventNames).describe(
  Object.entries(webhookEvents)
    .map(([name, meaning]) => `\`${name}\`: ${meaning}`)
    .join(" "),
);

export const webhookEndpointInput = z.object({
  url: z.string().trim().min(1).max(2000).describe("Where deliveries are posted: an https:// URL."),
  events: z.array(webhookEvent).min(1, "name at least one event").max(webhookEventNames.length),
});

export const webhookEndpoint = z
  .object({
    id: z.number().int(),
    url: z.string(),
    events: z.array(webhookEvent),
    status: z
      .enum(["active", "failing", "disabled"])
      .describe("`failing` once an attempt failed with no success since; `disabled` after five days of that."),
    created_at: z.iso.datetime(),
    failing_since: z.iso.datetime().nullable(),
    disabled_at: z.iso.datetime().nullable(),
    previous_secret_valid_until: z.iso
      .datetime()
      .nullable()
      .describe("After a rotation, deliveries are signed with the old secret too until then."),
  })
  .openapi("WebhookEndpoint");

export const webhookEndpointList = z.object({ endpoints: z.array(webhookEndpoint) });

export const webhookEndpointWithSecret = webhookEndpoint
  .extend({
    secret: z
      .string()
      .describe(
        "The signing secret (`whsec_…`), shown this once: keep it with the receiver. Roster never shows it again.",
      ),
  })
  .openapi("WebhookEndpointWithSecret");

export const webhookAttemptList = z.object({
  attempts: z.array(
    z.object({
      message_id: z.string().describe("The delivery's `webhook-id`: the same on every attempt of it."),
      event: webhookEvent,
      attempt: z.number().int(),
      status_code: z.number().int().nullable().describe("The receiver's status; null when it did not answer."),
      error: z.string().nullable(),
      duration_ms: z.number().int(),
      attempted_at: z.iso.datetime(),
      delivery_status: z.enum(["pending", "succeeded", "failed"]),
    }),
  ),
});
