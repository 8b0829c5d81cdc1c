import type { FC } from "hono/jsx";
import type { OperationView, SchemaView } from "../api/openapi";
import { DataTable } from "./components";
import { Layout } from "./layout";

export type ApiDocsPageProps = {
  info: { title: string; version: string; description: string };
  operations: OperationView[];
  schemas: SchemaView[];
};

const isSchemaName = (schema: string) => /^[A-Za-z]\w*$/.test(schema);

/** A schema: a link to the named schema below, or its JSON. */
const Schema: FC<{ schema: string }> = ({ schema }) =>
  isSchemaName(schema) ? (
    <a href={`#schema-${schema}`}>{schema}</a>
  ) : (
    <pre>
      <code>{schema}</code>
    </pre>
  );

/** The form the script turns on: send this operation with the token above and see the answer. */
const TryIt: FC<{ op: OperationView }> = ({ op }) => {
  const textBody = op.body.find((b) => b.mediaType === "application/json" || b.mediaType === "text/csv");
  return (
    <form class="try-it" data-method={op.method} data-path={op.path} data-body-type={textBody?.mediaType ?? ""} hidden>
      <h4>Try it</h4>
      {op.parameters.map((p) => (
        <div class="field">
          <label for={`${op.id}-${p.name}`}>
            {p.name}{" "}
            <span class="hint">
              {p.in}
              {p.required ? ", required" : ""}
            </span>
          </label>
          <input
            type="text"
            id={`${op.id}-${p.name}`}
            name={p.name}
            data-in={p.in}
            required={p.required}
            autocomplete="off"
          />
        </div>
      ))}
      {textBody ? (
        <div class="field">
          <label for={`${op.id}-body`}>
            Body <span class="hint">{textBody.mediaType}</span>
          </label>
          <textarea id={`${op.id}-body`} name="body" rows={5} spellcheck={false} />
        </div>
      ) : null}
      <button type="submit" class="button-secondary">
        Send {op.method} {op.path}
      </button>
      <output class="try-it-answer" for={`${op.id}-body`} aria-live="polite" />
    </form>
  );
};

const Operation: FC<{ op: OperationView }> = ({ op }) => (
  <details class="card api-operation" id={op.id}>
    <summary>
      <span class={`api-method api-method-${op.method.toLowerCase()}`}>{op.method}</span> <code>{op.path}</code>{" "}
      {op.summary}
    </summary>
    {op.description ? <p>{op.description}</p> : null}
    <p class="muted small">{op.needsToken ? "Needs a bearer token." : "Needs no token."}</p>
    {op.parameters.length ? (
      <DataTable
        caption="Parameters"
        columns={["Name", "In", "Required", "Schema", "Meaning"]}
        rows={op.parameters.map((p) => (
          <tr>
            <td>
              <code>{p.name}</code>
            </td>
            <td>{p.in}</td>
            <td>{p.required ? "yes" : "no"}</td>
            <td>
              <Schema schema={p.schema} />
            </td>
            <td>{p.description ?? ""}</td>
          </tr>
        ))}
      />
    ) : null}
    {op.body.map((b) => (
      <>
        <h4>
          Body: <code>{b.mediaType}</code>
        </h4>
        <Schema schema={b.schema} />
      </>
    ))}
    <DataTable
      caption="Answers"
      columns={["Status", "Meaning", "Body"]}
      rows={op.responses.map((r) => (
        <tr>
          <td>
            <strong>{r.status}</strong>
          </td>
          <td>{r.description}</td>
          <td>
            {r.mediaTypes.join(", ")} {r.schema ? <Schema schema={r.schema} /> : null}
          </td>
        </tr>
      ))}
    />
    <TryIt op={op} />
  </details>
);

/** The API reference, rendered from the OpenAPI document; the script lets a reader try each call. */
export const ApiDocsPage: FC<ApiDocsPageProps> = ({ info, operations, schemas }) => (
  <Layout title="API reference" path="/api/docs">
    <div class="page-head">
      <h1>{info.title}</h1>
      <a href="/api/openapi.json">OpenAPI document (JSON)</a>
    </div>
    <p class="lead">{info.description}</p>
    <div class="field try-it-token" hidden>
      <label for="api-token">API token for “Try it”</label>
      <span class="hint">
        Kept in this page only. Calls are made as the token's user: uploads and changes are real.
      </span>
      <input type="password" id="api-token" autocomplete="off" />
    </div>
    <h2>Operations</h2>
    {operations.map((op) => (
      <Operation op={op} />
    ))}
    <h2>Schemas</h2>
    {schemas.map((s) => (
      <details class="card" id={`schema-${s.name}`}>
        <summary>
          <code>{s.name}</code>
        </summary>
        <pre>
          <code>{s.schema}</code>
        </pre>
      </details>
    ))}
    <script src="/assets/api-docs.js" defer />
  </Layout>
);
