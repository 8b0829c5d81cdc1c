import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import type { LocationView } from "../db/locations";
import type { Role } from "../db/schema";
import type { UserView } from "../db/users";
import { DataTable, Pager, Time } from "./components";
import { formatDateTime } from "./format";

export type UserFilters = {
  q: string;
  importedOn: string;
  importId: string;
  locationId: number | undefined;
  roleId: number | undefined;
};

export type UserListProps = {
  users: UserView[];
  filters: UserFilters;
  locations: LocationView[];
  roles: Role[];
  imports: ImportView[];
  next: string | null;
  first: string | null;
};

export const userHref = (employeeNumber: string) => `/users/${encodeURIComponent(employeeNumber)}`;

const filtered = (f: UserFilters) => !!(f.q || f.importedOn || f.importId || f.locationId !== undefined || f.roleId !== undefined);

/** All Users: search, filters, and a page of users in employee-number order. */
export const UserListPage: FC<UserListProps> = ({ users, filters, locations, roles, imports, next, first }) => (
  <>
    <div class="page-head">
      <h1>All Users</h1>
    </div>
    <form class="card filters" method="get" action="/users" role="search" aria-label="Find users">
      <div class="field">
        <label for="q">Search</label>
        <input type="search" id="q" name="q" value={filters.q} placeholder="Employee number, name or email" />
      </div>
      <div class="field">
        <label for="imported_on">Import date</label>
        <input type="date" id="imported_on" name="imported_on" value={filters.importedOn} />
      </div>
      <div class="field">
        <label for="import">Import</label>
        <select id="import" name="import">
          <option value="">Any import</option>
          {imports.map((imp) => (
            <option value={imp.id} selected={imp.id === filters.importId}>
              {imp.fileName} · {formatDateTime(imp.createdAt)}
            </option>
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
      <div class="actions">
        <button type="submit">Show users</button>
        {filtered(filters) ? <a href="/users">Clear</a> : null}
      </div>
    </form>
    {filters.importedOn ? (
      <p class="muted small">Import dates are days in UTC: users created or last changed by an import that day.</p>
    ) : null}
    <DataTable
      caption={<>{filtered(filters) ? "Users matching the filters" : "Every user"}, by employee number</>}
      columns={["Employee number", "Name", "Email", "Location", "Role", "Last imported"]}
      empty={filtered(filters) ? "No users match these filters." : "No users yet. Import some with Import Users."}
      rows={users.map((u) => (
        <tr>
          <th scope="row">
            <a href={userHref(u.employeeNumber)}>{u.employeeNumber}</a>
          </th>
          <td>
            {u.firstName} {u.lastName}
          </td>
          <td>{u.email}</td>
          <td>{u.location ?? <span class="muted">None</span>}</td>
          <td>{u.role}</td>
          <td>
            <Time when={u.lastImportedAt} />
          </td>
        </tr>
      ))}
    />
    <Pager label="Pages of users" first={first} next={next} />
  </>
);
