#!/usr/bin/env node
// Imports a CSV of users into Roster through its API: upload, start, progress, summary, and the
// failed lines written next to the file. Plain Node 20+, nothing to install.
import { createReadStream } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const usage = `Usage: roster-import FILE.csv --url https://roster.example.com --token TOKEN [--sync [--confirm-deactivations N]] [--dry-run] [--quiet]

  --url      Roster's address (or ROSTER_URL)
  --token    an API token from the API tokens page (or ROSTER_TOKEN)
  --sync     import the whole organisation: afterwards, every active user an import created
             whom the file does not name is deactivated. A sync that would deactivate more
             than Roster's guardrail allows (a tenth of the active users, as configured) is
             refused with the number, and imports nothing
  --confirm-deactivations N
             with --sync: go ahead with that refused sync; N is the number it gave
  --dry-run  check every line and change nothing: the summary says what importing would do
             (with --sync, whom it would deactivate), and the report has the button that then
             imports the same file
  --quiet    no progress, only the summary

Progress is a bar on an interactive terminal; otherwise (a log, a CI job, a pipe) it is a line
now and then: when the import's status changes, at every 10% and at least every 30 seconds
while it moves.

Exit codes:
  0  every line imported, or with --dry-run would import (some may have warnings)
  1  some lines failed, or would fail; they are written next to the file as FILE.failed.csv
  2  the command was not used correctly (arguments, file)
  3  Roster refused the file (nothing was imported), or the token
  4  the import failed or was cancelled, or Roster could not be reached`;

const exit = { ok: 0, linesFailed: 1, usage: 2, refused: 3, failed: 4 };

class Stop extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function readOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        quiet: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        sync: { type: "boolean", default: false },
        "confirm-deactivations": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new Stop(exit.usage, `${err.message}\n\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new Stop(exit.ok, usage);
  const url = values.url ?? process.env.ROSTER_URL;
  const token = values.token ?? process.env.ROSTER_TOKEN;
  if (positionals.length !== 1) throw new Stop(exit.usage, `Name one CSV file to import.\n\n${usage}`);
  if (!url) throw new Stop(exit.usage, `Give Roster's address with --url (or ROSTER_URL).\n\n${usage}`);
  if (!token) throw new Stop(exit.usage, `Give an API token with --token (or ROSTER_TOKEN).\n\n${usage}`);
  const confirm = values["confirm-deactivations"];
  if (confirm !== undefined && !values.sync)
    throw new Stop(exit.usage, `--confirm-deactivations goes with --sync.\n\n${usage}`);
  if (confirm !== undefined && !/^\d{1,15}$/.test(confirm))
    throw new Stop(exit.usage, `--confirm-deactivations takes the number the refused sync gave, such as 1204.`);
  let base;
  try {
    base = new URL(url);
  } catch {
    throw new Stop(exit.usage, `--url ${url} is not an address; give one such as https://roster.example.com.`);
  }
  return {
    file: positionals[0],
    base: base.origin,
    token,
    quiet: values.quiet,
    dryRun: values["dry-run"],
    sync: values.sync,
    confirmDeactivations: confirm === undefined ? undefined : Number(confirm),
    bar: Boolean(process.stderr.isTTY),
  };
}

