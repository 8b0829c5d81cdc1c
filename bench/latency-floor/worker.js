// The consumer does one kind of work (`variant`) for `ms` milliseconds, in deliveries of at most
// `delivery` ms (each then sends itself the next message, as Roster's import does) or until GET
// /stop, while the
// driver times GET /noop (no work) and GET /read (one small D1 read).
//
// Variants:
//   timers     awaits scheduler.wait(`wait`) in a loop: no CPU, no D1
//   cpu-wait0  `slice` ms of CPU, then await scheduler.wait(0)
//   cpu-null   `slice` ms of CPU, then await null (a microtask only)
//   d1-read    awaits one small D1 read after another
//   d1-write   one D1 batch after another: `rows` rows as upserts into users and inserts into
//              lines, `perStatement` rows per statement (json_each, as Roster's chunk writes)
//   chunk      as Roster's chunk: `slice` ms of CPU, a D1 read batch of the chunk's keys, then
//              the write batch of d1-write
// With `yield: ms`, every step (and in a chunk, also the gap between its two batches) ends in
// await scheduler.wait(ms), a timer: what lets the runtime's event loop look at its sockets.
const spin = (ms) => {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) x++;
  return x;
};

const state = { current: null, last: null, users: 0, stop: false };

const schema = [
  `CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, employee_key TEXT NOT NULL, email_key TEXT NOT NULL,
     first_name TEXT, last_name TEXT, role_id INTEGER, updated_at INTEGER)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS users_employee_key ON users (employee_key)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email_key)`,
  `CREATE TABLE IF NOT EXISTS lines (run INTEGER NOT NULL, line INTEGER NOT NULL, employee_key TEXT, outcome TEXT,
     messages TEXT, "values" TEXT, PRIMARY KEY (run, line)) WITHOUT ROWID`,
];

// Emails in a scattered order, as in an HR export: each insert lands on a different index page.
const emailOf = (n) => `u${(n * 2654435761) % 4294967296}@example.com`;

function rowsOf(first, count) {
  const rows = [];
  for (let n = first; n < first + count; n++) {
    rows.push([`e${n}`, emailOf(n), `First${n}`, `Last${n}`, 1, n]);
  }
  return rows;
}

function writeStatements(env, run, firstLine, rows, perStatement, now) {
  const statements = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = JSON.stringify(rows.slice(i, i + perStatement));
    const lines = JSON.stringify(
      rows
        .slice(i, i + perStatement)
        .map((r, j) => [firstLine + i + j, r[0], "updated", "[]", JSON.stringify({ employee: r[0], email: r[1] })]),
    );
    statements.push(
      env.DB.prepare(
        `INSERT INTO lines (run, line, employee_key, outcome, messages, "values")
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4 FROM json_each(?2) j`,
      ).bind(run, lines),
      env.DB.prepare(
        `INSERT INTO users (employee_key, email_key, first_name, last_name, role_id, updated_at)
         SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, ?2 FROM json_each(?1) j WHERE true
         ON CONFLICT (employee_key) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
           email_key = excluded.email_key, role_id = excluded.role_id, updated_at = excluded.updated_at`,
      ).bind(part, now),
    );
  }
  return statements;
}

async function step(p, env, run, done) {
  switch (p.variant) {
    case "timers":
      await scheduler.wait(p.wait ?? 50);
      return 0;
    case "cpu-wait0":
      spin(p.slice ?? 10);
      await scheduler.wait(0);
      return 0;
    case "cpu-null":
      spin(p.slice ?? 10);
      await null;
      return 0;
    case "d1-read":
      await env.DB.prepare("SELECT id, email_key FROM users WHERE employee_key = ?")
        .bind(`e${done % state.users}`)
        .first();
      return 1;
    case "d1-write":
    case "chunk": {
      const rows = rowsOf((done * p.rows) % Math.max(state.users, p.rows), p.rows);
      if (p.variant === "chunk") {
        spin(p.slice ?? 0);
        const keys = JSON.stringify(rows.map((r) => r[0]));
        const emails = JSON.stringify(rows.map((r) => r[1]));
        await env.DB.batch([
          env.DB.prepare(
            "SELECT id, employee_key, email_key FROM users WHERE employee_key IN (SELECT value FROM json_each(?))",
          ).bind(keys),
          env.DB.prepare(
            "SELECT id, employee_key, email_key FROM users WHERE email_key IN (SELECT value FROM json_each(?))",
          ).bind(emails),
        ]);
        if (p.yield !== undefined) await scheduler.wait(p.yield);
      }
      await env.DB.batch(writeStatements(env, run, done * p.rows, rows, p.perStatement ?? p.rows, Date.now()));
      return 1;
    }
    default:
      throw new Error(`Unknown variant ${p.variant}.`);
  }
}

async function deliver(p, env) {
  const started = Date.now();
  const run = state.current ?? { variant: p.variant, started, deliveries: 0, steps: 0, stepsMs: 0, longestStepMs: 0 };
  state.current = run;
  run.deliveries++;
  const deliveryEnd = Math.min(p.until, started + (p.delivery ?? p.ms));
  while (Date.now() < deliveryEnd && !state.stop) {
    const t0 = Date.now();
    await step(p, env, p.run, run.steps);
    if (p.yield !== undefined) await scheduler.wait(p.yield);
    const took = Date.now() - t0;
    run.steps++;
    run.stepsMs += took;
    run.longestStepMs = Math.max(run.longestStepMs, took);
  }
  if (Date.now() < p.until && !state.stop) {
    await env.WORK.send(p);
    return;
  }
  run.ended = Date.now();
  state.last = run;
  state.current = null;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/noop":
        return new Response("ok");
      case "/read": {
        const n = Math.floor(Math.random() * Math.max(1, state.users));
        const row = await env.DB.prepare("SELECT id, email_key FROM users WHERE employee_key = ?")
          .bind(`e${n}`)
          .first();
        return Response.json(row);
      }
      case "/setup": {
        // Tables, then `users` rows in batches of 8,000 (created by the upsert).
        const users = Number(url.searchParams.get("users"));
        await env.DB.batch(schema.map((s) => env.DB.prepare(s)));
        for (let first = 0; first < users; first += 8000) {
          await env.DB.batch(writeStatements(env, 0, first, rowsOf(first, Math.min(8000, users - first)), 8000, 0));
        }
        state.users = users;
        return Response.json({ users });
      }
      case "/start": {
        const p = JSON.parse(url.searchParams.get("work"));
        p.until = Date.now() + p.ms;
        p.run = Date.now();
        state.last = null;
        state.stop = false;
        await env.WORK.send(p);
        return new Response("sent", { status: 202 });
      }
      case "/stop":
        // Ends the consumer's run at its next step, once the driver has measured enough.
        state.stop = true;
        return new Response("stopping");
      case "/status":
        return Response.json({ current: state.current, last: state.last });
      default:
        return new Response("ok");
    }
  },

  async queue(batch, env) {
    for (const message of batch.messages) {
      await deliver(message.body, env);
      message.ack();
    }
  },
};
