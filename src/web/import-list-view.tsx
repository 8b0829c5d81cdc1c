import type { FC } from "hono/jsx";
import type { ImportView } from "../db/imports";
import { Badge, Pager, Time } from "./components";
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
    <div class="table-wrap">
      <table>
        <caption>Every import, newest first{paged ? ", continued" : ""}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">File</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Users</th>
            <th scope="col" class="num">Created</th>
            <th scope="col" class="num">Updated</th>
            <th scope="col" class="num">Unchanged</th>
            <th scope="col" class="num">Failed</th>
            <th scope="col" class="num">Warnings</th>
          </tr>
        </thead>
        <tbody>
          {imports.length === 0 ? (
            <tr>
              <td colspan={10} class="empty">
                No imports yet.
              </td>
            </tr>
          ) : (
            imports.map((imp) => (
              <tr>
                <td>
                  <Time when={imp.createdAt} />
                </td>
                <td>{imp.uploadedByName}</td>
                <th scope="row">
                  <a href={`/imports/${imp.id}`}>{imp.fileName}</a>
                </th>
                <td>
                  <Badge value={imp.status} />
                </td>
                <td class="num">{formatCount(imp.totalRows)}</td>
                <td class="num">{formatCount(imp.created)}</td>
                <td class="num">{formatCount(imp.updated)}</td>
                <td class="num">{formatCount(imp.unchanged)}</td>
                <td class="num">{formatCount(imp.failed)}</td>
                <td class="num">{formatCount(imp.warnings)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
    <Pager label="Pages of imports" first={paged ? "/imports" : null} next={next} />
  </>
);