/** One API call; a 429 waits as long as Roster says and tries again. */
async function callApi(options, path, init = {}) {
  for (;;) {
    let res;
    try {
      res = await fetch(`${options.base}${path}`, {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${options.token}` },
      });
    } catch (err) {
      throw new Stop(exit.failed, `Could not reach Roster at ${options.base}: ${err.cause?.message ?? err.message}`);
    }
    if (res.status === 429 && !init.body) {
      await sleep(Number(res.headers.get("Retry-After") ?? "5") * 1000);
      continue;
    }
    return res;
  }
}

/** The API's error sentence, or the status when the answer is not the API's error shape. */
async function errorOf(res) {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text);
    if (error?.message) return `${error.message} (${error.code})`;
  } catch {
    // Not JSON: a proxy's page, say.
  }
  return `Roster answered ${res.status} ${res.statusText}.`;
}

async function upload(options) {
  let size;
  try {
    const info = await stat(options.file);
    if (!info.isFile()) throw new Error("not a file");
    size = info.size;
  } catch {
    throw new Stop(exit.usage, `There is no file at ${options.file}.`);
  }
  // A sync is started once its forecast is checked (startSync); a dry run of one needs no confirming.
  const startsNow = !options.sync || options.dryRun;
  const query = new URLSearchParams({ filename: basename(options.file), start: String(startsNow) });
  if (options.dryRun) query.set("dry_run", "true");
  if (options.sync && options.dryRun) query.set("sync", "true");
  const res = await callApi(options, `/api/imports?${query}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv", "Content-Length": String(size) },
    body: Readable.toWeb(createReadStream(options.file)),
    duplex: "half",
  });
  if (res.status === 401 || res.status === 403)
    throw new Stop(exit.refused, `The token was refused: ${await errorOf(res)}`);
  if (res.status !== 201 && res.status !== 200)
    throw new Stop(exit.refused, `Roster refused the file, and imported nothing: ${await errorOf(res)}`);
  return res.json();
}

const number = (n) => n.toLocaleString("en-GB");

/**
 * Starts an uploaded file as a sync, unless it would deactivate more users than the guardrail
 * allows and --confirm-deactivations is not that number: then nothing is imported, and the
 * message says the number and how to see who they are.
 */
async function startSync(options, id) {
  const res = await callApi(options, `/api/imports/${id}/sync-forecast`);
  if (!res.ok)
    throw new Stop(exit.refused, `Roster could not check the sync, and imported nothing: ${await errorOf(res)}`);
  const forecast = await res.json();
  const confirmed = options.confirmDeactivations;
  if (forecast.needs_confirmation && confirmed !== forecast.deactivations) {
    const asked =
      confirmed === undefined
        ? ""
        : ` You confirmed ${number(confirmed)}: the users changed since, or the number was mistyped.`;
    throw new Stop(
      exit.refused,
      `This sync would deactivate ${number(forecast.deactivations)} of the ${number(forecast.active_users)} active users, more than the ${number(forecast.confirm_above)} it may without confirming, so nothing was imported.${asked} ` +
        `See who they are with --dry-run, or on ${options.base}/imports/${id}?sync=true, then run again with --confirm-deactivations ${forecast.deactivations}.`,
    );
  }
  const query = new URLSearchParams({ sync: "true" });
  if (confirmed !== undefined) query.set("confirm_deactivations", String(confirmed));
  const started = await callApi(options, `/api/imports/${id}/start?${query}`, { method: "POST" });
  if (!started.ok)
    throw new Stop(exit.refused, `Roster did not start the sync, and imported nothing: ${await errorOf(started)}`);
}

const shareOf = (imp) => (imp.total_rows ? Math.min(1, imp.processed_rows / imp.total_rows) : 0);

function drawProgress(imp) {
  const width = 30;
  const share = shareOf(imp);
  const filled = Math.round(share * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  process.stderr.write(
    `\r${bar} ${String(Math.floor(share * 100)).padStart(3)}%  ${number(imp.processed_rows)} of ${number(imp.total_rows)} users  ${imp.status}   `,
  );
}

/**
 * Progress for output that is not a terminal (a CI job's log, a file, a pipe), where a redrawn
 * bar would be one long line of carriage returns: a line when the status changes, at every tenth
 * of the way, and at least every 30 seconds while rows are imported, so a long import shows it
 * is alive without a line a second. On stdout with the summary: stderr is kept for what went wrong.
 */
function progressLines() {
  let last = null;
  return (imp) => {
    const share = shareOf(imp);
    const now = Date.now();
    if (
      last !== null &&
      last.status === imp.status &&
      Math.floor(share * 10) === Math.floor(last.share * 10) &&
      (now - last.at < 30_000 || imp.processed_rows === last.rows)
    )
      return;
    last = { status: imp.status, share, rows: imp.processed_rows, at: now };
    console.log(
      `Progress: ${Math.floor(share * 100)}% (${number(imp.processed_rows)} of ${number(imp.total_rows)} users), ${imp.status}`,
    );
  };
}

async function waitForImport(options, id) {
  const show = options.quiet ? () => undefined : options.bar ? drawProgress : progressLines();
  for (;;) {
    const res = await callApi(options, `/api/imports/${id}`);
    if (!res.ok) throw new Stop(exit.failed, `Could not follow the import: ${await errorOf(res)}`);
    const imp = await res.json();
    show(imp);
    if (imp.status === "completed" || imp.status === "failed" || imp.status === "cancelled") {
      if (!options.quiet && options.bar) process.stderr.write("\n");
      return imp;
    }
    await sleep(1000);
  }
}

/** FILE.csv → FILE.failed.csv, in the same folder. */
function failedPath(file) {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.failed${ext || ".csv"}`);
}

async function main(argv) {
  const options = readOptions(argv);
  const uploaded = await upload(options);
  if (options.sync && !options.dryRun) await startSync(options, uploaded.id);
  const doing = options.dryRun
    ? `Checking every line (dry run${options.sync ? " of a sync" : ""})…`
    : options.sync
      ? "Importing as a sync…"
      : "Importing…";
  console.log(`Uploaded ${basename(options.file)}: Roster found ${number(uploaded.total_rows)} users. ${doing}`);
  const imp = await waitForImport(options, uploaded.id);
  const what = options.dryRun ? "dry run" : "import";
  if (imp.status === "failed") throw new Stop(exit.failed, `The ${what} failed: ${imp.error ?? "no reason was given"}`);
  if (imp.status === "cancelled") {
    throw new Stop(
      exit.failed,
      `The ${what} was cancelled after ${number(imp.processed_rows)} of ${number(imp.total_rows)} users. ` +
        `The report says what it did, and has the lines it did not reach: ${options.base}/imports/${imp.id}`,
    );
  }
  const c = imp.counts;
  if (options.dryRun)
    console.log(
      `Dry run, nothing was changed. Importing this file would import ${number(c.created + c.updated + c.unchanged)} out of ${number(imp.total_rows)} users: ${number(c.created)} created, ${number(c.updated)} updated, ${number(c.unchanged)} unchanged, ${number(c.failed)} failed, ${number(c.warnings)} with warnings.`,
    );
  else
    console.log(
      `${number(c.created + c.updated + c.unchanged)} out of ${number(imp.total_rows)} users imported: ${number(c.created)} created, ${number(c.updated)} updated, ${number(c.unchanged)} unchanged, ${number(c.failed)} failed, ${number(c.warnings)} with warnings.`,
    );
  if (options.sync)
    console.log(
      options.dryRun
        ? `As a sync, it would also deactivate ${number(imp.deactivated)} users the file does not name; the report lists them.`
        : `${number(imp.deactivated)} users deactivated because the file does not name them; the report lists them.`,
    );
  console.log(`Report: ${options.base}/imports/${imp.id}`);
  if (options.dryRun)
    console.log(
      `To import the same file, click Import this file on the report, or POST ${options.base}/api/imports/${imp.id}/apply.`,
    );
  if (c.failed === 0) return exit.ok;
  const res = await callApi(options, `/api/imports/${imp.id}/failed.csv`);
  if (!res.ok) throw new Stop(exit.failed, `Could not download the failed lines: ${await errorOf(res)}`);
  const path = failedPath(options.file);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  console.log(
    options.dryRun
      ? `The ${number(c.failed)} lines that would fail are in ${path}: fix them in ${basename(options.file)} and check it again.`
      : `The ${number(c.failed)} failed lines are in ${path}: fix them there and import that file.`,
  );
  return exit.linesFailed;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (!(err instanceof Stop)) throw err;
    (err.code === exit.ok ? console.log : console.error)(err.message);
    process.exitCode = err.code;
  },
);
