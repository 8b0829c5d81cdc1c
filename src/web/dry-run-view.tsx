import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { Badge, CsrfField, Notice } from "./components";
import { formatCount, plural } from "./format";
import type { SyncForecast } from "../imports/sync-guardrail";

/** The label that marks a dry run wherever imports are listed or shown. */
export const DryRunBadge: FC = () => <Badge value="dry-run" label="Dry run" />;

/** On the preview: check every line first, changing nothing. */
export const CheckEveryLineForm: FC<{ imp: ImportView; csrfToken: string }> = ({ imp, csrfToken }) => (
  <form method="post" action={`/imports/${imp.id}/check`} data-busy="Starting the check…">
    <CsrfField token={csrfToken} />
    <button type="submit" class="button-secondary" aria-describedby="check-hint">
      Check every line first
    </button>
  </form>
);

/** The same choice inside the preview's sync form: a dry run of the sync when its box is ticked. */
export const CheckEveryLineButton: FC<{ imp: ImportView }> = ({ imp }) => (
  <button type="submit" class="button-secondary" formaction={`/imports/${imp.id}/check`} aria-describedby="check-hint">
    Check every line first
  </button>
);

export const CheckEveryLineHint: FC<{ workbook: boolean; sync?: boolean }> = ({ workbook, sync }) => (
  <p id="check-hint" class="muted small">
    {`Check every line first runs every rule against your users as they are now and changes nothing. You see what importing would do to each ${workbook ? "row" : "line"}${sync ? " and, with Sync ticked, who the sync would deactivate" : ""}, then import the same file with one click.`}
  </p>
);

/** "would create 4, update 1 and leave 1 unchanged". */
function projected(imp: ImportView): string {
  const parts = (
    [
      [imp.created, (n: string) => `create ${n}`],
      [imp.updated, (n: string) => `update ${n}`],
      [imp.unchanged, (n: string) => `leave ${n} unchanged`],
    ] as const
  ).flatMap(([n, say]) => (n ? [say(formatCount(n))] : []));
  if (parts.length === 0) return "would import no user";
  if (parts.length === 1) return `would ${parts[0]}`;
  return `would ${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * For a dry run of a sync still to import: whether a sync of its file, started now, needs the
 * admin to confirm how many it deactivates, and the field to type it in.
 */
const SyncConfirmField: FC<{ imp: ImportView; forecast: SyncForecast }> = ({ imp, forecast }) => {
  const n = forecast.deactivations;
  return (
    <>
      {n !== imp.deactivated ? (
        <p>{`Users changed since this dry run: a sync of this file now would deactivate ${plural(n, "user")}, not ${formatCount(imp.deactivated)}.`}</p>
      ) : null}
      {forecast.needsConfirmation ? (
        <div class="field">
          <p id="apply-sync-hint">
            {`That is more than the ${formatCount(forecast.limit)} (${forecast.percent}% of ${formatCount(forecast.activeUsers)} active users) a sync may deactivate unconfirmed, so importing it as a sync needs you to confirm the number.`}
          </p>
          <label for="confirm_deactivations">
            To import it as a sync, type the number of users it will deactivate: {formatCount(n)}
          </label>
          <input
            type="text"
            id="confirm_deactivations"
            name="confirm_deactivations"
            inputmode="numeric"
            autocomplete="off"
            aria-describedby="apply-sync-hint"
          />
        </div>
      ) : null}
    </>
  );
};

/**
 * What a dry run's report says at the top: that nothing was changed and, once every line is
 * checked, what importing would do, with the one button that imports the same stored file. A dry
 * run of a sync also says how many users the sync would deactivate and, above the guardrail,
 * asks for that number to import it.
 */
export const DryRunOutcome: FC<{
  imp: ImportView;
  applyToken: string | null;
  /** What a sync of the file would deactivate now (dry runs of a sync still to import). */
  forecast: SyncForecast | null;
  /** Why the import was refused, shown by the form. */
  error?: string;
}> = ({ imp, applyToken, forecast, error }) => {
  const line = imp.workbook ? "row" : "line";
  if (imp.status !== "completed")
    return (
      <Notice kind="info" title="Dry run: nothing was changed.">
        <p>{`This check runs every rule against your users as they are now, without changing any of them. The counts and ${line}s below are what importing the file would do${imp.sync ? ", and as a sync it then finds who it would deactivate" : ""}.`}</p>
      </Notice>
    );
  return (
    <Notice kind={imp.failed ? "warning" : "success"} title="Dry run: nothing was changed.">
      <p class="summary">{`Importing this file now ${projected(imp)}.`}</p>
      {imp.sync ? (
        imp.deactivated ? (
          <p>
            As a sync, it would also deactivate {plural(imp.deactivated, "user")} not in the file:{" "}
            <a href="#deactivated-heading">see them below</a>.
          </p>
        ) : (
          <p>As a sync, it would deactivate no one: every imported user is in the file.</p>
        )
      ) : null}
      {imp.failed ? (
        <p>{`${plural(imp.failed, `${line} would fail`, `${line}s would fail`)}: the ${line}s below say why. Fix them in the file and check it again, or import it as it is; the failed ${line}s are then left out.`}</p>
      ) : null}
      {imp.warnings ? (
        <p>{`${plural(imp.warnings, `${line} would have warnings`, `${line}s would have warnings`)}: they would import, but check them.`}</p>
      ) : null}
      {imp.appliedImportId !== null ? (
        <p>
          This file has been imported: <a href={`/imports/${imp.appliedImportId}`}>see the import's report</a>.
        </p>
      ) : imp.purgedAt !== null ? (
        <p>The file was deleted after the retention period. Upload it again to import it.</p>
      ) : applyToken !== null ? (
        <form method="post" action={`/imports/${imp.id}/apply`} data-busy="Starting the import…">
          <CsrfField token={applyToken} />
          {error ? (
            <Notice kind="error">
              <p>{error}</p>
            </Notice>
          ) : null}
          {imp.sync && forecast !== null ? <SyncConfirmField imp={imp} forecast={forecast} /> : null}
          <p class="muted small">
            {`${imp.sync ? "It imports as a sync: after its last line, the users not in the file are deactivated. " : ""}If your users change before you import, the import's outcome can differ: it checks every ${line} again as it goes.`}
          </p>
          <button type="submit">Import this file</button>
        </form>
      ) : null}
    </Notice>
  );
};
