// The in-process floor: the least work an import of this file can be on this machine.
// SQLite is Node's own (node:sqlite), so this runs with the project's Node 24 and needs no native
// addon to build at install time.
//
// Usage: node bench/floor.mjs <file.csv> <database file> [minimal|roster]   → one JSON line on stdout.
//   minimal: users with unique employee and email keys, import_lines keyed by (import, line): the floor.
//   roster:  Roster's own migrations, every index and foreign key: what its schema alone costs.
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { DatabaseSync } from "node:sqlite";

const require = createRequire(import.meta.url);
const Papa = require("papaparse");

const [file, dbPath, schema = "minimal"] = process.argv.slice(2);
if (!file || !dbPath || !["minimal", "roster"].includes(schema)) {
  console.error("Usage: node bench/floor.mjs <file.csv> <database file> [minimal|roster]");
  process.exit(2);
}

const batchRows = 1000;
const toKey = (v) => v.trim().normalize("NFC").toLowerCase();
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const fields = ["employee_number", "first_name", "last_name", "location", "email", "role"];

const db = new DatabaseSync(dbPath);
// WAL with synchronous=NORMAL: the usual settings for a fast, crash-safe SQLite application.
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = NORMAL");

const minimalSchema = `
  CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE);
  INSERT INTO roles (name, name_key) VALUES ('Standard', 'standard'), ('Manager', 'manager'), ('Admin', 'admin');
  CREATE TABLE locations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT);
  CREATE TABLE location_keys (key TEXT PRIMARY KEY, location_id INTEGER NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL);
  CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, employee_number TEXT NOT NULL, employee_key TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL, email_key TEXT NOT NULL,
    location_id INTEGER, role_id INTEGER NOT NULL, created_at INTEGER, updated_at INTEGER,
    created_import_id TEXT, last_import_id TEXT, last_imported_at INTEGER);
  CREATE UNIQUE INDEX users_employee_key_idx ON users (employee_key);
  CREATE UNIQUE INDEX users_email_key_idx ON users (email_key);
  CREATE TABLE imports (id TEXT PRIMARY KEY, uploaded_by INTEGER, file_name TEXT, file_size INTEGER, file_key TEXT, encoding TEXT,
    delimiter TEXT, columns TEXT, ignored_columns TEXT, preview TEXT, total_rows INTEGER, chunk_count INTEGER);
  CREATE TABLE import_lines (
    import_id TEXT NOT NULL, line INTEGER NOT NULL, employee_number TEXT NOT NULL DEFAULT '', employee_key TEXT, email_key TEXT,
    outcome TEXT NOT NULL, has_warning INTEGER NOT NULL DEFAULT 0, messages TEXT NOT NULL, "values" TEXT NOT NULL,
    PRIMARY KEY (import_id, line));
`;
if (schema === "roster") {
  // Roster's own schema, from its migrations, so every index and foreign key costs what it costs there.
  const migrations = new URL("../migrations/", import.meta.url);
  for (const name of readdirSync(migrations)
    .filter((n) => /^\d{4}_.*\.sql$/.test(n))
    .sort()) {
    db.exec(readFileSync(new URL(name, migrations), "utf8").replaceAll("--> statement-breakpoint", ""));
  }
} else {
  db.exec(minimalSchema);
}
const demo = [
  ["London", "LDN", ["London HQ"]],
  ["Manchester", "MAN", []],
  ["Edinburgh", "EDI", ["Edinburgh Office"]],
  ["Bristol", "BRS", []],
];
for (const [name, code, aliases] of demo) {
  const { lastInsertRowid: id } = db.prepare("INSERT INTO locations (name, code) VALUES (?, ?)").run(name, code);
  const key = db.prepare("INSERT INTO location_keys (key, location_id, kind, label) VALUES (?, ?, ?, ?)");
  key.run(toKey(name), id, "name", name);
  key.run(toKey(code), id, "code", code);
  for (const a of aliases) key.run(toKey(a), id, "alias", a);
}
const adminRole = db.prepare("SELECT id FROM roles WHERE name_key = 'admin'").get().id;
const { lastInsertRowid: adminId } = db
  .prepare(
    "INSERT INTO users (employee_number, employee_key, email, email_key, role_id) VALUES ('admin', 'admin', 'a@example.com', 'a@example.com', ?)",
  )
  .run(adminRole);
// On Roster's schema, the import as Roster records it: a UUID, and its number keys the lines.
const importId = schema === "roster" ? crypto.randomUUID() : "floor";
db.prepare(
  `INSERT INTO imports (id, uploaded_by, file_name, file_size, file_key, encoding, delimiter, columns, ignored_columns, preview, total_rows, chunk_count)
   VALUES (?, ?, 'floor.csv', 0, 'floor', 'utf-8', ',', '[]', '[]', '[]', 0, 0)`,
).run(importId, adminId);
const lineKey = schema === "roster" ? { column: "import_seq", value: 1 } : { column: "import_id", value: importId };
if (schema === "roster") db.prepare("UPDATE imports SET seq = ? WHERE id = ?").run(lineKey.value, importId);

