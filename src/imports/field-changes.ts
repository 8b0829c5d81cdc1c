import type { FieldChange } from "../db/schema";
import type { CheckContext, UserState } from "./check-row";

/**
 * What a line changes of a user, field by field, old → new; role and location by name, as a
 * person reads them. A created user's fields change from nothing.
 */
export function fieldChanges(before: UserState | undefined, after: UserState, ctx: CheckContext): FieldChange[] {
  const locationName = (id: number | null | undefined) =>
    id === null || id === undefined ? null : (ctx.locationsById.get(id)?.name ?? null);
  const roleName = (id: number | undefined) => (id === undefined ? null : (ctx.rolesById.get(id)?.name ?? null));
  const fields: FieldChange[] = [
    { field: "first_name", from: before?.firstName ?? null, to: after.firstName },
    { field: "last_name", from: before?.lastName ?? null, to: after.lastName },
    { field: "email", from: before?.email ?? null, to: after.email },
    { field: "location", from: locationName(before?.locationId), to: locationName(after.locationId) },
    { field: "role", from: roleName(before?.roleId), to: roleName(after.roleId) },
    // A created user's status is not news; a sync reactivating one is.
    ...(before ? [{ field: "status" as const, from: before.status, to: after.status }] : []),
  ];
  return fields.filter((c) => c.from !== c.to);
}
