import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { Badge, DataTable, Pager, Time } from "./components";
import { DryRunBadge } from "./dry-run-view";
import { formatCount } from "./format";

export type ImportListProps = {
  imports: ImportView[];
  next: string | null;
  paged: boolean;
  canImport: boolean;
};

/** Every import, newest first. */
export const ImportListPage: FC<ImportListProps> = ({ imports, next, paged, canImport }) => (
  <>
    <div class="page-head">
      <h1>Imports</h1>
      {canImport ? (
        <a class="button" href="/imports/new">
          Import Users
        </a>
      ) : null}
    </div>
    <DataTable
      caption={<>Every import, newest first{paged ? ", continued" : ""}</>}
      columns={[
        "When",
        "Who",
        "File",
        "Status",
        ...["Users", "Created", "Updated", "Unchanged", "Failed", "Warnings"].map((label) => ({
          label,
          numeric: true,
        })),
      ]}
      empty="No imports yet."
      stacked
      rows={imports.map((imp) => (
        <tr>
          <td>
            <Time when={imp.createdAt} />
          </td>
          <td data-label="by">{imp.uploadedByName}</td>
          <th scope="row">
            <a href={`/imports/${imp.id}`}>{imp.fileName}</a>
          </th>
          <td>
            <Badge value={imp.status} /> {imp.dryRun ? <DryRunBadge /> : null}
          </td>
          <td class="num" data-label="Users">
            {formatCount(imp.totalRows)}
          </td>
          <td class="num" data-label="Created">
            {formatCount(imp.created)}
          </td>
          <td class="num" data-label="Updated">
            {formatCount(imp.updated)}
          </td>
          <td class="num" data-label="Unchanged">
            {formatCount(imp.unchanged)}
          </td>
          <td class="num" data-label="Failed">
            {formatCount(imp.failed)}
          </td>
          <td class="num" data-label="Warnings">
            {formatCount(imp.warnings)}
          </td>
        </tr>
      ))}
    />
    <Pager label="Pages of imports" first={paged ? "/imports" : null} next={next} />
  </>
);
