import type { FC } from "hono/jsx";
import { CsrfField, Notice } from "./components";
import { formatBytes } from "./format";

export type UploadPageProps = {
  csrfToken: string;
  maxBytes: number;
  error?: string;
  cancelled?: boolean;
};

const columns: { name: string; required: string; text: string }[] = [
  {
    name: "employee_number",
    required: "Required",
    text: "Unique for every user in the system, and the username they sign in with. It can't be changed once the user has been created: a line with an employee number that already exists updates that user, any other creates a new one.",
  },
  {
    name: "first_name",
    required: "Required for new users",
    text: "The first name of the user you are adding or updating.",
  },
  {
    name: "last_name",
    required: "Required for new users",
    text: "The last name of the user you are adding or updating.",
  },
  {
    name: "location",
    required: "Required for new users",
    text: "The name, code or alias of a location already added to the system. A line whose location is not found is not imported.",
  },
  {
    name: "email",
    required: "Required for new users",
    text: "The user's email address. It must be unique: no two users can share one. An empty cell keeps an existing user's email.",
  },
  {
    name: "role",
    required: "Optional",
    text: "The role to give the user. If the role isn't recognised, the user gets the Standard role and the report warns you; choose the right role on the user's page afterwards, or put a role that exists in the file and import the line again.",
  },
];

/** Header names the reader also understands (map-columns.ts); a test checks it still reads them so. */
export const headerExamples = ["Employee ID", "Username", "Given Name", "Surname", "E-mail", "Site"];

/** Import Users: the file format column by column, the template, and the upload form. */
export const UploadPage: FC<UploadPageProps> = ({ csrfToken, maxBytes, error, cancelled }) => (
  <>
    <div class="page-head">
      <h1>Import Users</h1>
      <a href="/imports">Past imports</a>
    </div>
    <p class="lead">
      Upload a CSV file or a spreadsheet workbook to add or update many users at once, instead of one by one.
    </p>
    {cancelled ? (
      <Notice kind="info">The import was cancelled and its file discarded. Nothing was changed.</Notice>
    ) : null}
    {error ? (
      <Notice kind="error" title="This file can't be imported">
        <p>{error}</p>
      </Notice>
    ) : null}

    <section class="card" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload your file</h2>
      <p>Roster shows you how many users it found before anything changes, so you can check the file first.</p>
      <form method="post" action="/imports" enctype="multipart/form-data" data-busy="Uploading…">
        <CsrfField token={csrfToken} />
        <div class="field">
          <label for="file">CSV file or workbook</label>
          <span class="hint" id="file-hint">
            A .csv file (comma, semicolon or tab separated), or an Excel (.xlsx) or LibreOffice (.ods) workbook as it
            is, up to {formatBytes(maxBytes)}. From a workbook, the first sheet that is not hidden is read; you can pick
            another next.
          </span>
          <input
            type="file"
            id="file"
            name="file"
            accept=".csv,.txt,text/csv,.xlsx,.ods,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.oasis.opendocument.spreadsheet"
            required
            aria-describedby="file-hint"
          />
        </div>
        <div class="actions">
          <button type="submit">Upload</button>
          <a class="button button-secondary" href="/imports/template.csv" download>
            Download the template
          </a>
          <a class="button button-secondary" href="/imports/template.xlsx" download>
            Excel template (.xlsx)
          </a>
        </div>
      </form>
    </section>

    <section class="card" aria-labelledby="format-heading">
      <h2 id="format-heading">Import file format explained</h2>
      <p>
        The first line of the file names the columns; each line after it is one user. The template's names always work,
        and so do common ones such as{" "}
        {headerExamples.map((name, i) => (
          <>
            {i ? ", " : ""}
            <q>{name}</q>
          </>
        ))}
        , in any case. The preview shows how each column was read.
      </p>
      <p>
        Columns may come in any order, and columns Roster does not know are ignored. Every column but role must be
        there, even where its cells are empty for users who already exist: an empty cell never erases what a user has.
      </p>
      <ul class="format-list">
        {columns.map((col) => (
          <li>
            <code>{col.name}</code> <span class="badge">{col.required}</span>
            <br />
            {col.text}
            {col.name === "role" ? (
              <>
                {" "}
                <a href="/roles">What are the different roles?</a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <p class="muted small">
        If a user's role or location is locked, the import leaves that field as it is, even if the file says otherwise.
      </p>
    </section>
  </>
);
