import { Hono, type Context } from "hono";
import { isRunning, undoableStatuses, type ImportStatus } from "../db/schema";
import { listUndoNotes } from "../db/import-undo";
import { undoImport } from "../imports/undo-import";
import { UndoConfirmPage } from "./import-undo-view";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { requireManageUsers, requireViewUsers } from "../auth/bearer";
import { verifyCsrf, verifyUploadCsrf } from "../auth/csrf";
import { canManageUsers } from "../auth/permissions";
import { requireSession } from "../auth/sessions";
import { findEarlierImport, findImport, listImports, type ImportView } from "../db/imports";
import { listImportLines } from "../imports/read-lines";
import type { Db } from "../db/client";
import { findExistingEmployeeNumbers } from "../db/users";
import { AppError } from "../errors";
import { activationLinksCsv } from "../http/activation-links-csv";
import { attachment, csvAttachment, xlsxType } from "../http/csv-attachment";
import { templateDownload } from "../http/template-download";
import { failedLinesCsv, notReachedCsv, notReachedRefusal, reportCsv } from "../imports/report-csv";
import { applyDryRun, isApplicable } from "../imports/apply-dry-run";
import { cancelRunningImport, discardReadyImport, startImport } from "../imports/start-import";
import { templateXlsx } from "../imports/template-xlsx";
import { createImport, readAnotherSheet } from "../imports/upload-file";
import { forecastSync, guardrailOf, type SyncForecast } from "../imports/sync-guardrail";
import { listSyncDeactivations } from "../db/sync-deactivations";
import { queryString } from "./format";
import { ImportListPage } from "./import-list-view";
import { PreviewPage } from "./import-preview-view";
import { ReportPage, type LineFilterName } from "./import-report-view";
import { UploadPage } from "./import-upload-view";
import { layout } from "./layout";
import type { WebEnv } from "./web-env";
import { positiveInt } from "./query";

export const importsApp = new Hono<WebEnv>();

// Every form here is checked by verifyCsrf except the upload, whose check streams the form
// instead of reading a whole file into memory.
importsApp.use(requireSession, layout);

const linesPerPage = 50;
const importsPerPage = 25;

const stem = (fileName: string) => fileName.replace(/\.[^.]*$/, "") || "users";

/** What a sync of the import would deactivate, for a viewer who may start it; null when it cannot be synced. */
async function previewForecast(env: Env, db: Db, imp: ImportView, viewer: { id: number }) {
  try {
    return await forecastSync(env, db, imp, viewer.id);
  } catch (err) {
    if (err instanceof AppError && err.code === "sync_unavailable") return null;
    throw err;
  }
}

const deactivatedPerPage = 50;

async function requireImport(db: Db, id: string): Promise<ImportView> {
  const imp = await findImport(db, id);
  if (!imp)
    throw new HTTPException(404, {
      message: "There is no such import. It may have been cancelled; see Imports for the others.",
    });
  return imp;
}

importsApp.get("/", requireViewUsers, async (c) => {
  const after = c.req.query("after");
  const page = await listImports(c.var.db, { limit: importsPerPage, cursor: after });
  return c.render(
    <ImportListPage
      imports={page.imports}
      next={page.nextCursor ? `/imports${queryString({ after: page.nextCursor })}` : null}
      paged={!!after}
      canImport={canManageUsers(c.var.viewer)}
    />,
    { title: "Imports" },
  );
});

// A refused upload redirects to the upload page (post, redirect, get), so a refresh shows the
// page again instead of sending the file again; the reason travels in a cookie read once, as a
// reason in the address could be put there by anyone's link.
const refusalCookie = "roster_upload_refused";
const refusalCookieOptions = { httpOnly: true, secure: true, sameSite: "Strict", path: "/imports/new" } as const;

importsApp.get("/new", requireManageUsers, (c) => {
  const error = getCookie(c, refusalCookie);
  if (error !== undefined) deleteCookie(c, refusalCookie, refusalCookieOptions);
  return c.render(
    <UploadPage
      csrfToken={c.var.csrfToken}
      maxBytes={Number(c.env.MAX_UPLOAD_BYTES)}
      cancelled={c.req.query("cancelled") === "1"}
      error={error || undefined}
    />,
    { title: "Import Users" },
  );
});

