import type { Child, FC } from "hono/jsx";
import { jsxRenderer } from "hono/jsx-renderer";
import { canManageUsers, canViewUsers, type Viewer } from "../auth/permissions";
import { CsrfField } from "./components";
import type { WebEnv } from "./web-env";

export type PageProps = {
  title: string;
  /** Reload every two seconds when the script is off: a report that is still running. */
  refresh?: boolean;
};

declare module "hono" {
  interface ContextRenderer {
    (content: string | Promise<string>, props: PageProps): Response | Promise<Response>;
  }
}

type MenuLink = { href: string; label: string };

function menuLinks(viewer: Viewer): MenuLink[] {
  const links: MenuLink[] = [];
  if (canManageUsers(viewer)) links.push({ href: "/imports/new", label: "Import Users" });
  if (canViewUsers(viewer)) {
    links.push(
      { href: "/users", label: "All Users" },
      { href: "/imports", label: "Imports" },
      { href: "/locations", label: "Locations" },
      { href: "/roles", label: "Roles" },
    );
  }
  links.push({ href: "/tokens", label: "API tokens" });
  if (canManageUsers(viewer)) links.push({ href: "/webhooks", label: "Webhooks" });
  return links;
}

const UserMenu: FC<{ viewer: Viewer; csrfToken: string; path: string }> = ({ viewer, csrfToken, path }) => (
  <details class="user-menu">
    <summary>User menu</summary>
    <div class="user-menu-panel">
      <p class="user-menu-who">
        <strong>
          {viewer.firstName} {viewer.lastName}
        </strong>
        {viewer.employeeNumber} · {viewer.roleName}
      </p>
      <nav aria-label="User menu">
        <ul>
          {menuLinks(viewer).map((link) => (
            <li>
              <a href={link.href} aria-current={path === link.href ? "page" : undefined}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <hr />
      <form method="post" action="/sign-out">
        <CsrfField token={csrfToken} />
        <button type="submit">Sign out</button>
      </form>
    </div>
  </details>
);

/** Every page's frame: the header with the User menu, and the page in <main>. */
export const Layout: FC<PageProps & { viewer?: Viewer; csrfToken?: string; path: string; children?: Child }> = ({
  title,
  refresh,
  viewer,
  csrfToken,
  path,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Roster`}</title>
      <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/assets/app.css" />
      <script src="/assets/app.js" defer />
      {refresh ? (
        <noscript>
          <meta http-equiv="refresh" content="2" />
        </noscript>
      ) : null}
    </head>
    <body>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="site-header">
        <div class="site-header-inner">
          <a class="brand" href="/">
            <span class="brand-mark" aria-hidden="true" />
            Roster
          </a>
          {viewer && csrfToken ? <UserMenu viewer={viewer} csrfToken={csrfToken} path={path} /> : null}
        </div>
      </header>
      <main id="content">{children}</main>
    </body>
  </html>
);

/** The renderer every page sub-app uses: `c.render(<Page />, { title })`. */
export const layout = jsxRenderer<WebEnv>(({ children, title, refresh }, c) => {
  const viewer: Viewer | undefined = c.get("viewer");
  const csrfToken: string | undefined = c.get("csrfToken");
  return (
    <Layout title={title} refresh={refresh} viewer={viewer} csrfToken={csrfToken} path={c.req.path}>
      {children}
    </Layout>
  );
});
