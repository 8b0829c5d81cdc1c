import type { FC } from "hono/jsx";
import { CsrfField, DataTable, Notice, Time } from "./components";

export type TokenRow = {
  id: number;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export type TokensPageProps = {
  tokens: TokenRow[];
  csrfToken: string;
  origin: string;
  canUseApi: boolean;
  /** May manage webhooks (and import). */
  canManage: boolean;
  /** A token just created: shown this once. */
  created?: { name: string; token: string };
  /** The create form's one-time key: sending the same form again (a reload) creates no second token. */
  formKey: string;
  /** The form was sent again after its token was created. */
  resent?: boolean;
  error?: string;
  notice?: string;
};

const NewToken: FC<{ name: string; token: string; origin: string }> = ({ name, token, origin }) => (
  <section class="card" aria-labelledby="new-token-heading">
    <h2 id="new-token-heading">Your new token: {name}</h2>
    <Notice kind="warning">
      <p>Copy it now. It is shown only this once: Roster keeps only a fingerprint of it and cannot show it again.</p>
    </Notice>
    <label for="new-token">Token</label>
    <div class="token-field">
      <input type="text" id="new-token" value={token} readonly spellcheck={false} autocomplete="off" />
      <button type="button" class="button-secondary" data-copy="new-token" hidden>
        Copy
      </button>
    </div>
    <h3>Try it</h3>
    <p>List users:</p>
    <pre>
      <code>{`curl -H "Authorization: Bearer ${token}" ${origin}/api/users`}</code>
    </pre>
    <p>Upload a file and start importing it:</p>
    <pre>
      <code>{`curl -H "Authorization: Bearer ${token}" -H "Content-Type: text/csv" \\\n  --data-binary @users.csv "${origin}/api/imports?filename=users.csv&start=true"`}</code>
    </pre>
  </section>
);

/** API tokens: create one (shown once), see them, revoke them. */
export const TokensPage: FC<TokensPageProps> = ({
  tokens,
  csrfToken,
  origin,
  canUseApi,
  canManage,
  created,
  formKey,
  resent,
  error,
  notice,
}) => (
  <>
    <div class="page-head">
      <h1>API tokens</h1>
    </div>
    <p class="lead">
      A token lets a program use Roster's API as you, with your role's permissions. Give each integration its own token,
      so you can revoke one without stopping the others.
    </p>
    <p>
      The <a href="/api/docs">API reference</a> lists every call with what it takes and answers, and lets you try each
      one with a token; the same description is at <a href="/api/openapi.json">/api/openapi.json</a>, for generating a
      client.
    </p>
    {canManage ? (
      <p>
        To have Roster tell an integration when an import ends, instead of it asking, add an endpoint on the{" "}
        <a href="/webhooks">Webhooks</a> page.
      </p>
    ) : null}
    {canUseApi ? null : (
      <Notice kind="info">
        Your role has no admin access, so the API will refuse your tokens until your role changes.
      </Notice>
    )}
    {notice ? <Notice kind="success">{notice}</Notice> : null}
    {created ? <NewToken name={created.name} token={created.token} origin={origin} /> : null}
    {resent ? (
      <Notice kind="warning">
        This form was sent again after its token was created, so no second token was made. The token was shown once,
        when it was created; if you did not copy it, revoke it below and create another.
      </Notice>
    ) : null}
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">Create a token</h2>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form method="post" action="/tokens">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="form_key" value={formKey} />
        <div class="field">
          <label for="token-name">Name</label>
          <span class="hint" id="token-name-hint">
            What will use it, so you recognise it later: HR sync, nightly export.
          </span>
          <input type="text" id="token-name" name="name" required maxlength={100} aria-describedby="token-name-hint" />
        </div>
        <div class="actions">
          <button type="submit">Create token</button>
        </div>
      </form>
    </section>
    <DataTable
      caption="Your tokens, newest first"
      columns={["Name", "Starts with", "Created", "Last used", "Status"]}
      empty="You have no tokens."
      stacked
      rows={tokens.map((t) => (
        <tr>
          <th scope="row">{t.name}</th>
          <td data-label="Starts with">
            <code>{t.prefix}…</code>
          </td>
          <td data-label="Created">
            <Time when={t.createdAt} />
          </td>
          <td data-label="Last used">
            {t.lastUsedAt ? <Time when={t.lastUsedAt} /> : <span class="muted">Never</span>}
          </td>
          <td>
            {t.revokedAt ? (
              <>
                Revoked <Time when={t.revokedAt} />
              </>
            ) : (
              <form method="post" action={`/tokens/${t.id}/revoke`} class="inline-form">
                <CsrfField token={csrfToken} />
                <button type="submit" class="button-danger button-small" aria-label={`Revoke ${t.name}`}>
                  Revoke
                </button>
              </form>
            )}
          </td>
        </tr>
      ))}
    />
  </>
);
