import type { UndoKept } from "../db/schema";

const fieldNames: Record<NonNullable<UndoKept["field"]>, string> = {
  first_name: "first name",
  last_name: "last name",
  email: "email",
  location: "location",
  role: "role",
  location_locked: "location lock",
  role_locked: "role lock",
  status: "status",
};

/** Why the undo kept a user or a field, as a sentence: the report page, the API and a person read it. */
export function describeKept(k: UndoKept): string {
  const field = k.field === null ? "The user" : `The ${fieldNames[k.field]}`;
  switch (k.reason) {
    case "changed_since":
      return `${field} was kept: it was changed after this import, by a later import or by hand.`;
    case "not_as_imported":
      return `${field} was kept: it no longer holds the value this import set.`;
    case "user_changed_since":
      return "The user was kept: this import created them, but they were changed after it.";
    case "user_in_use":
      return "The user was kept: this import created them, but they have since uploaded, started or undone imports, or created webhooks.";
    case "user_missing":
      return "The user is no longer there, so there was nothing to take back.";
    case "email_taken":
      return `${field} was kept: another user now has the earlier email.`;
    case "location_missing":
      return `${field} was kept: the earlier location no longer exists.`;
    case "role_missing":
      return `${field} was kept: the earlier role no longer exists.`;
    case "own_account":
      return `${field} was kept: the user is the admin who undid the import, and an admin's own role and status are kept.`;
    case "not_recorded":
      return "The user was kept: this import ran before Roster kept each user's history, so their earlier values are not known.";
  }
}