const locations = new Map(
  db
    .prepare("SELECT key, location_id AS id FROM location_keys")
    .all()
    .map((r) => [r.key, r.id]),
);
const roles = new Map(
  db
    .prepare("SELECT name_key AS key, id FROM roles")
    .all()
    .map((r) => [r.key, r.id]),
);
const standard = roles.get("standard");

const findUser = db.prepare("SELECT id FROM users WHERE employee_key = ?");
// On Roster's schema the user also gets the searched name key, as Roster writes it.
const nameKey =
  schema === "roster"
    ? { column: ", name_key", value: ", ?", update: " name_key = excluded.name_key," }
    : { column: "", value: "", update: "" };
const upsertUser = db.prepare(
  `INSERT INTO users (employee_number, employee_key, first_name, last_name, email, email_key, location_id, role_id,
     created_at, updated_at, created_import_id, last_import_id, last_imported_at${nameKey.column})
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${nameKey.value})
   ON CONFLICT (employee_key) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,${nameKey.update}
     email = excluded.email, email_key = excluded.email_key, location_id = excluded.location_id, role_id = excluded.role_id,
     updated_at = excluded.updated_at, last_import_id = excluded.last_import_id, last_imported_at = excluded.last_imported_at`,
);
const insertLine = db.prepare(
  `INSERT INTO import_lines (${lineKey.column}, line, employee_number, employee_key, email_key, outcome, has_warning, messages, "values")
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);

const tally = { rows: 0, created: 0, updated: 0, failed: 0, warnings: 0 };

/** Checks and writes one record; the same rules Roster's bad lines exercise, nothing more. */
function applyRecord(values, line, now) {
  const v = Object.fromEntries(fields.map((f, i) => [f, (values[i] ?? "").trim()]));
  const messages = [];
  const employeeKey = v.employee_number ? toKey(v.employee_number) : null;
  if (!employeeKey)
    messages.push({ level: "error", code: "missing_employee_number", message: "The employee number is empty." });
  const emailOk = emailPattern.test(v.email);
  const emailKey = emailOk ? toKey(v.email) : null;
  if (!emailOk)
    messages.push({ level: "error", code: "invalid_email", message: `"${v.email}" is not an email address.` });
  const locationId = locations.get(toKey(v.location));
  if (locationId === undefined)
    messages.push({ level: "error", code: "unknown_location", message: `No location is named "${v.location}".` });
  let roleId = roles.get(toKey(v.role));
  if (roleId === undefined) {
    roleId = standard;
    messages.push({ level: "warning", code: "unknown_role", message: `There is no role called "${v.role}".` });
  }
  const failed = messages.some((m) => m.level === "error");
  const warned = messages.some((m) => m.level === "warning");
  let outcome = "failed";
  if (!failed) {
    outcome = findUser.get(employeeKey) ? "updated" : "created";
    const row = [
      v.employee_number,
      employeeKey,
      v.first_name,
      v.last_name,
      v.email,
      emailKey,
      locationId,
      roleId,
      now,
      now,
      importId,
      importId,
      now,
    ];
    upsertUser.run(...(nameKey.column ? [...row, toKey(`${v.first_name} ${v.last_name}`)] : row));
  }
  insertLine.run(
    lineKey.value,
    line,
    v.employee_number,
    employeeKey,
    emailKey,
    outcome,
    warned ? 1 : 0,
    JSON.stringify(messages),
    JSON.stringify(v),
  );
  tally.rows++;
  tally[outcome]++;
  if (warned) tally.warnings++;
}

/** One transaction per batch; a failure rolls the batch back and stops the run. */
function applyBatch(batch, firstLine) {
  const now = Date.now();
  db.exec("BEGIN");
  try {
    batch.forEach((values, i) => applyRecord(values, firstLine + i, now));
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

const started = performance.now();
let pending = [];
let nextLine = 2;
let seenHeader = false;
const flush = () => {
  if (pending.length === 0) return;
  applyBatch(pending, nextLine);
  nextLine += pending.length;
  pending = [];
};
await new Promise((resolve, reject) => {
  Papa.parse(createReadStream(file), {
    skipEmptyLines: true,
    chunk(results) {
      for (const row of results.data) {
        if (!seenHeader) {
          seenHeader = true;
          continue;
        }
        pending.push(row);
        if (pending.length === batchRows) flush();
      }
    },
    complete: resolve,
    error: reject,
  });
});
flush();
const ms = performance.now() - started;
const sqlite = db.prepare("SELECT sqlite_version() AS v").get().v;
db.close();

const peakRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ ms, schema, ...tally, node: process.version, sqlite, peakRssBytes })}\n`);
