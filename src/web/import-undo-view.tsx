import type { FC } from "hono/jsx";
import type { UndoNote } from "../db/import-undo";
import type { ImportView } from "../db/imports";
import { describeKept } from "../imports/describe-undo";
import { CsrfField, DataTable, Notice, Pager, Time } from "./components";
import { formatCount, plural, queryString } from "./format";
import { userHref } from "./users-view";

/** What a report shows of an undo: its kept lines, a page at a time. */
export type UndoReport = { notes: UndoNote[]; nextCursor: number | null; paged: boolean };

/** The words of the undo's counts: "2 users removed, 1 restored". */
function undoCounts(imp: ImportView): string {
  return `${plural(imp.undoRemoved, "user")} removed, ${formatCount(imp.undoRestored)} restored`;
}

/** An undo under way: its progress through the lines the import reached, from the last. */
export const UndoProgress: FC<{ imp: ImportView }> = ({ imp }) => (
  <section class="card" data-live="" aria-labelledby="undo-heading">
    <h2 id="undo-heading">Undoing…</h2>
    <label for="undo-progress">
      {formatCount(imp.undoRows)} of {plural(imp.processedRows, imp.workbook ? "row" : "line")} undone
    </label>
    <progress id="undo-progress" max={Math.max(imp.processedRows, 1)} value={imp.undoRows}>
      {formatCount(imp.undoRows)} of {formatCount(imp.processedRows)}
    </progress>
    <p class="muted small">
      {undoCounts(imp)} so far. This page updates by itself; the undo carries on if you leave it.
    </p>
  </section>
);

/** An undone import's outcome, with the lines whose users or fields were kept and why. */
export const UndoOutcome: FC<{ imp: ImportView; report: UndoReport }> = ({ imp, report }) => {
  const base = `/imports/${imp.id}`;
  return (
    <section aria-labelledby="undo-heading">
      <Notice kind="info" title="This import was undone.">
        <p>
          Undone <Time when={imp.undoFinishedAt} />: {undoCounts(imp)}.
          {imp.undoKept
            ? ` ${plural(imp.undoKept, "line keeps", "lines keep")} what changed after the import, listed below.`
            : " Nothing had changed since the import."}
        </p>
        <p>The report below is what the import did before it was undone.</p>
      </Notice>
      {imp.undoKept ? (
        <>
          <h2 id="undo-heading">Kept by the undo</h2>
          <DataTable
            caption={<>Lines whose user or fields were kept as they are{report.paged ? ", continued" : ""}</>}
            columns={[{ label: imp.workbook ? "Row" : "Line", numeric: true }, "Employee number", "What was kept"]}
            empty="No lines were kept."
            stacked
            rows={report.notes.map((n) => (
              <tr>
                <th scope="row" class="num">
                  {n.line}
                </th>
                <td data-label="Employee number">
                  {n.kept.some((k) => k.reason === "user_missing") ? (
                    n.employeeNumber
                  ) : (
                    <a href={userHref(n.employeeNumber)}>{n.employeeNumber}</a>
                  )}
                </td>
                <td class="wide">
                  <ul class="messages">
                    {n.kept.map((k) => (
                      <li class="message-warning">{describeKept(k)}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          />
          <Pager
            label="Pages of kept lines"
            first={report.paged ? `${base}#undo-heading` : null}
            next={
              report.nextCursor !== null
                ? `${base}${queryString({ kept_after: report.nextCursor })}#undo-heading`
                : null
            }
          />
        </>
      ) : null}
    </section>
  );
};

/** Why an undo stopped part-way, on the report of the import it returned to its earlier status. */
export const UndoStopped: FC<{ imp: ImportView }> = ({ imp }) =>
  imp.undoStartedAt !== null && imp.status !== "undoing" && imp.status !== "undone" && imp.error ? (
    <Notice kind="warning" title="The undo stopped before the end.">
      <p>{imp.error}</p>
      <p>
        {formatCount(imp.undoRows)} of {plural(imp.processedRows, imp.workbook ? "row" : "line")} were undone:{" "}
        {undoCounts(imp)}.
      </p>
    </Notice>
  ) : null;

/** The report's way to the undo's confirmation, for a completed or cancelled import. */
export const UndoLink: FC<{ imp: ImportView }> = ({ imp }) => (
  <a class="button button-secondary" href={`/imports/${imp.id}/undo`}>
    Undo this import
  </a>
);

/** Says what undoing an import will do before anything is done, with the form that does it. */
export const UndoConfirmPage: FC<{ imp: ImportView; csrfToken: string }> = ({ imp, csrfToken }) => (
  <>
    <h1>Undo this import?</h1>
    <p class="lead">
      {imp.fileName} · uploaded <Time when={imp.createdAt} /> by {imp.uploadedByName}
    </p>
    <section class="card" aria-labelledby="undo-does">
      <h2 id="undo-does">What the undo will do</h2>
      <ul>
        <li>
          Remove the {plural(imp.created, "user")} this import created, with their sign-in sessions and API tokens.
        </li>
        <li>Restore the earlier values of the {plural(imp.updated, "user")} this import updated.</li>
        {imp.sync && imp.deactivated > 0 ? (
          <li>
            Reactivate the {plural(imp.deactivated, "user")} this sync deactivated because the file did not name them.
          </li>
        ) : null}
      </ul>
      <p>
        Anything changed after the import is kept: a field changed since by a later import or by hand keeps its value,
        and a user the import created who was changed since stays. The undo lists each of them on the import's report.
        Lines that failed or changed nothing are left alone.
      </p>
      {imp.undoChunks > 0 ? (
        <p>An earlier undo of this import stopped part-way; this one carries on from where it stopped.</p>
      ) : null}
      <form method="post" action={`/imports/${imp.id}/undo`} data-busy="Undoing…" class="actions">
        <CsrfField token={csrfToken} />
        <button type="submit" class="button button-danger">
          Undo this import
        </button>
        <a href={`/imports/${imp.id}`}>Keep the import as it is</a>
      </form>
    </section>
  </>
);