importsApp.get("/template.csv", requireViewUsers, () => templateDownload());
importsApp.get("/template.xlsx", requireViewUsers, (c) =>
  c.body(templateXlsx(), 200, attachment("users-template.xlsx", xlsxType)),
);

importsApp.post("/", requireManageUsers, verifyUploadCsrf, async (c) => {
  const file = c.var.upload?.file;
  const refuse = (error: string) => {
    setCookie(c, refusalCookie, error.slice(0, 1000), { ...refusalCookieOptions, maxAge: 300 });
    return c.redirect("/imports/new", 303);
  };
  if (!file?.name) return refuse("No file was chosen. Choose your CSV file, then click Upload.");
  try {
    // The file streams from the form into storage, so a large one never sits in memory.
    const imp = await createImport(c.env, c.var.db, {
      uploadedBy: c.var.viewer.id,
      fileName: file.name,
      body: file.body,
      size: null,
    });
    return c.redirect(`/imports/${imp.id}`, 303);
  } catch (err) {
    if (err instanceof AppError && err.status >= 400 && err.status < 500) return refuse(err.message);
    throw err;
  }
});

importsApp.get("/:id", requireViewUsers, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  if (imp.status === "ready") {
    const earlier = imp.contentHash === null ? null : await findEarlierImport(c.var.db, imp.contentHash, imp.id);
    const canStart = canManageUsers(c.var.viewer);
    // Counting what a sync would do reads every imported user, so it is done when the admin asks
    // for a sync, not at every look at the preview.
    const wantsSync = canStart && c.req.query("sync") === "true";
    const syncForecast: SyncForecast | null | undefined = wantsSync
      ? await previewForecast(c.env, c.var.db, imp, c.var.viewer)
      : undefined;
    return c.render(
      <PreviewPage
        imp={imp}
        earlier={earlier}
        csrfToken={c.var.csrfToken}
        canStart={canStart}
        syncForecast={syncForecast}
        syncChosen={wantsSync}
      />,
      {
        title: `Check ${imp.fileName}`,
      },
    );
  }
  return renderReport(c, imp);
});

/** A number typed to confirm a sync's deactivations, read as the admin may write it ("1,204"). */
function typedNumber(value: unknown): number | undefined {
  const typed = typeof value === "string" ? value.replace(/[\s,.]/g, "") : "";
  return /^\d{1,15}$/.test(typed) ? Number(typed) : undefined;
}

/**
 * Whom a sync made from this dry run would deactivate now, for a viewer who may import it: its
 * report says whether that needs confirming. Null when it is no dry run of a sync still to apply.
 */
async function applyForecast(
  env: Env,
  db: Db,
  imp: ImportView,
  viewer: Parameters<typeof canManageUsers>[0] & { id: number },
  firstPage: boolean,
) {
  if (!imp.sync || !isApplicable(imp) || !canManageUsers(viewer)) return null;
  // A forecast reads every imported user (seconds at a million): the report's first page says
  // what a sync would do now, and the pages after it go by what the dry run found.
  return firstPage ? previewForecast(env, db, imp, viewer) : guardrailOf(env, db, imp.deactivated);
}

