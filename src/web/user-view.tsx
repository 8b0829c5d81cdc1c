import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import type { LocationView } from "../db/locations";
import type { IssuedLink } from "../auth/account-links";
import type { AccountLinkKind, Role, UserStatus } from "../db/schema";
import type { UserView } from "../db/users";
import { CsrfField, Notice, Time } from "./components";
import { statusWords, userHref } from "./users-view";
import { UserHistory, type UserHistoryProps } from "./user-history-view";

export type UserPageProps = {
  user: UserView;
  createdBy: ImportView | null;
  lastImportedBy: ImportView | null;
  canManage: boolean;
  /** The page is the signed-in person's own: they cannot change their own role. */
  isViewer: boolean;
  /** The roles the viewer may give (and the one chosen), and every location, for the form. */
  roles: Role[];
  locations: LocationView[];
  csrfToken: string;
  /** What the form shows: the user's own values, or what was sent when saving was refused. */
  form: { roleId: number; locationId: number | null; roleLocked: boolean; locationLocked: boolean };
  saved: boolean;
  /** The status just set on this page, for its notice. */
  statusSaved?: UserStatus;
  error?: string;
  history: UserHistoryProps;
  /** The link the user has waiting, if any (its secret is not kept, so it cannot be shown again). */
  pendingLink: { kind: AccountLinkKind; createdAt: Date; expiresAt: Date } | null;
  /** A link just made on this page, shown this once. */
  issuedLink?: IssuedLink;
};

/**
 * Signing in: whether the user has a password, and the one button that makes the link they need
 * (an activation link until they have a password, then a reset link), shown once when made.
 */
const SignInForm: FC<Pick<UserPageProps, "user" | "csrfToken" | "pendingLink" | "issuedLink">> = ({
  user,
  csrfToken,
  pendingLink,
  issuedLink,
}) => {
  const kind = user.hasPassword ? "reset" : "activation";
  const words = kind === "activation" ? "activation link" : "password reset link";
  return (
    <section class="card" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Password and sign-in</h2>
      <p>
        Username: <strong>{user.employeeNumber}</strong> (the employee number).{" "}
        {user.hasPassword
          ? "They have a password and can sign in."
          : "They have no password yet, so they cannot sign in until they set one with an activation link."}
      </p>
      {issuedLink ? (
        <Notice kind="success" title={`The ${words} is made`}>
          <p>
            Send it to {user.firstName || user.employeeNumber} only: whoever opens it sets the password and is signed in
            as them. It works once, until <Time when={issuedLink.expiresAt} />. Copy it now: Roster keeps only a
            fingerprint of it and cannot show it again.
          </p>
          <label for="issued-link">Link</label>
          <input
            type="text"
            id="issued-link"
            readonly
            value={issuedLink.url}
            class="mono full-width"
            spellcheck={false}
            autocomplete="off"
          />
        </Notice>
      ) : pendingLink ? (
        <p class="hint">
          An {pendingLink.kind === "activation" ? "activation link" : "password reset link"} made{" "}
          <Time when={pendingLink.createdAt} /> is waiting, until <Time when={pendingLink.expiresAt} />. Making a new
          link replaces it.
        </p>
      ) : null}
      {user.status === "active" ? (
        <form method="post" action={`${userHref(user.employeeNumber)}/link`}>
          <CsrfField token={csrfToken} />
          <input type="hidden" name="kind" value={kind} />
          <p class="hint">
            {kind === "activation"
              ? "The link opens a page where they choose their password and are signed in."
              : "Nothing changes until the link is used: their password keeps working. Using it sets a new password and signs them out everywhere else."}
          </p>
          <div class="actions">
            <button type="submit" class="button-secondary">
              {kind === "activation" ? "Create an activation link" : "Create a password reset link"}
            </button>
          </div>
        </form>
      ) : (
        <p class="hint">A deactivated user cannot use links. Reactivate them first.</p>
      )}
    </section>
  );
};

