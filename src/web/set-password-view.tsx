import type { FC } from "hono/jsx";
import { minPasswordLength } from "../auth/password-rules";
import type { AccountLinkKind } from "../db/schema";
import { CsrfField, Notice, Time } from "./components";

export type SetPasswordProps = {
  /** The form's action: the link's own address. */
  action: string;
  token: string;
  kind: AccountLinkKind;
  employeeNumber: string;
  firstName: string;
  expiresAt: Date;
  error?: string;
};

/** The page an activation or reset link opens: whose account it is, its username, and the new password. */
export const SetPasswordPage: FC<SetPasswordProps> = ({
  action,
  token,
  kind,
  employeeNumber,
  firstName,
  expiresAt,
  error,
}) => (
  <div class="narrow">
    <h1>{kind === "activation" ? "Set your password" : "Set a new password"}</h1>
    <p class="lead">
      {firstName ? `${firstName}, ` : ""}
      {kind === "activation"
        ? "choose the password you will sign in to Roster with."
        : "choose a new password. Your old one stops working, and you are signed out everywhere else."}
    </p>
    {error ? <Notice kind="error">{error}</Notice> : null}
    <form class="card" method="post" action={action}>
      <CsrfField token={token} />
      <div class="field">
        <label for="username">Username</label>
        <span class="hint" id="username-hint">
          Your employee number: sign in with it and this password.
        </span>
        <input
          type="text"
          id="username"
          name="username"
          value={employeeNumber}
          autocomplete="username"
          readonly
          aria-describedby="username-hint"
        />
      </div>
      <div class="field">
        <label for="password">New password</label>
        <span class="hint" id="password-hint">
          At least {minPasswordLength} characters, and not a common password or your employee number or email. A few
          unrelated words make a good one.
        </span>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          minlength={minPasswordLength}
          required
          aria-describedby="password-hint"
          autofocus
        />
      </div>
      <div class="field">
        <label for="password_again">New password again</label>
        <input
          type="password"
          id="password_again"
          name="password_again"
          autocomplete="new-password"
          minlength={minPasswordLength}
          required
        />
      </div>
      <p class="hint">
        This link works once, until <Time when={expiresAt} />.
      </p>
      <div class="actions">
        <button type="submit">Set password and sign in</button>
      </div>
    </form>
  </div>
);

/**
 * What any link that cannot be used shows, whatever the reason: used, expired, replaced by a
 * newer one, for a deactivated user, or never made. One answer, so the page says nothing about
 * which links exist.
 */
export const UnusableLinkPage: FC = () => (
  <div class="narrow">
    <h1>This link cannot be used</h1>
    <Notice kind="error">
      It may have been used already, have expired, or have been replaced by a newer link. Ask an admin for a new one.
    </Notice>
    <p>
      If you have set your password, <a href="/sign-in">sign in</a> with your employee number.
    </p>
  </div>
);