/** The report of a started import; `applyError` says why its dry run's file was not imported. */
async function renderReport(c: Context<WebEnv>, imp: ImportView, applyError?: string) {
  const showParam = c.req.query("show");
  const show: LineFilterName = showParam === "errors" || showParam === "warnings" ? showParam : "all";
  const after = positiveInt(c.req.query("after"));
  const page = await listImportLines(c.env.FILES, c.var.db, imp, {
    level: show === "errors" ? "error" : show === "warnings" ? "warning" : undefined,
    limit: linesPerPage,
    cursor: after,
  });
  const running = isRunning(imp.status);
  const keptAfter = positiveInt(c.req.query("kept_after"));
  const notes =
    imp.status === "undone" ? await listUndoNotes(c.var.db, imp.seq, { limit: linesPerPage, cursor: keptAfter }) : null;
  const deactivatedAfter = positiveInt(c.req.query("deactivated_after"));
  const deactivated = imp.sync
    ? await listSyncDeactivations(c.var.db, imp.seq, { afterId: deactivatedAfter ?? 0, limit: deactivatedPerPage + 1 })
    : null;
  const known = await findExistingEmployeeNumbers(
    c.var.db,
    page.lines.map((line) => line.employeeNumber),
  );
  return c.render(
    <ReportPage
      imp={imp}
      lines={page.lines}
      users={known}
      show={show}
      nextCursor={page.nextCursor}
      paged={after !== undefined}
      cancelToken={running && canManageUsers(c.var.viewer) ? c.var.csrfToken : null}
      applyToken={imp.dryRun && canManageUsers(c.var.viewer) ? c.var.csrfToken : null}
      applySync={await applyForecast(
        c.env,
        c.var.db,
        imp,
        c.var.viewer,
        after === undefined && show === "all" && deactivatedAfter === undefined && keptAfter === undefined,
      )}
      applyError={applyError}
      canUndo={canUndo(imp) && canManageUsers(c.var.viewer)}
      undoReport={notes && { notes: notes.notes, nextCursor: notes.nextCursor, paged: keptAfter !== undefined }}
      linksToken={!imp.dryRun && canManageUsers(c.var.viewer) ? c.var.csrfToken : null}
      deactivated={
        deactivated === null
          ? null
          : {
              users: deactivated.slice(0, deactivatedPerPage),
              next: deactivated.length > deactivatedPerPage ? (deactivated[deactivatedPerPage - 1]?.id ?? null) : null,
              paged: deactivatedAfter !== undefined,
            }
      }
    />,
    {
      title: `${imp.dryRun ? "Dry run report" : "Import report"}: ${imp.fileName}`,
      refresh: running || imp.status === "undoing",
    },
  );
}

/** Whether an import can be undone from its report: a real one, completed or cancelled, with its lines still kept. */
const canUndo = (imp: ImportView) =>
  !imp.dryRun && (undoableStatuses as readonly ImportStatus[]).includes(imp.status) && imp.purgedAt === null;

importsApp.get("/:id/undo", requireManageUsers, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  // Not undoable (any more): the report says where the import stands.
  if (!canUndo(imp)) return c.redirect(`/imports/${imp.id}`, 303);
  return c.render(<UndoConfirmPage imp={imp} csrfToken={c.var.csrfToken} />, { title: `Undo ${imp.fileName}?` });
});

importsApp.post("/:id/undo", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  try {
    await undoImport(c.env, c.var.db, id, c.var.viewer.id);
  } catch (err) {
    // Not undoable (any more): its report says where it stands and why.
    if (!(err instanceof AppError) || err.status !== 409) throw err;
  }
  return c.redirect(`/imports/${id}`, 303);
});

