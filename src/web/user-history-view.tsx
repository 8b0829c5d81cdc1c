import type { FC } from "hono/jsx";
import type { HistoryEntry } from "../db/user-changes";
import { describeChange } from "../imports/describe-changes";
import { DataTable, Pager, Time } from "./components";
import { queryString } from "./format";

export type UserHistoryProps = {
  entries: HistoryEntry[];
  /** The link to older changes, or null on the last page. */
  olderHref: string | null;
  /** Whether this page is past the newest changes. */
  paged: boolean;
  firstHref: string;
};

/** Every change to a user, newest first: when, by which import line or which admin, and old → new. */
export const UserHistory: FC<UserHistoryProps> = ({ entries, olderHref, paged, firstHref }) => (
  <section aria-labelledby="history-heading">
    <h2 id="history-heading">History</h2>
    <DataTable
      caption={<>Changes to this user, newest first{paged ? ", continued" : ""}</>}
      columns={["When", "By", "Changes"]}
      empty="No changes recorded yet."
      stacked
      rows={entries.map((e) => (
        <tr>
          <td data-label="When">
            <Time when={e.at} />
          </td>
          <td data-label="By">
            {e.importId !== null && e.line === 0 ? (
              // Line 0: no line of the sync's file named them, which is why it deactivated them.
              <a href={`/imports/${e.importId}#deactivated-heading`}>
                {e.source === "undo" ? "Undo of a sync" : "Sync, not in the file"}
              </a>
            ) : e.importId !== null ? (
              <a
                href={`/imports/${e.importId}${queryString({ after: e.line > 1 ? e.line - 1 : undefined })}#lines-heading`}
              >
                {e.source === "undo" ? "Undo of an import" : "Import"}, line {e.line}
              </a>
            ) : (
              <>{e.by ?? "an admin"}, by hand</>
            )}
          </td>
          <td class="wide">
            <ul class="messages">
              {e.changes.map((change) => (
                <li>{describeChange(change)}</li>
              ))}
            </ul>
          </td>
        </tr>
      ))}
    />
    <Pager label="Pages of history" first={paged ? firstHref : null} next={olderHref} />
  </section>
);
