import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import type { DeactivatedUser } from "../db/sync-deactivations";
import type { SyncForecast } from "../imports/sync-guardrail";
import { DataTable, Pager } from "./components";
import { formatCount, plural, queryString } from "./format";
import { userHref } from "./users-view";

/**
 * The sync choice inside the preview's start form: what a sync would deactivate now and, above
 * the guardrail, the field where the admin types that number to confirm it.
 */
export const SyncChoice: FC<{ forecast: SyncForecast | null; chosen: boolean }> = ({ forecast, chosen }) => {
  if (forecast === null)
    return (
      <p class="muted small">
        This file was uploaded before Roster could check a sync against it: upload it again to import it as a sync.
      </p>
    );
  const n = forecast.deactivations;
  return (
    <fieldset class="card sync-choice" id="sync">
      <legend>Sync</legend>
      <label class="checkbox">
        <input type="checkbox" name="sync" value="true" checked={chosen} />
        <span>Sync: this file is the whole organisation</span>
      </label>
      <p class="hint" id="sync-hint">
        After the last line, every active user an import created who is not in this file is deactivated: they are signed
        out and can no longer sign in. Users created by hand are never touched. A sync started now would deactivate{" "}
        <strong>{plural(n, "user")}</strong> of {formatCount(forecast.activeUsers)} active.
      </p>
      {forecast.needsConfirmation ? (
        <div class="field">
          <label for="confirm_deactivations">
            That is more than {forecast.percent}% of the active users. To sync, type the number of users it will
            deactivate: {formatCount(n)}
          </label>
          <input
            type="text"
            id="confirm_deactivations"
            name="confirm_deactivations"
            inputmode="numeric"
            autocomplete="off"
            aria-describedby="sync-hint"
          />
        </div>
      ) : null}
    </fieldset>
  );
};

/** The users a sync deactivated, as their own section of its report. */
export const DeactivatedSection: FC<{
  imp: ImportView;
  users: DeactivatedUser[];
  /** The user id after which the next page starts, or null on the last page. */
  next: number | null;
  paged: boolean;
}> = ({ imp, users, next, paged }) => (
  <section aria-labelledby="deactivated-heading">
    <h2 id="deactivated-heading">
      {imp.dryRun ? "Would be deactivated, not in the file" : "Deactivated, not in the file"}
    </h2>
    <p class="muted">
      {imp.dryRun
        ? imp.deactivated === 0
          ? "A sync of this file would deactivate no one: every imported user is in the file."
          : `A sync of this file would deactivate ${plural(imp.deactivated, "user")}, because the file does not have them. This dry run changed no one: they stay active until a sync deactivates them.`
        : imp.deactivated === 0
          ? "This sync deactivated no one: every imported user was in the file."
          : `${plural(imp.deactivated, "user was", "users were")} deactivated because the file did not have them. A later sync that has them reactivates them.`}
    </p>
    {users.length > 0 ? (
      <DataTable
        caption={
          <>
            {imp.dryRun ? "Users a sync of this file would deactivate" : "Users deactivated by this sync"}
            {paged ? ", continued" : ""}
          </>
        }
        columns={["Employee number", "Name", "Email", "Location", "Role", "Status now"]}
        rows={users.map((u) => (
          <tr>
            <th scope="row">
              <a href={userHref(u.employeeNumber)}>{u.employeeNumber}</a>
            </th>
            <td>
              {u.firstName} {u.lastName}
            </td>
            <td>{u.email}</td>
            <td>{u.location ?? ""}</td>
            <td>{u.role}</td>
            <td>{u.status === "active" ? (imp.dryRun ? "Active" : "Active again") : "Deactivated"}</td>
          </tr>
        ))}
      />
    ) : null}
    <Pager
      label="Pages of deactivated users"
      first={paged ? `/imports/${imp.id}#deactivated-heading` : null}
      next={next === null ? null : `/imports/${imp.id}${queryString({ deactivated_after: next })}#deactivated-heading`}
    />
  </section>
);