importsApp.post("/:id/sheet", requireManageUsers, verifyCsrf, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  const body = await c.req.parseBody();
  const sheet = typeof body.sheet === "string" ? body.sheet : "";
  if (imp.status !== "ready") return c.redirect(`/imports/${imp.id}`, 303);
  try {
    await readAnotherSheet(c.env, c.var.db, imp, sheet);
    return c.redirect(`/imports/${imp.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    c.status(err.status);
    const earlier = imp.contentHash === null ? null : await findEarlierImport(c.var.db, imp.contentHash, imp.id);
    return c.render(
      <PreviewPage
        imp={imp}
        earlier={earlier}
        csrfToken={c.var.csrfToken}
        canStart={canManageUsers(c.var.viewer)}
        error={err.message}
      />,
      {
        title: `Check ${imp.fileName}`,
      },
    );
  }
});

importsApp.post("/:id/start", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  const body = await c.req.parseBody();
  const sync = body.sync === "true";
  const confirmDeactivations = typedNumber(body.confirm_deactivations);
  try {
    await startImport(c.env, c.var.db, id, c.var.viewer.id, { sync, confirmDeactivations });
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 409) throw err;
    // The guardrail: the preview again, saying the number to confirm, as a refused form is answered.
    const imp = await requireImport(c.var.db, id);
    const earlier = imp.contentHash === null ? null : await findEarlierImport(c.var.db, imp.contentHash, imp.id);
    c.status(422);
    return c.render(
      <PreviewPage
        imp={imp}
        earlier={earlier}
        csrfToken={c.var.csrfToken}
        canStart
        error={err.message}
        syncForecast={await previewForecast(c.env, c.var.db, imp, c.var.viewer)}
        syncChosen={sync}
      />,
      { title: `Check ${imp.fileName}` },
    );
  }
  return c.redirect(`/imports/${id}`, 303);
});

// From the preview: the same import, started as a dry run (of a sync, when the sync box is ticked).
importsApp.post("/:id/check", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  const body = await c.req.parseBody();
  await startImport(c.env, c.var.db, id, c.var.viewer.id, { dryRun: true, sync: body.sync === "true" });
  return c.redirect(`/imports/${id}`, 303);
});

importsApp.post("/:id/apply", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  const body = await c.req.parseBody();
  try {
    const imp = await applyDryRun(c.env, c.var.db, id, c.var.viewer.id, {
      confirmDeactivations: typedNumber(body.confirm_deactivations),
    });
    return c.redirect(`/imports/${imp.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 409) throw err;
    // The guardrail: the report again, saying the number to confirm, as a refused form is answered.
    if (err.code === "too_many_deactivations") {
      c.status(422);
      return renderReport(c, await requireImport(c.var.db, id), err.message);
    }
    // Imported already (another tab, another admin), or not to be: the dry run's report says which.
    return c.redirect(`/imports/${id}`, 303);
  }
});

importsApp.post("/:id/cancel", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  if (await discardReadyImport(c.env, c.var.db, id)) return c.redirect("/imports/new?cancelled=1", 303);
  // Already started (another tab, another admin): its report is where it stands.
  await requireImport(c.var.db, id);
  return c.redirect(`/imports/${id}`, 303);
});

// Not /cancel, which discards a ready import from its preview: a preview left open in another tab
// must not stop the import someone started meanwhile.
importsApp.post("/:id/stop", requireManageUsers, verifyCsrf, async (c) => {
  const id = c.req.param("id");
  try {
    await cancelRunningImport(c.var.db, id);
  } catch (err) {
    // Finished or not started meanwhile: its page says where it stands.
    if (!(err instanceof AppError) || err.status !== 409) throw err;
  }
  return c.redirect(`/imports/${id}`, 303);
});

importsApp.get("/:id/not-reached.csv", requireViewUsers, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  // Nothing to give (not stopped, or the file is gone): the report says where the import stands.
  if (await notReachedRefusal(c.env.FILES, imp)) return c.redirect(`/imports/${imp.id}`, 303);
  return c.body(notReachedCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`${stem(imp.fileName)}-not-reached.csv`));
});

// A POST: each download makes new links. The import must have ended, so the file holds every user it created.
importsApp.post("/:id/activation-links.csv", requireManageUsers, verifyCsrf, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  if (imp.status === "ready" || isRunning(imp.status)) return c.redirect(`/imports/${imp.id}`, 303);
  const body = activationLinksCsv(c.var.db, c.env, new URL(c.req.url).origin, c.var.viewer, imp);
  return c.body(body, 200, csvAttachment(`${stem(imp.fileName)}-activation-links.csv`));
});

importsApp.get("/:id/report.csv", requireViewUsers, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  return c.body(reportCsv(c.env.FILES, c.var.db, imp), 200, csvAttachment(`${stem(imp.fileName)}-report.csv`));
});

importsApp.get("/:id/failed.csv", requireViewUsers, async (c) => {
  const imp = await requireImport(c.var.db, c.req.param("id"));
  return c.body(
    failedLinesCsv(c.env.FILES, c.var.db, imp),
    200,
    csvAttachment(`${stem(imp.fileName)}-failed-lines.csv`),
  );
});
