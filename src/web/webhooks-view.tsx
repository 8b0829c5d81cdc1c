import type { FC } from "hono/jsx";
import type { WebhookAttemptView, WebhookEndpointView } from "../db/webhooks";
import { retryDelaysSeconds } from "../webhooks/deliver-webhook";
import { webhookEndpointStatus } from "../webhooks/endpoint-status";
import { webhookEvents, type WebhookEvent } from "../webhooks/events";
import { Badge, CsrfField, DataTable, Notice, Time } from "./components";

export type WebhookForm = { url: string; events: WebhookEvent[] };

export const emptyWebhookForm: WebhookForm = { url: "", events: Object.keys(webhookEvents) as WebhookEvent[] };

const statusLabels = { active: "Active", failing: "Failing", disabled: "Disabled" };

const EndpointStatus: FC<{ endpoint: WebhookEndpointView }> = ({ endpoint }) => {
  const status = webhookEndpointStatus(endpoint);
  return <Badge value={status} label={statusLabels[status]} />;
};

/** A secret just made: shown this once. */
const NewSecret: FC<{ url: string; secret: string; rotated: boolean }> = ({ url, secret, rotated }) => (
  <section class="card" aria-labelledby="new-secret-heading">
    <h2 id="new-secret-heading">{rotated ? "The new signing secret" : "Your new endpoint's signing secret"}</h2>
    <p>
      For <code>{url}</code>
    </p>
    <Notice kind="warning">
      <p>
        Copy it now into your receiver's settings. It is shown only this once: Roster uses it to sign deliveries but
        never shows it again.
        {rotated ? " For the next 24 hours each delivery is signed with the old secret too, so nothing is missed." : ""}
      </p>
    </Notice>
    <label for="new-secret">Signing secret</label>
    <div class="token-field">
      <input type="text" id="new-secret" value={secret} readonly spellcheck={false} autocomplete="off" />
      <button type="button" class="button-secondary" data-copy="new-secret" hidden>
        Copy
      </button>
    </div>
  </section>
);

/** How the retries run, in words: "5 seconds, 5 minutes, …". */
function describeSchedule(): string {
  return retryDelaysSeconds
    .map((s) => (s < 60 ? `${s} seconds` : s < 3600 ? `${s / 60} minutes` : `${s / 3600} hours`))
    .join(", ");
}

export type WebhooksPageProps = {
  endpoints: WebhookEndpointView[];
  csrfToken: string;
  formKey: string;
  form: WebhookForm;
  error?: string;
  notice?: string;
  created?: { url: string; secret: string; rotated: boolean };
  /** The form was sent again after its endpoint was created. */
  resent?: boolean;
};

