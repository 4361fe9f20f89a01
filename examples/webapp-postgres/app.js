// The web service: a small notes app on Node's http. It keeps its rows in the lease's PostgreSQL, reached over the
// lease's private network by the database service's name (db:5432), through Debian's psql client.
//   GET  /health         ok (the app itself; the database has its own check)
//   POST /notes          stores the request body (text, at most 4 KiB) as a note; answers it as JSON
//   GET  /notes          every note, oldest first, as JSON
const http = require("node:http");
const { execFile } = require("node:child_process");
const { readdirSync } = require("node:fs");

const PORT = Number(process.env.PORT ?? 8080);
const MAX_NOTE_BYTES = 4096;
// Debian installs one folder per major version; the newest is used.
const version = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0];
const PSQL = `/usr/lib/postgresql/${version}/bin/psql`;
const connection = `host=${process.env.DB_HOST ?? "db"} port=5432 user=${process.env.DB_USER} dbname=postgres connect_timeout=5`;

/**
 * Runs SQL through psql, the values bound as psql variables (quoted by psql with :'name', never spliced into the
 * text), and resolves its one-line, unaligned answer.
 */
function sql(text, variables = {}) {
  const args = [connection, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"];
  for (const [name, value] of Object.entries(variables)) args.push("-v", `${name}=${value}`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      PSQL,
      args,
      { timeout: 10_000, env: { PGPASSWORD: process.env.DB_PASSWORD } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout.trim())),
    );
    child.stdin.end(text);
  });
}

// The table is made on the first request that needs it, and again after a failure (the database restarting).
let schema;
const ready = () => {
  schema ??= sql(
    "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());",
  ).catch((error) => {
    schema = undefined;
    throw error;
  });
  return schema;
};

function answer(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${typeof body === "string" ? body : JSON.stringify(body)}\n`);
}

async function handle(req, res) {
  const { pathname } = new URL(req.url, "http://app");
  if (pathname === "/health") return answer(res, 200, { ok: true });
  if (pathname !== "/notes") return answer(res, 404, { error: `no route ${pathname}: use /notes` });
  if (req.method === "GET") {
    await ready();
    return answer(res, 200, await sql("SELECT coalesce(json_agg(n ORDER BY n.id), '[]') FROM notes n;"));
  }
  if (req.method !== "POST") return answer(res, 405, { error: `${req.method} /notes: use GET or POST` });
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_NOTE_BYTES) return answer(res, 413, { error: `a note is at most ${MAX_NOTE_BYTES} bytes` });
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString("utf8");
  if (!body || body.includes("\0")) return answer(res, 400, { error: "send the note's text as the request body" });
  await ready();
  const row = await sql("INSERT INTO notes (body) VALUES (:'body') RETURNING row_to_json(notes);", { body });
  return answer(res, 201, row);
}

http
  .createServer((req, res) =>
    handle(req, res).catch((error) => {
      console.error(`${req.method} ${req.url}: ${error.message}`);
      answer(res, 503, { error: `the database did not answer: ${error.message}` });
    }),
  )
  .listen(PORT, "127.0.0.1", () => console.log(`web listening on ${PORT}, database at ${connection}`));