/**
 * Deactivating or reactivating: a form of its own with one button saying what it does, apart
 * from the role form, so neither saves the other by surprise.
 */
const StatusForm: FC<Pick<UserPageProps, "user" | "isViewer" | "csrfToken">> = ({ user, isViewer, csrfToken }) => {
  const active = user.status === "active";
  return (
    <section class="card" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <p>
        {active
          ? "Active: they can sign in, and their API tokens work."
          : "Deactivated: they cannot sign in and their API tokens are refused. Imports still update them, and leave them deactivated."}
      </p>
      {isViewer ? (
        <p class="hint">Your own account can be deactivated only by another admin.</p>
      ) : (
        <form method="post" action={`${userHref(user.employeeNumber)}/status`}>
          <CsrfField token={csrfToken} />
          <input type="hidden" name="status" value={active ? "deactivated" : "active"} />
          {active ? (
            <p class="hint">Deactivating signs them out everywhere at once. Their data and history stay.</p>
          ) : null}
          <div class="actions">
            <button type="submit" class={active ? "button-danger" : undefined}>
              {active ? "Deactivate" : "Reactivate"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
};

/**
 * The role, the location and the locks that keep each from imports, in one form with one
 * button, so nothing chosen is lost by saving something else: what a report's unknown-role or
 * unknown-location line asks an admin to do after the import.
 */
const Assignment: FC<Pick<UserPageProps, "user" | "isViewer" | "roles" | "locations" | "csrfToken" | "form">> = ({
  user,
  isViewer,
  roles,
  locations,
  csrfToken,
  form,
}) => (
  <section class="card" aria-labelledby="assignment-heading">
    <h2 id="assignment-heading">Role, location and locks</h2>
    <p class="muted">
      A locked role or location stays as it is when an import asks to change it; the report notes it as a warning. Locks
      do not stop you changing them here.
    </p>
    <form method="post" action={userHref(user.employeeNumber)}>
      <CsrfField token={csrfToken} />
      <div class="field">
        <label for="role_id">Role</label>
        {isViewer ? (
          <span class="hint" id="role-hint">
            Your own role can be changed only by another admin.
          </span>
        ) : null}
        <select id="role_id" name="role_id" disabled={isViewer} aria-describedby={isViewer ? "role-hint" : undefined}>
          {roles.map((r) => (
            <option value={r.id} selected={r.id === form.roleId}>
              {r.name}
            </option>
          ))}
        </select>
        {/* A disabled select sends nothing; the current role goes with the form instead. */}
        {isViewer ? <input type="hidden" name="role_id" value={String(user.roleId)} /> : null}
      </div>
      <label class="checkbox">
        <input type="checkbox" name="role_locked" value="on" checked={form.roleLocked} />
        <span>Lock the role: imports don't change it</span>
      </label>
      <div class="field">
        <label for="location_id">Location</label>
        <select id="location_id" name="location_id">
          <option value="" selected={form.locationId === null}>
            No location
          </option>
          {locations.map((l) => (
            <option value={l.id} selected={l.id === form.locationId}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <label class="checkbox">
        <input type="checkbox" name="location_locked" value="on" checked={form.locationLocked} />
        <span>Lock the location: imports don't change it</span>
      </label>
      <div class="actions">
        <button type="submit">Save</button>
      </div>
    </form>
  </section>
);

/** An import and when it wrote this user, which is not when the file was uploaded. */
const ImportLink: FC<{ imp: ImportView | null; id: string | null; on: Date | null }> = ({ imp, id, on }) => {
  if (!id) return <span class="muted">No import</span>;
  return (
    <>
      {imp ? (
        <a href={`/imports/${imp.id}`}>{imp.fileName}</a>
      ) : (
        <span class="muted">An import that no longer exists</span>
      )}
      {on ? (
        <>
          {" "}
          on <Time when={on} />
        </>
      ) : null}
    </>
  );
};

// An import writes updated_at and last_imported_at together; anything else (saving the locks,
// admin:create) moves updated_at alone.
const changedOutsideImports = (user: UserView) => user.updatedAt.getTime() !== user.lastImportedAt?.getTime();

/** One user: their fields, the imports that created and last imported them, and the role and locks form. */
export const UserPage: FC<UserPageProps> = ({
  user,
  createdBy,
  lastImportedBy,
  canManage,
  isViewer,
  roles,
  locations,
  csrfToken,
  form,
  saved,
  statusSaved,
  error,
  history,
  pendingLink,
  issuedLink,
}) => (
  <>
    <p class="small">
      <a href="/users">All Users</a>
    </p>
    <div class="page-head">
      <h1>
        {user.firstName} {user.lastName}
      </h1>
    </div>
    {saved ? <Notice kind="success">The role, location and locks were saved.</Notice> : null}
    {statusSaved === "deactivated" ? (
      <Notice kind="success">
        {user.employeeNumber} is deactivated: they are signed out, and their API tokens are refused.
      </Notice>
    ) : null}
    {statusSaved === "active" ? (
      <Notice kind="success">{user.employeeNumber} is active again: they can sign in.</Notice>
    ) : null}
    {error ? (
      <Notice kind="error" title="Nothing was saved">
        <p>{error}</p>
      </Notice>
    ) : null}
    <section class="card" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl class="facts">
        <dt>Employee number</dt>
        <dd>{user.employeeNumber}</dd>
        <dt>First name</dt>
        <dd>{user.firstName}</dd>
        <dt>Last name</dt>
        <dd>{user.lastName}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Location</dt>
        <dd>
          {user.location ?? <span class="muted">None</span>}
          {user.locationLocked ? " (locked)" : ""}
        </dd>
        <dt>Role</dt>
        <dd>
          {user.role}
          {user.roleLocked ? " (locked)" : ""}
        </dd>
        <dt>Status</dt>
        <dd>{statusWords[user.status]}</dd>
        <dt>Created</dt>
        <dd>
          <Time when={user.createdAt} />
        </dd>
        <dt>Last changed</dt>
        <dd>
          <Time when={user.updatedAt} />
          {changedOutsideImports(user) ? " (not by an import: for example, the locks were saved)" : " (by an import)"}
        </dd>
      </dl>
    </section>

    <section class="card" aria-labelledby="imports-heading">
      <h2 id="imports-heading">Imports</h2>
      <dl class="facts">
        <dt>Created by</dt>
        <dd>
          <ImportLink imp={createdBy} id={user.createdImportId} on={user.createdAt} />
        </dd>
        <dt>Last imported by</dt>
        <dd>
          <ImportLink imp={lastImportedBy} id={user.lastImportId} on={user.lastImportedAt} />
          <span class="hint">
            The latest import that created or updated this user. Imports that left the user unchanged are not counted.
          </span>
        </dd>
      </dl>
    </section>

    {canManage ? (
      <Assignment
        user={user}
        isViewer={isViewer}
        roles={roles}
        locations={locations}
        csrfToken={csrfToken}
        form={form}
      />
    ) : (
      <section class="card" aria-labelledby="locks-heading">
        <h2 id="locks-heading">Locks</h2>
        <p class="muted">
          A locked role or location stays as it is when an import asks to change it; the report notes it as a warning.
        </p>
        <p>
          Role: {user.roleLocked ? "locked" : "not locked"}. Location: {user.locationLocked ? "locked" : "not locked"}.
          Changing locks needs the manage-users permission.
        </p>
      </section>
    )}

    {canManage ? <StatusForm user={user} isViewer={isViewer} csrfToken={csrfToken} /> : null}
    {canManage ? (
      <SignInForm user={user} csrfToken={csrfToken} pendingLink={pendingLink} issuedLink={issuedLink} />
    ) : null}
    <UserHistory {...history} />
  </>
);