/** Webhooks: the endpoints told when imports end, and a form to add one. */
export const WebhooksPage: FC<WebhooksPageProps> = ({
  endpoints,
  csrfToken,
  formKey,
  form,
  error,
  notice,
  created,
  resent,
}) => (
  <>
    <div class="page-head">
      <h1>Webhooks</h1>
    </div>
    <p class="lead">
      Roster posts a signed message to each endpoint when an import ends, so an integration learns of it without
      polling. Receivers verify the signature with any Standard Webhooks library and the endpoint's secret.
    </p>
    <p>
      A delivery counts when the endpoint answers with a 2xx status within 15 seconds. Otherwise it is tried again after{" "}
      {describeSchedule()}. An endpoint whose deliveries have all failed for five days is disabled until you enable it.
    </p>
    {notice ? <Notice kind="success">{notice}</Notice> : null}
    {created ? <NewSecret {...created} /> : null}
    {resent ? (
      <Notice kind="warning">
        This form was sent again after its endpoint was added, so no second one was made. Its secret was shown once; if
        you did not copy it, rotate the secret below.
      </Notice>
    ) : null}
    <DataTable
      caption="Endpoints, oldest first"
      columns={["URL", "Events", "Status", "Added", { label: <span class="muted">Actions</span> }]}
      empty="No endpoints yet. Add the first one below."
      stacked
      rows={endpoints.map((e) => (
        <tr>
          <th scope="row">
            <a href={`/webhooks/${e.id}`}>
              <code>{e.url}</code>
            </a>
          </th>
          <td data-label="Events">{e.events.join(", ")}</td>
          <td data-label="Status">
            <EndpointStatus endpoint={e} />
          </td>
          <td data-label="Added">
            <Time when={e.createdAt} />
          </td>
          <td>
            <a href={`/webhooks/${e.id}`} aria-label={`Delivery log of ${e.url}`}>
              Delivery log
            </a>
          </td>
        </tr>
      ))}
    />
    <section class="card" aria-labelledby="add-heading">
      <h2 id="add-heading">Add an endpoint</h2>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form method="post" action="/webhooks">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="form_key" value={formKey} />
        <div class="field">
          <label for="webhook-url">URL</label>
          <span class="hint" id="webhook-url-hint">
            Where Roster posts each event: an https:// address of your receiver.
          </span>
          <input
            type="url"
            id="webhook-url"
            name="url"
            value={form.url}
            required
            maxlength={2000}
            aria-describedby="webhook-url-hint"
          />
        </div>
        <fieldset>
          <legend>Events</legend>
          {(Object.entries(webhookEvents) as [WebhookEvent, string][]).map(([name, meaning]) => (
            <label class="checkbox">
              <input type="checkbox" name="events" value={name} checked={form.events.includes(name)} />
              <span>
                <code>{name}</code>: {meaning}
              </span>
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit">Add endpoint</button>
        </div>
      </form>
    </section>
  </>
);

const attemptOutcome = (a: WebhookAttemptView) =>
  a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300 ? "succeeded" : "failed";

export type WebhookPageProps = {
  endpoint: WebhookEndpointView;
  attempts: WebhookAttemptView[];
  csrfToken: string;
  notice?: string;
  created?: { url: string; secret: string; rotated: boolean };
};

/** One endpoint: how it stands, what can be done with it, and its latest attempts. */
export const WebhookPage: FC<WebhookPageProps> = ({ endpoint, attempts, csrfToken, notice, created }) => (
  <>
    <p class="small">
      <a href="/webhooks">Webhooks</a>
    </p>
    <div class="page-head">
      <h1>
        <code>{endpoint.url}</code>
      </h1>
    </div>
    {notice ? <Notice kind="success">{notice}</Notice> : null}
    {created ? <NewSecret {...created} /> : null}
    {endpoint.disabledAt ? (
      <Notice kind="error" title="This endpoint is disabled.">
        <p>
          Every delivery to it failed for five days, so Roster stopped sending on <Time when={endpoint.disabledAt} />.
          Fix the receiver, then enable the endpoint: events from then on are delivered.
        </p>
        <form method="post" action={`/webhooks/${endpoint.id}/enable`}>
          <CsrfField token={csrfToken} />
          <button type="submit">Enable endpoint</button>
        </form>
      </Notice>
    ) : endpoint.failingSince ? (
      <Notice kind="warning">
        <p>
          Deliveries have failed since <Time when={endpoint.failingSince} />. Roster keeps trying; after five days of
          failures the endpoint is disabled.
        </p>
      </Notice>
    ) : null}
    <section class="card" aria-labelledby="endpoint-heading">
      <h2 id="endpoint-heading">The endpoint</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <EndpointStatus endpoint={endpoint} />
        </dd>
        <dt>Events</dt>
        <dd>{endpoint.events.join(", ")}</dd>
        <dt>Added</dt>
        <dd>
          <Time when={endpoint.createdAt} />
        </dd>
      </dl>
    </section>
    <DataTable
      caption="Latest delivery attempts, newest first"
      columns={["Time", "Event", "Message", "Attempt", "Result", { label: "Took", numeric: true }]}
      empty="Nothing has been sent to this endpoint yet. It is told when the next import ends."
      stacked
      rows={attempts.map((a) => (
        <tr>
          <td data-label="Time">
            <Time when={a.attemptedAt} />
          </td>
          <td data-label="Event">{a.event}</td>
          <td data-label="Message">
            <code>{a.messageId}</code>
          </td>
          <td data-label="Attempt">{a.attempt}</td>
          <td data-label="Result">
            <Badge value={attemptOutcome(a)} label={a.statusCode === null ? "No answer" : `${a.statusCode}`} />{" "}
            {a.error && a.statusCode === null ? <span class="small">{a.error}</span> : null}
          </td>
          <td data-label="Took" class="num">
            {a.durationMs} ms
          </td>
        </tr>
      ))}
    />
    <section class="card" aria-labelledby="manage-heading">
      <h2 id="manage-heading">Manage</h2>
      <form method="post" action={`/webhooks/${endpoint.id}/rotate-secret`} class="inline-form">
        <CsrfField token={csrfToken} />
        <button type="submit" class="button-secondary">
          Rotate secret
        </button>
      </form>{" "}
      <form method="post" action={`/webhooks/${endpoint.id}/delete`} class="inline-form">
        <CsrfField token={csrfToken} />
        <button type="submit" class="button-danger">
          Delete endpoint
        </button>
      </form>
    </section>
  </>
);
