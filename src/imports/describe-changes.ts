import type { FieldChange } from "../db/schema";

const fieldLabels: Record<FieldChange["field"], string> = {
  first_name: "First name",
  last_name: "Last name",
  email: "Email",
  location: "Location",
  role: "Role",
  location_locked: "Location locked",
  role_locked: "Role locked",
  status: "Status",
};

/** "Location: Leeds → York", as the report page and its CSV say it. */
export function describeChange(change: FieldChange): string {
  return `${fieldLabels[change.field]}: ${change.from ?? "(none)"} → ${change.to ?? "(none)"}`;
}
