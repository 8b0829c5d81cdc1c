import type { Child, FC } from "hono/jsx";
import { csrfField } from "../auth/csrf";
import { formatDateTime } from "./format";

/** The hidden field that carries the session's CSRF token in every form that changes something. */
export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name={csrfField} value={token} />;

/** A moment in UTC, which the script shows in the reader's own time. */
export const Time: FC<{ when: Date | null }> = ({ when }) =>
  when ? (
    <time datetime={when.toISOString()} data-local="">
      {formatDateTime(when)}
    </time>
  ) : (
    <span class="muted">—</span>
  );

/**
 * A tick in a circle, drawn inline: an emoji needs a font that has it, and Debian's Chromium
 * without one shows an empty box. Decorative: the sentence beside it says the same.
 */
export const SuccessIcon: FC = () => (
  <svg class="icon icon-success" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
    <circle cx="12" cy="12" r="11" fill="currentColor" />
    <path
      d="M7 12.5l3.2 3.2L17 9"
      fill="none"
      stroke="#fff"
      stroke-width="2.4"
      stroke-linecap="round"
      stroke-linejoin="round"
    />
  </svg>
);

export type NoticeKind = "error" | "success" | "warning" | "info";

/** A message box; errors are announced to screen readers as they appear. */
export const Notice: FC<{ kind: NoticeKind; title?: string; children?: Child }> = ({ kind, title, children }) => (
  <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
    {title ? (
      <p>
        <strong>{title}</strong>
      </p>
    ) : null}
    {children}
  </div>
);

/** A status or outcome as a small label. */
export const Badge: FC<{ value: string; label?: string }> = ({ value, label }) => (
  <span class={`badge badge-${value}`}>{label ?? value[0]?.toUpperCase() + value.slice(1)}</span>
);

/**
 * "Previous page" and "Next page" for keyset pagination, and "First page" once past it: links
 * that carry the cursor and the page's filters.
 */
export const Pager: FC<{ next: string | null; previous?: string | null; first?: string | null; label?: string }> = ({
  next,
  previous,
  first,
  label,
}) =>
  next || previous || first ? (
    <nav class="pager" aria-label={label ?? "Pages"}>
      {first ? <a href={first}>First page</a> : <span />}
      <span class="pager-steps">
        {previous ? (
          <a class="button button-secondary" href={previous} rel="prev">
            Previous page
          </a>
        ) : null}
        {next ? (
          <a class="button button-secondary" href={next} rel="next">
            Next page
          </a>
        ) : null}
      </span>
    </nav>
  ) : null;

/** A column heading: its text, or markup with whether the column holds numbers (right-aligned). */
export type Column = string | { label: Child; numeric?: boolean };

/**
 * A table as every list page shows it: scrollable on a narrow screen, captioned for screen
 * readers, and with one row saying `empty` when there are no rows. A `stacked` table instead
 * shows each row on a narrow screen as a block of its cells, each labelled by its `data-label`.
 */
export const DataTable: FC<{ caption: Child; columns: Column[]; rows: Child[]; empty?: Child; stacked?: boolean }> = ({
  caption,
  columns,
  rows,
  empty,
  stacked,
}) => (
  <div class="table-wrap">
    <table class={stacked ? "stacked" : undefined}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) =>
            typeof column === "string" ? (
              <th scope="col">{column}</th>
            ) : (
              <th scope="col" class={column.numeric ? "num" : undefined}>
                {column.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && empty !== undefined ? (
          <tr>
            <td colspan={columns.length} class="empty">
              {empty}
            </td>
          </tr>
        ) : (
          rows
        )}
      </tbody>
    </table>
  </div>
);
