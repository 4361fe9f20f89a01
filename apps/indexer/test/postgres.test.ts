// The indexer on a real PostgreSQL server (Debian's package), started by this test in a temporary directory as the
// `postgres` user on a free loopback port, and stopped afterwards even when set-up fails. Skipped, saying why, only
// when no PostgreSQL binaries are installed (scripts/install-prerequisites.mjs installs them where it can).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, type Localnet, registerStakedProvider, startLocalnet } from "@ocx/node-kit";
import { createIndexerClient, postOfferSync, toLabel } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningIndexer, startIndexer } from "../launch.js";

const PG_BIN = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"].find((d) =>
  existsSync(path.join(d, "postgres")),
);
const skipWhy = PG_BIN
  ? undefined
  : "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)";
if (skipWhy) console.warn(`postgres.test.ts skipped: ${skipWhy}`);

let dir = "";
let server: ChildProcess | undefined;
let net: Localnet | undefined;
let indexer: RunningIndexer | undefined;
let databaseUrl = "";

function asPostgres(command: string, args: string[]): string {
  // The server refuses to run as root: the Debian package's `postgres` user runs it.
  const runAs = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const [file, ...rest] = [...runAs, command, ...args];
  return execFileSync(file as string, rest, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

beforeAll(async () => {
  if (skipWhy) return;
  dir = mkdtempSync(path.join(os.tmpdir(), "ocx-indexer-pg-"));
  chmodSync(dir, 0o777);
  const data = path.join(dir, "data");
  asPostgres(path.join(PG_BIN as string, "initdb"), ["-D", data, "-U", "ocx", "--auth=trust", "-E", "UTF8"]);
  const port = await freePort();
  server = spawn(
    "runuser",
    [
      "-u",
      "postgres",
      "--",
      path.join(PG_BIN as string, "postgres"),
      "-D",
      data,
      "-p",
      String(port),
      "-h",
      "127.0.0.1",
      "-k",
      dir,
    ],
    { stdio: "ignore" },
  );
  databaseUrl = `postgresql://ocx@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      asPostgres(path.join(PG_BIN as string, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)]);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("PostgreSQL did not accept connections within 30 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  net = await startLocalnet();
  const provider = net.wallet(1);
  const { deployment } = net;
  await registerStakedProvider(net, provider, {
    endpoint: "https://gpu.example.com",
    region: "us-east",
    committedGpus: 1n,
  });
  await postOfferSync(provider, {
    deployment,
    resources: {
      gpuModel: toLabel("l4"),
      region: toLabel("us-east"),
      gpuCount: 1,
      gpuVramMiB: 24576,
      cpuMillicores: 4000,
      memoryMiB: 16384,
      diskMiB: 100000,
    },
    pricePerSecond: 10n ** 14n,
    maxLeases: 1,
    minDuration: 60,
    maxDuration: 3600,
  });
  const deploymentFile = path.join(dir, "31337.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment));
  indexer = await startIndexer({
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile,
    port: await freePort(),
    databaseUrl,
    schema: "ocx_test",
    timeoutMs: 240_000,
  });
}, 300_000);

afterAll(async () => {
  await indexer?.stop();
  await net?.stop();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once("exit", r));
    try {
      asPostgres(path.join(PG_BIN as string, "pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "stop"]);
    } catch {
      server.kill("SIGKILL");
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skipWhy !== undefined)("the indexer on PostgreSQL", () => {
  it("backfills into the server and answers from it", async () => {
    const client = createIndexerClient((indexer as RunningIndexer).url);
    // /ready answers once the backfill is done; the last unfinalized blocks follow within a poll or two.
    let book = await client.offers({ gpuModel: "l4" });
    for (let i = 0; i < 150 && book.total === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      book = await client.offers({ gpuModel: "l4" });
    }
    expect(book.total).toBe(1);
    expect(book.offers[0]).toMatchObject({
      gpuModel: "l4",
      region: "us-east",
      pricePerSecond: (10n ** 14n).toString(),
    });
    // The rows are in the server, in the schema the indexer was given.
    const rows = asPostgres("psql", [databaseUrl, "-tAc", "select count(*) from ocx_test.offer"]);
    expect(rows.trim()).toBe("1");
    expect((indexer as RunningIndexer).log()).toMatch(/database type=postgres|postgres/);
  }, 60_000);
});
