import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { Badge, CsrfField, Notice } from "./components";
import { formatCount, plural } from "./format";

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

export const CheckEveryLineHint: FC<{ workbook: boolean }> = ({ workbook }) => (
  <p id="check-hint" class="muted small">
    {`Check every line first runs every rule against your users as they are now and changes nothing. You see what importing would do to each ${workbook ? "row" : "line"}, then import the same file with one click.`}
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
 * What a dry run's report says at the top: that nothing was changed and, once every line is
 * checked, what importing would do, with the one button that imports the same stored file.
 */
export const DryRunOutcome: FC<{ imp: ImportView; applyToken: string | null }> = ({ imp, applyToken }) => {
  const line = imp.workbook ? "row" : "line";
  if (imp.status !== "completed")
    return (
      <Notice kind="info" title="Dry run: nothing was changed.">
        <p>{`This check runs every rule against your users as they are now, without changing any of them. The counts and ${line}s below are what importing the file would do.`}</p>
      </Notice>
    );
  return (
    <Notice kind={imp.failed ? "warning" : "success"} title="Dry run: nothing was changed.">
      <p class="summary">{`Importing this file now ${projected(imp)}.`}</p>
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
          <p class="muted small">
            {`If your users change before you import, the import's outcome can differ: it checks every ${line} again as it goes.`}
          </p>
          <button type="submit">Import this file</button>
        </form>
      ) : null}
    </Notice>
  );
};
