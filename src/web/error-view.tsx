import type { FC } from "hono/jsx";
import type { Viewer } from "../auth/permissions";

/** The heading of an error page, by status. */
export function errorTitle(status: number): string {
  if (status === 403) return "You can't open this page";
  if (status === 404) return "Page not found";
  if (status >= 500) return "Something went wrong";
  return "Something is not right";
}

/** An error as a page: what happened and where to go from here. */
export const ErrorPage: FC<{ status: number; message: string; signedIn: boolean }> = ({
  status,
  message,
  signedIn,
}) => (
  <div class="narrow">
    <h1>{errorTitle(status)}</h1>
    <p class="lead">{message}</p>
    <p>{signedIn ? <a href="/">Go to the start page</a> : <a href="/sign-in">Sign in</a>}</p>
    <p class="muted small">Error {status}</p>
  </div>
);

/** The start page for someone whose role cannot see users: what they can do here. */
export const WelcomePage: FC<{ viewer: Viewer }> = ({ viewer }) => (
  <div class="narrow">
    <h1>Hello, {viewer.firstName || viewer.employeeNumber}</h1>
    <p class="lead">
      Your role, {viewer.roleName}, does not include admin access, so Roster's users and imports are not open to you.
    </p>
    <p>
      You can still create <a href="/tokens">API tokens</a>. If you need to see or import users, ask an admin to give
      you a role with admin access (to see users) and manage users (to import them).
    </p>
  </div>
);
