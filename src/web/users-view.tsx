import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import type { KeyCollisionView } from "../db/key-rebuilds";
import type { LocationView } from "../db/locations";
import type { Role, UserStatus } from "../db/schema";
import type { UserView } from "../db/users";
import { DataTable, Pager, Time } from "./components";
import { formatCount, formatDateTime, plural } from "./format";
import { KeyCollisionNotice } from "./key-collisions-view";

export type UserFilters = {
  q: string;
  importedOn: string;
  /** The reader's IANA time zone, which the page script sends; empty means UTC. */
  timeZone: string;
  importId: string;
  locationId: number | undefined;
  roleId: number | undefined;
  status: UserStatus | undefined;
};

export type UserListProps = {
  users: UserView[];
  /** How many users match the filters, on every page. */
  total: number;
  filters: UserFilters;
  locations: LocationView[];
  roles: Role[];
  imports: ImportView[];
  /** The CSV of the users these filters find, all pages. */
  exportHref: string;
  next: string | null;
  previous: string | null;
  first: string | null;
  collisions: KeyCollisionView[];
};

export const userHref = (employeeNumber: string) => `/users/${encodeURIComponent(employeeNumber)}`;

const filtered = (f: UserFilters) =>
  !!(f.q || f.importedOn || f.importId || f.locationId !== undefined || f.roleId !== undefined || f.status);

/** How a status reads on the pages. */
export const statusWords: Record<UserStatus, string> = { active: "Active", deactivated: "Deactivated" };

/** What an import did, after its date: two uploads of one file in the same minute differ here. */
function importOutcome(imp: ImportView): string {
  const rows = plural(imp.totalRows, "user");
  if (imp.status === "ready") return `${rows}, not started`;
  if (imp.status === "queued" || imp.status === "processing") return `${rows}, importing`;
  if (imp.status === "cancelling") return `${rows}, cancelling`;
  const counts = (
    [
      [imp.created, "created"],
      [imp.updated, "updated"],
      [imp.unchanged, "unchanged"],
      [imp.failed, "failed"],
    ] as const
  ).flatMap(([n, word]) => (n ? [`${formatCount(n)} ${word}`] : []));
  const ending = imp.status === "failed" ? ", stopped" : imp.status === "cancelled" ? ", cancelled" : "";
  return `${rows}: ${counts.join(", ") || "none done"}${ending}`;
}

/**
 * An import in the Last imported by list. An option holds only text, so the script rewrites its
 * date from data-local in the reader's own time, as it does every <time>.
 */
const ImportChoice: FC<{ imp: ImportView; selected: boolean }> = ({ imp, selected }) => {
  const rest = ` · ${imp.fileName} · ${importOutcome(imp)}`;
  return (
    <option value={imp.id} selected={selected} data-local={imp.createdAt.toISOString()} data-rest={rest}>
      {formatDateTime(imp.createdAt)}
      {rest}
    </option>
  );
};

/** Says who the import filter lists: a user's last import only, so a re-import that changed nothing lists nobody. */
const LastImportedByNote: FC<{ imp: ImportView | undefined }> = ({ imp }) => (
  <p class="muted small">
    {imp ? (
      <>
        Users last imported by {imp.fileName} (<Time when={imp.createdAt} />)
      </>
    ) : (
      "Users last imported by this import"
    )}
    : those it created or updated, unless a later import has changed them since. Users it left unchanged are listed
    under the import that last changed them.
  </p>
);

/** All Users: search, filters, and a page of users in employee-number order. */
export const UserListPage: FC<UserListProps> = ({
  users,
  total,
  filters,
  locations,
  roles,
  imports,
  exportHref,
  next,
  previous,
  first,
  collisions,
}) => (
  <>
    <div class="page-head">
      <h1>All Users</h1>
      <a class="button button-secondary" href={exportHref} download>
        Export
      </a>
    </div>
    <KeyCollisionNotice collisions={collisions} />
    <form class="card filters" method="get" action="/users" role="search" aria-label="Find users">
      <div class="field field-search">
        <label for="q">Search</label>
        <input type="search" id="q" name="q" value={filters.q} placeholder="Employee number, name or email" />
      </div>
      <div class="field">
        <label for="imported_on">Last imported on</label>
        <input type="date" id="imported_on" name="imported_on" value={filters.importedOn} />
        <input type="hidden" name="tz" value={filters.timeZone} data-time-zone="" />
      </div>
      <div class="field">
        <label for="import">Last imported by</label>
        <select id="import" name="import">
          <option value="">Any import</option>
          {imports.map((imp) => (
            <ImportChoice imp={imp} selected={imp.id === filters.importId} />
          ))}
        </select>
      </div>
      <div class="field">
        <label for="location">Location</label>
        <select id="location" name="location">
          <option value="">Any location</option>
          {locations.map((l) => (
            <option value={String(l.id)} selected={l.id === filters.locationId}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="role">Role</label>
        <select id="role" name="role">
          <option value="">Any role</option>
          {roles.map((r) => (
            <option value={String(r.id)} selected={r.id === filters.roleId}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="">Any status</option>
          {(["active", "deactivated"] as const).map((s) => (
            <option value={s} selected={s === filters.status}>
              {statusWords[s]}
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <button type="submit">Show users</button>
        {filtered(filters) ? <a href="/users">Clear</a> : null}
      </div>
    </form>
    {filters.importedOn ? (
      <p class="muted small">
        Days are in {filters.timeZone && filters.timeZone !== "UTC" ? `your time zone (${filters.timeZone})` : "UTC"},
        as the times on this page: users whose last import, the latest one that created or updated them, ran that day.
      </p>
    ) : null}
    <p class="result-count" role="status">
      {filtered(filters)
        ? `${plural(total, "user matches", "users match")} the filters.`
        : `${plural(total, "user")} in all.`}
    </p>
    {filters.importId ? <LastImportedByNote imp={imports.find((imp) => imp.id === filters.importId)} /> : null}
    <DataTable
      caption={<>{filtered(filters) ? "Users matching the filters" : "Every user"}, by employee number</>}
      columns={["Employee number", "Name", "Email", "Location", "Role", "Status", "Last imported"]}
      empty={filtered(filters) ? "No users match these filters." : "No users yet. Import some with Import Users."}
      stacked
      rows={users.map((u) => (
        <tr>
          <th scope="row">
            <a href={userHref(u.employeeNumber)}>{u.employeeNumber}</a>
          </th>
          <td>
            {u.firstName} {u.lastName}
          </td>
          <td class="own-line">{u.email}</td>
          <td data-label="Location">{u.location ?? <span class="muted">None</span>}</td>
          <td data-label="Role">{u.role}</td>
          <td data-label="Status">{statusWords[u.status]}</td>
          <td data-label="Last imported">
            <Time when={u.lastImportedAt} />
          </td>
        </tr>
      ))}
    />
    <Pager label="Pages of users" first={first} previous={previous} next={next} />
  </>
);
