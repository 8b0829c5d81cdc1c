import type { FC } from "hono/jsx";
import { CsrfField, Notice } from "./components";

export type SignInProps = {
  token: string;
  next: string;
  username?: string;
  error?: string;
  signedOut?: boolean;
};

/** The sign-in form: employee number and password. */
export const SignInPage: FC<SignInProps> = ({ token, next, username, error, signedOut }) => (
  <div class="narrow">
    <h1>Sign in to Roster</h1>
    {signedOut ? <Notice kind="success">You have signed out.</Notice> : null}
    {error ? <Notice kind="error">{error}</Notice> : null}
    <form class="card" method="post" action="/sign-in">
      <CsrfField token={token} />
      <input type="hidden" name="next" value={next} />
      <div class="field">
        <label for="username">Username</label>
        <span class="hint" id="username-hint">
          Your username is your employee number.
        </span>
        <input
          type="text"
          id="username"
          name="username"
          value={username ?? ""}
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          aria-describedby="username-hint"
          autofocus={!username}
        />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          autofocus={!!username}
        />
      </div>
      <div class="actions">
        <button type="submit">Sign in</button>
      </div>
    </form>
    <p class="hint">
      No password yet, or forgotten it? Ask an admin for a link to set one: it opens a page where you choose your
      password.
    </p>
  </div>
);
