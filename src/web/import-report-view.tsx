import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { isRunning, type LineMessage } from "../db/schema";
import type { ReportLine } from "../imports/read-lines";
import { describeChange } from "../imports/describe-changes";
import { inRows } from "../imports/row-wording";
import { Badge, CsrfField, DataTable, Notice, Pager, SuccessIcon, Time } from "./components";
import { DryRunBadge, DryRunOutcome } from "./dry-run-view";
import { formatCount, plural, queryString } from "./format";
import { userHref } from "./users-view";
import { UndoLink, UndoOutcome, UndoProgress, UndoStopped, type UndoReport } from "./import-undo-view";
import type { DeactivatedUser } from "../db/sync-deactivations";
import { DeactivatedSection } from "./sync-views";
import type { SyncForecast } from "../imports/sync-guardrail";

export type LineFilterName = "all" | "errors" | "warnings";

export type ReportPageProps = {
  imp: ImportView;
  lines: ReportLine[];
  /** The lines' employee numbers that belong to users, which link to their pages. */
  users: Set<string>;
  show: LineFilterName;
  nextCursor: number | null;
  /** Whether this page is past the first page of lines. */
  paged: boolean;
  /** Set when the viewer may cancel a running import: the form's CSRF token. */
  cancelToken: string | null;
  /** Set when the viewer may import a dry run's file: the form's CSRF token. */
  applyToken: string | null;
  /** For a dry run of a sync still to import: what a sync of its file would deactivate now. */
  applySync?: SyncForecast | null;
  /** Why importing the dry run's file was refused (the guardrail's number). */
  applyError?: string;
  /** Whether the viewer may undo this import, which is completed or cancelled. */
  canUndo: boolean;
  /** The undo's kept lines, once the import is undone. */
  undoReport: UndoReport | null;
  /** Set when the viewer may make activation links for the users the import created: the form's CSRF token. */
  linksToken: string | null;
  /** For a sync, a page of the users it deactivated. */
  deactivated?: { users: DeactivatedUser[]; next: number | null; paged: boolean } | null;
};

/**
 * The activation links of the users an import created: a form, as each download makes new
 * links (replacing earlier ones), which a plain link must not do.
 */
const ActivationLinks: FC<{ imp: ImportView; token: string }> = ({ imp, token }) => (
  <form method="post" action={`/imports/${imp.id}/activation-links.csv`} class="inline-form">
    <CsrfField token={token} />
    <button type="submit" class="button-secondary" aria-describedby="activation-links-hint">
      Download activation links (CSV)
    </button>
    <span class="hint" id="activation-links-hint">
      A new link for each user this import created who has no password yet, to send each person theirs. Their earlier
      links stop working.
    </span>
  </form>
);

const running = (imp: ImportView) => isRunning(imp.status);

/** Lines a cancelled or failed import did not reach. */
const notReached = (imp: ImportView) =>
  imp.status === "cancelled" || imp.status === "failed" ? imp.totalRows - imp.processedRows : 0;

type Counts = Pick<ImportView, "created" | "updated" | "unchanged" | "failed" | "warnings" | "totalRows">;

