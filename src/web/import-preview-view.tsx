import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { CsrfField, DataTable, Notice, Time } from "./components";
import { CheckEveryLineButton, CheckEveryLineForm, CheckEveryLineHint } from "./dry-run-view";
import { delimiterName, encodingName, formatBytes, formatCount, plural } from "./format";
import type { SyncForecast } from "../imports/sync-guardrail";
import { SyncChoice } from "./sync-views";

export type PreviewPageProps = {
  imp: ImportView;
  /** An earlier import, started, of exactly this file. */
  earlier: { id: string; createdAt: Date } | null;
  csrfToken: string;
  canStart: boolean;
  /** Why the sheet asked for could not be read, or the import could not start. */
  error?: string;
  /**
   * What a sync would deactivate (null: this upload cannot be synced); absent until the admin asks
   * for a sync, or for a viewer who cannot start it.
   */
  syncForecast?: SyncForecast | null;
  /** The sync box as the admin left it, when the page comes back with an error. */
  syncChosen?: boolean;
};

const workbookNames = { xlsx: "Excel workbook (.xlsx)", ods: "OpenDocument spreadsheet (.ods)" };

/** Which sheet of a workbook was read, and a choice of another. */
const SheetChoice: FC<{ imp: ImportView; csrfToken: string; canStart: boolean }> = ({ imp, csrfToken, canStart }) => {
  const book = imp.workbook;
  if (book === null) return null;
  const others = book.sheets.filter((s) => s.name !== book.sheet);
  if (others.length === 0) return null;
  return (
    <section class="card" aria-labelledby="sheets-heading">
      <h2 id="sheets-heading">Sheets</h2>
      <p>
        We read the sheet <strong>{book.sheet}</strong>. This workbook also has{" "}
        {others.map((s, i) => (
          <>
            {i > 0 ? ", " : ""}
            {s.name}
            {s.hidden ? " (hidden)" : ""}
          </>
        ))}
        .
      </p>
      {canStart ? (
        <form method="post" action={`/imports/${imp.id}/sheet`} class="filters" data-busy="Reading…">
          <CsrfField token={csrfToken} />
          <div class="field">
            <label for="sheet">Read another sheet</label>
            <select id="sheet" name="sheet">
              {book.sheets.map((s) => (
                <option value={s.name} selected={s.name === book.sheet}>
                  {s.name}
                  {s.hidden ? " (hidden)" : ""}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="button-secondary">
            Read this sheet
          </button>
        </form>
      ) : null}
    </section>
  );
};

/** The preview of an uploaded file: how many users, how it was read, and the first rows. */
export const PreviewPage: FC<PreviewPageProps> = ({
  imp,
  earlier,
  csrfToken,
  canStart,
  error,
  syncForecast,
  syncChosen,
}) => {
  const used = imp.columns.filter((col) => col.field !== null);
  const book = imp.workbook;
  return (
    <>
      <div class="page-head">
        <h1>Check the file</h1>
      </div>
      <p class="summary">We found {plural(imp.totalRows, "user")} in this file.</p>
      <p class="lead">Check that this looks right. Nothing changes until you click Import Users.</p>
      {error ? (
        <Notice kind="error">
          <p>{error}</p>
        </Notice>
      ) : null}
      {earlier ? (
        <Notice kind="warning">
          <p>
            You imported this exact file on <Time when={earlier.createdAt} />.{" "}
            <a href={`/imports/${earlier.id}`}>See that import's report</a>; importing it again changes only what has
            changed since.
          </p>
        </Notice>
      ) : null}

      <section class="card" aria-labelledby="file-heading">
        <h2 id="file-heading">The file</h2>
        <dl class="facts">
          <dt>File name</dt>
          <dd>{imp.fileName}</dd>
          {book ? (
            <>
              <dt>Size</dt>
              <dd>{formatBytes(book.size)}</dd>
              <dt>Format</dt>
              <dd>{workbookNames[book.kind]}</dd>
              <dt>Sheet</dt>
              <dd>{book.sheet}</dd>
            </>
          ) : (
            <>
              <dt>Size</dt>
              <dd>{formatBytes(imp.fileSize)}</dd>
              <dt>Encoding</dt>
              <dd>{encodingName(imp.encoding)}</dd>
              <dt>Delimiter</dt>
              <dd>{delimiterName(imp.delimiter)}</dd>
            </>
          )}
          <dt>Uploaded</dt>
          <dd>
            <Time when={imp.createdAt} /> by {imp.uploadedByName}
          </dd>
        </dl>
      </section>

      <SheetChoice imp={imp} csrfToken={csrfToken} canStart={canStart} />

      <section class="card" aria-labelledby="columns-heading">
        <h2 id="columns-heading">Columns</h2>
        <DataTable
          caption="How each column of the file is read"
          columns={["Column in the file", "Imported as"]}
          rows={imp.columns.map((col) => (
            <tr>
              <th scope="row">{col.header || <span class="muted">(no name)</span>}</th>
              <td>{col.field ? <code>{col.field}</code> : <span class="muted">Ignored</span>}</td>
            </tr>
          ))}
        />
        {imp.ignoredColumns.length ? (
          <Notice kind="warning">
            <p>
              {imp.ignoredColumns.length === 1 ? "This column is" : "These columns are"} not part of the template and
              will be ignored: {imp.ignoredColumns.join(", ")}.
            </p>
          </Notice>
        ) : null}
      </section>

      <section class="card" aria-labelledby="rows-heading">
        <h2 id="rows-heading">First rows</h2>
        <DataTable
          caption={
            <>
              The first {plural(imp.preview.length, "row")} of {formatCount(imp.totalRows)}
            </>
          }
          columns={[{ label: book ? "Row" : "Line", numeric: true }, ...used.map((col) => col.field ?? "")]}
          rows={imp.preview.map((row) => (
            <tr>
              <th scope="row" class="num">
                {row.line}
              </th>
              {used.map((col) => (
                <td>{row.values[col.index] ?? ""}</td>
              ))}
            </tr>
          ))}
        />
      </section>

      {canStart ? (
        <>
          <div class="actions">
            {/* Uploaded as a dry run (through the API): it can only be checked, then imported from its report. */}
            {imp.dryRun ? null : (
              <form method="post" action={`/imports/${imp.id}/start`} data-busy="Starting…">
                <CsrfField token={csrfToken} />
                {syncForecast !== undefined ? (
                  <SyncChoice forecast={syncForecast} chosen={syncChosen ?? false} />
                ) : null}
                <button type="submit">Import Users</button>
                {syncForecast === undefined ? (
                  <a class="button button-secondary" href={`/imports/${imp.id}?sync=true#sync`}>
                    Import as a sync…
                  </a>
                ) : (
                  // In the sync's form, so the dry run is of a sync exactly when its box is ticked.
                  <CheckEveryLineButton imp={imp} />
                )}
              </form>
            )}
            {syncForecast === undefined || imp.dryRun ? <CheckEveryLineForm imp={imp} csrfToken={csrfToken} /> : null}
            <form method="post" action={`/imports/${imp.id}/cancel`}>
              <CsrfField token={csrfToken} />
              <button type="submit" class="button-secondary">
                Cancel
              </button>
            </form>
          </div>
          <CheckEveryLineHint workbook={imp.workbook !== null} sync={syncForecast !== undefined && !imp.dryRun} />
        </>
      ) : (
        <Notice kind="info">
          This file is waiting to be imported. Only someone whose role has admin access and manages users can start or
          cancel it.
        </Notice>
      )}
    </>
  );
};