/** "4 created, 1 updated and 1 unchanged": what happened to the lines that imported. */
function breakdown(imp: Counts): string {
  const parts = (
    [
      [imp.created, "created"],
      [imp.updated, "updated"],
      [imp.unchanged, "unchanged"],
    ] as const
  ).flatMap(([n, word]) => (n ? [`${formatCount(n)} ${word}`] : []));
  if (parts.length < 2) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

const clean = (imp: Counts) => imp.failed === 0 && imp.warnings === 0;

/**
 * The sentence that sums up a finished import, as the help article puts it: a file with
 * problems says how many of its users imported; a clean one says what happened to them.
 */
function summarise(imp: Counts): string {
  const imported = imp.created + imp.updated + imp.unchanged;
  if (!clean(imp)) return `${formatCount(imported)} out of ${plural(imp.totalRows, "user")} imported.`;
  if (imp.created + imp.updated === 0) {
    const users = imported === 1 ? "The 1 user in the file was" : `All ${plural(imported, "user")} in the file were`;
    return `Nothing to change: ${users} already up to date.`;
  }
  return `${plural(imported, "user")} imported with no reported errors: ${breakdown(imp)}.`;
}

/**
 * What the page script announces to screen readers as the report refreshes itself: the stage, in
 * quarters while it runs, then the outcome; each count would be too many announcements.
 */
function announcement(imp: ImportView): string {
  if (imp.status === "queued") return "Waiting to start.";
  if (imp.status === "processing") {
    const quarters = Math.floor((imp.processedRows / Math.max(imp.totalRows, 1)) * 4);
    return `${imp.dryRun ? "Checking" : "Importing"}: ${quarters * 25}% done.`;
  }
  if (imp.status === "cancelling") return "Cancelling.";
  if (imp.status === "failed") return "The import stopped before the end.";
  if (imp.status === "cancelled") return "The import was cancelled.";
  if (imp.status === "undoing") {
    const quarters = Math.floor((imp.undoRows / Math.max(imp.processedRows, 1)) * 4);
    return `Undoing: ${quarters * 25}% done.`;
  }
  if (imp.status === "undone") return "The import was undone.";
  if (imp.dryRun) return "Dry run complete: nothing was changed.";
  return summarise(imp);
}

/** A workbook's report speaks of its sheet's rows, a CSV file's of its lines. */
const inWords = (imp: ImportView, text: string) => (imp.workbook ? inRows(text) : text);
const lineWord = (imp: ImportView) => (imp.workbook ? "row" : "line");

const progressHeadings = { queued: "Waiting to start…", processing: "Importing…", cancelling: "Cancelling…" };

const Progress: FC<{ imp: ImportView; cancelToken: string | null }> = ({ imp, cancelToken }) => (
  <section class="card" data-live="" aria-labelledby="progress-heading">
    <h2 id="progress-heading">
      {imp.dryRun && imp.status === "processing"
        ? "Checking every line…"
        : (progressHeadings[imp.status as keyof typeof progressHeadings] ?? progressHeadings.processing)}
    </h2>
    <label for="progress">
      {formatCount(imp.processedRows)} of {plural(imp.totalRows, lineWord(imp))} done
      {imp.sync && imp.processedRows === imp.totalRows
        ? imp.dryRun
          ? `; finding the users not in the file (${formatCount(imp.deactivated)} so far)`
          : `; deactivating the users not in the file (${formatCount(imp.deactivated)} so far)`
        : ""}
    </label>
    <progress id="progress" max={Math.max(imp.totalRows, 1)} value={imp.processedRows}>
      {formatCount(imp.processedRows)} of {formatCount(imp.totalRows)}
    </progress>
    {imp.status === "cancelling" ? (
      <p class="muted small">
        {inWords(
          imp,
          "The import stops once the lines in progress are done; the lines it applied stay, and the rest can be downloaded to import later.",
        )}
      </p>
    ) : (
      <p class="muted small">
        This page updates by itself. You can leave it and come back: the import carries on, and its report stays under
        Imports.
      </p>
    )}
    {cancelToken !== null && imp.status !== "cancelling" ? (
      <form method="post" action={`/imports/${imp.id}/stop`} data-busy="Cancelling…">
        <CsrfField token={cancelToken} />
        <button type="submit" class="button button-secondary">
          Cancel import
        </button>
      </form>
    ) : null}
  </section>
);

/** Where to get what an import did not reach, to import it later. */
const NotReached: FC<{ imp: ImportView }> = ({ imp }) =>
  notReached(imp) > 0 && !imp.purgedAt ? (
    <p>
      {inWords(imp, `${plural(notReached(imp), "line was", "lines were")} not reached. `)}
      <a href={`/imports/${imp.id}/not-reached.csv`} download>
        {inWords(imp, "Download the lines not reached (CSV)")}
      </a>{" "}
      to import them later.
    </p>
  ) : null;

const Stats: FC<{ imp: ImportView }> = ({ imp }) => (
  <ul class="stats" aria-label="Counts">
    {(
      [
        ["Created", imp.created],
        ["Updated", imp.updated],
        ["Unchanged", imp.unchanged],
        ["Failed", imp.failed],
        ["Warnings", imp.warnings],
        ...(imp.sync ? [[imp.dryRun ? "Would be deactivated" : "Deactivated", imp.deactivated] as const] : []),
      ] as const
    ).map(([label, value]) => (
      <li>
        <span class="stat-value">{formatCount(value)}</span>
        <span class="stat-label">{label}</span>
      </li>
    ))}
  </ul>
);

const Outcome: FC<{ imp: ImportView }> = ({ imp }) => {
  if (imp.status === "failed") {
    return (
      <Notice kind="error" title="The import stopped before the end.">
        <p>{imp.error ?? "Something went wrong on our side."}</p>
        <p>
          {formatCount(imp.processedRows)} of {plural(imp.totalRows, lineWord(imp))} were processed; the {lineWord(imp)}
          s below are what happened to them.
        </p>
        <NotReached imp={imp} />
      </Notice>
    );
  }
  if (imp.status === "cancelled") {
    const imported = imp.created + imp.updated + imp.unchanged;
    return (
      <Notice kind="warning" title="The import was cancelled.">
        <p>
          {formatCount(imp.processedRows)} of {plural(imp.totalRows, lineWord(imp))} were processed before it stopped
          {imported ? `: ${breakdown(imp)}` : ""}
          {imp.failed ? `, ${formatCount(imp.failed)} failed` : ""}. The {lineWord(imp)}s below are what happened to
          them.
        </p>
        <NotReached imp={imp} />
      </Notice>
    );
  }
  const imported = imp.created + imp.updated + imp.unchanged;
  return (
    <Notice kind={clean(imp) ? "success" : imp.failed ? "warning" : "info"}>
      <p class="summary">
        {clean(imp) ? <SuccessIcon /> : null}
        {summarise(imp)}
      </p>
      {!clean(imp) && imported ? <p>Of those, {breakdown(imp)}.</p> : null}
      {imp.sync && imp.deactivated ? (
        <p>
          As a sync, it deactivated {plural(imp.deactivated, "user")} not in the file:{" "}
          <a href="#deactivated-heading">see them below</a>.
        </p>
      ) : null}
      {imp.failed ? (
        <p>
          {inWords(
            imp,
            `${plural(imp.failed, "line was", "lines were")} not imported. Download the failed lines, fix them and import that file again.`,
          )}
        </p>
      ) : null}
      {imp.warnings ? (
        <p>
          {inWords(
            imp,
            `${plural(imp.warnings, "line has", "lines have")} warnings: those users were imported, but check them.`,
          )}
        </p>
      ) : null}
    </Notice>
  );
};

const filters: { name: LineFilterName; label: (imp: ImportView) => string }[] = [
  { name: "all", label: (imp) => `All ${lineWord(imp)}s` },
  { name: "errors", label: (imp) => `Errors (${formatCount(imp.failed)})` },
  { name: "warnings", label: (imp) => `Warnings (${formatCount(imp.warnings)})` },
];

/**
 * The words of a message that name a page, by message code, and where that page is. The
 * messages stay plain text in the API and the CSV; here those words become the link.
 */
const pageLinks: Record<string, { words: string; href: (line: ReportLine) => string }> = {
  unknown_location: { words: "Locations", href: () => "/locations" },
  unknown_role: { words: "the user's page", href: (line) => userHref(line.employeeNumber) },
};

const Message: FC<{ message: LineMessage; line: ReportLine; linked: boolean }> = ({ message, line, linked }) => {
  const link = pageLinks[message.code];
  const at = link ? message.message.lastIndexOf(link.words) : -1;
  // A user's page link only for a user there is: a failed line may name someone never created.
  if (!link || at === -1 || (message.code === "unknown_role" && !linked)) return <>{message.message}</>;
  return (
    <>
      {message.message.slice(0, at)}
      <a href={link.href(line)}>{link.words}</a>
      {message.message.slice(at + link.words.length)}
    </>
  );
};

const Lines: FC<ReportPageProps> = ({ imp, lines, users, show, nextCursor, paged }) => {
  const base = `/imports/${imp.id}`;
  const showParam = show === "all" ? undefined : show;
  return (
    <section aria-labelledby="lines-heading">
      <h2 id="lines-heading">{inWords(imp, "Lines")}</h2>
      <ul class="tabs" aria-label="Show">
        {filters.map((f) => (
          <li>
            <a
              href={`${base}${queryString({ show: f.name === "all" ? undefined : f.name })}#lines-heading`}
              aria-current={show === f.name ? "page" : undefined}
            >
              {f.label(imp)}
            </a>
          </li>
        ))}
      </ul>
      {imp.purgedAt ? (
        <Notice kind="info">
          The details of each line were deleted after the retention period, on <Time when={imp.purgedAt} />. The counts
          above remain.
        </Notice>
      ) : (
        <DataTable
          caption={
            <>
              {inWords(
                imp,
                show === "errors"
                  ? "Lines that were not imported"
                  : show === "warnings"
                    ? "Lines with warnings"
                    : "Every line of the file",
              )}
              {paged ? ", continued" : ""}
            </>
          }
          columns={[{ label: inWords(imp, "Line"), numeric: true }, "Employee number", "Outcome", "Messages"]}
          empty={running(imp) ? "No lines done yet." : "No lines to show."}
          stacked
          rows={lines.map((line) => (
            <tr>
              <th scope="row" class="num" data-label={inWords(imp, "Line")}>
                {line.line}
              </th>
              <td data-label="Employee number">
                {!line.employeeNumber ? (
                  <span class="muted">(empty)</span>
                ) : users.has(line.employeeNumber) ? (
                  <a href={userHref(line.employeeNumber)}>{line.employeeNumber}</a>
                ) : (
                  line.employeeNumber
                )}
              </td>
              <td>
                <Badge value={line.outcome} />
              </td>
              {/* A stacked row leaves out a cell with nothing in it rather than give "—" a line. */}
              <td class={line.messages.length || line.changes.length ? "wide" : "wide blank"}>
                {line.messages.length || line.changes.length ? (
                  <ul class="messages">
                    {line.messages.map((m) => (
                      <li class={`message-${m.level}`}>
                        <Message
                          message={imp.workbook ? { ...m, message: inRows(m.message) } : m}
                          line={line}
                          linked={users.has(line.employeeNumber)}
                        />
                      </li>
                    ))}
                    {line.changes.map((change) => (
                      <li class="change">{describeChange(change)}</li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        />
      )}
      <Pager
        label="Pages of lines"
        first={paged ? `${base}${queryString({ show: showParam })}#lines-heading` : null}
        next={
          nextCursor !== null ? `${base}${queryString({ show: showParam, after: nextCursor })}#lines-heading` : null
        }
      />
    </section>
  );
};

/** The report of a started import: progress while it runs, then the outcome and every line. */
export const ReportPage: FC<ReportPageProps> = (props) => {
  const { imp } = props;
  const done = !running(imp);
  // An undoing or undone import's own outcome is the one it had before the undo.
  const before = imp.undoFrom !== null && (imp.status === "undoing" || imp.status === "undone");
  const outcome = before && imp.undoFrom ? { ...imp, status: imp.undoFrom } : imp;
  return (
    <>
      <div class="page-head">
        <h1>{imp.dryRun ? "Dry run report" : "Import report"}</h1>
        <span>
          {imp.dryRun ? (
            <>
              <DryRunBadge />{" "}
            </>
          ) : null}
          <Badge value={imp.status} />
        </span>
      </div>
      <p class="lead">
        {imp.fileName} · {plural(imp.totalRows, "user")} · uploaded <Time when={imp.createdAt} /> by{" "}
        {imp.uploadedByName}
      </p>
      <div data-announce={announcement(imp)}>
        {imp.dryRun ? (
          <DryRunOutcome
            imp={imp}
            applyToken={props.applyToken}
            forecast={props.applySync ?? null}
            error={props.applyError}
          />
        ) : null}
        {imp.status === "undoing" ? <UndoProgress imp={imp} /> : null}
        {imp.status === "undone" && props.undoReport ? <UndoOutcome imp={imp} report={props.undoReport} /> : null}
        <UndoStopped imp={imp} />
        {done ? (
          imp.dryRun && imp.status === "completed" ? null : (
            <Outcome imp={outcome} />
          )
        ) : (
          <Progress imp={imp} cancelToken={props.cancelToken} />
        )}
      </div>
      <Stats imp={imp} />
      {done ? (
        <div class="actions">
          <a class="button button-secondary" href={`/imports/${imp.id}/report.csv`} download>
            Download the full report (CSV)
          </a>
          {imp.failed ? (
            <a class="button button-secondary" href={`/imports/${imp.id}/failed.csv`} download>
              Download the failed lines (CSV)
            </a>
          ) : null}
          {props.linksToken && imp.created ? <ActivationLinks imp={imp} token={props.linksToken} /> : null}
          {/* All Users filters by each user's last import: a line left unchanged keeps its earlier one. */}
          {imp.dryRun ? null : imp.created + imp.updated ? (
            <a href={`/users${queryString({ import: imp.id })}`}>See the users this import created or updated</a>
          ) : (
            <span class="muted">This import created and updated no users.</span>
          )}
          {props.canUndo ? <UndoLink imp={imp} /> : null}
        </div>
      ) : null}
      <Lines {...props} />
      {props.deactivated ? <DeactivatedSection imp={imp} {...props.deactivated} /> : null}
    </>
  );
};
