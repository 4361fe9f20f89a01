// The services "done when", on `ocx devnet` itself: `ocx deploy` runs examples/webapp-postgres — a Node web app
// and Debian's real PostgreSQL server, on the lease's private network, the database's files on a persistent
// volume — through the devnet's provider (bubblewrap sandbox, network namespace, ingress). The test writes rows
// through the public URL, restarts the provider the devnet started (and kills every process of the lease while
// it is down, as a machine restart would), and reads the rows back from the database the provider started again.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ANVIL_KEYS, createCleanup } from "@ocx/node-kit";
import { importAkashSdl, parseManifest } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ocx, ocxWith } from "./harness/cli.js";
import { type Daemon, startProviderNode } from "./harness/daemons.js";
import { type Devnet, startDevnet } from "./harness/devnet.js";
import { deployService, requestUntil as requestUntilOf } from "./harness/services.js";

const EXAMPLE = path.resolve("examples/webapp-postgres");
/** The devnet's provider is anvil account 1 (apps/cli/src/commands/devnet.ts PROVIDER_ACCOUNT). */
const PROVIDER_KEY = ANVIL_KEYS[1] as `0x${string}`;

const cleanup = createCleanup();
let devnet: Devnet;
/** The devnet's buyer (anvil account 2). */
let ocx: Ocx;
/** The provider node this test started in place of the devnet's own, after the restart. */
let restarted: Daemon | undefined;
let leaseId: string;
let url: string;

const providerConfig = () => path.join(devnet.stateDir, "provider", "provider.yaml");
const log = () => `${devnet.process.log().slice(-3000)}\n${restarted?.log().slice(-3000) ?? ""}`;

/** The process ids of the devnet's children whose command line names the provider's config. */
async function devnetProviderPids(): Promise<number[]> {
  const pids: number[] = [];
  const pid = devnet.process.child.pid;
  if (!pid) return pids;
  for (const task of await readdir(`/proc/${pid}/task`)) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of children.split(" ").filter(Boolean).map(Number)) {
      const cmdline = await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "");
      if (cmdline.includes(providerConfig())) pids.push(child);
    }
  }
  return pids;
}

/** Requests a URL until `accept` holds for its answer, or the timeout; each try gives up after 10 s. */
const requestUntil = (
  target: string,
  init: RequestInit,
  accept: (status: number, body: string) => boolean,
  timeoutMs = 90_000,
) => requestUntilOf(target, init, accept, { timeoutMs, tryTimeoutMs: 10_000, intervalMs: 500, context: log });

// Root for the sandbox's namespaces and cgroups; Debian's postgresql (scripts/install-prerequisites.mjs) for the db.
const sandboxed =
  process.platform === "linux" &&
  process.getuid?.() === 0 &&
  existsSync("/usr/lib/postgresql") &&
  existsSync("/usr/bin/bwrap");

describe.skipIf(!sandboxed)(
  "examples/webapp-postgres on ocx devnet: a web app and PostgreSQL, a provider restart",
  () => {
    beforeAll(async () => {
      // The devnet's stop reaps every workload of its provider's config (also those of the restarted node).
      devnet = await startDevnet({
        name: "webapp-postgres",
        flags: ["--no-validator", "--no-indexer"],
        graceMs: 60_000,
        defer: cleanup.defer,
      });
      ocx = ocxWith({ ...devnet.cli, account: 2, timeoutMs: 150_000 });
    }, 120_000);
    afterAll(() => cleanup.run(), 90_000);

    it("ocx deploy runs the web app and its database and prints the public URL", async () => {
      expect(devnet.summary.executor).toBe("bwrap");
      const started = performance.now();
      const result = await deployService(ocx, path.join(EXAMPLE, "webapp.yaml"), log);
      leaseId = result.leaseId;
      console.log(
        `ocx deploy: lease ${leaseId} healthy ${((performance.now() - started) / 1000).toFixed(1)} s after the command started (initdb included)`,
      );
      expect(result.healthy).toBe(true);
      expect(result.services.map((s) => [s.name, s.state])).toEqual([
        ["db", "healthy"],
        ["web", "healthy"],
      ]);
      // Only the web app is public; the database's port has no URL.
      expect(result.urls.map((u) => [u.service, u.port])).toEqual([["web", 8080]]);
      url = result.urls[0]?.url as string;
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/l/${leaseId}/8080/$`));
    }, 200_000);

    it("stores rows in PostgreSQL through the public URL, values bound, not spliced", async () => {
      const tricky = "it's O'Reilly'); DROP TABLE notes; --";
      for (const body of ["first note", tricky]) {
        const stored = await requestUntil(`${url}notes`, { method: "POST", body }, (s) => s !== 503);
        expect(stored.status, stored.body).toBe(201);
        expect(JSON.parse(stored.body)).toMatchObject({ body });
      }
      const notes = await fetch(`${url}notes`);
      expect(notes.status).toBe(200);
      expect(((await notes.json()) as { id: number; body: string }[]).map((n) => [n.id, n.body])).toEqual([
        [1, "first note"],
        [2, tricky],
      ]);
      // The database's port is internal: the ingress has no route to it.
      expect((await fetch(url.replace("/8080/", "/5432/"))).status).toBe(404);
    }, 120_000);

    it("keeps the rows across a provider restart that also ends every process of the lease", async () => {
      const [pid] = await devnetProviderPids();
      expect(pid, log()).toBeGreaterThan(0);
      process.kill(pid as number, "SIGTERM");
      for (let i = 0; i < 150 && (await devnetProviderPids()).length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      // As a machine restart would: the services (PostgreSQL included, without a clean shutdown) and the port bridge
      // end with the node. They are every process in the lease's network namespace.
      const stateDir = path.dirname(providerConfig());
      const address = privateKeyToAccount(PROVIDER_KEY).address;
      const tag = createHash("sha256").update(`${stateDir}:${address}`).digest("hex").slice(0, 10);
      const netns = `ocx-${tag}-${leaseId}`;
      const pids = execFileSync("ip", ["netns", "pids", netns])
        .toString()
        .trim()
        .split("\n")
        .filter(Boolean)
        .map(Number);
      expect(pids.length, `processes in ${netns}`).toBeGreaterThanOrEqual(3); // the bridge, web, db (and its children)
      for (const p of pids) {
        try {
          process.kill(p, "SIGKILL");
        } catch (error) {
          // Listed, then gone before the kill (a health probe, a postgres child ending with its parent): fine.
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      }

      const restartedAt = performance.now();
      restarted = await startProviderNode(
        { file: providerConfig(), url: devnet.summary.providerUrl as string, key: PROVIDER_KEY },
        { name: "the restarted provider", defer: cleanup.defer },
      );
      // The node starts the services again; PostgreSQL recovers its cluster from the volume (no new initdb).
      const back = await requestUntil(`${url}notes`, {}, (s) => s === 200);
      console.log(
        `the rows were back through the public URL ${((performance.now() - restartedAt) / 1000).toFixed(1)} s after the provider was started again`,
      );
      expect(JSON.parse(back.body).map((n: { body: string }) => n.body)).toEqual([
        "first note",
        "it's O'Reilly'); DROP TABLE notes; --",
      ]);
      const after = await requestUntil(`${url}notes`, { method: "POST", body: "after restart" }, (s) => s !== 503);
      expect(after.status, after.body).toBe(201);
      // PostgreSQL logs sequences 32 values ahead: after a crash the next id is past 3 (a gap, never a repeat).
      const row = JSON.parse(after.body) as { id: number; body: string };
      expect(row.body).toBe("after restart");
      expect(row.id).toBeGreaterThan(2);
      const dbLog = await ocx(["job", "logs", leaseId, "--service", "db"]);
      expect(dbLog.code, dbLog.stderr).toBe(0);
      expect(dbLog.stdout.match(/created the cluster/g)).toHaveLength(1);
    }, 300_000);

    it("ocx job shell runs a command in the database's sandbox: psql reads the rows there", async () => {
      const psql = [
        "sh",
        "-c",
        'PGPASSWORD=$POSTGRES_PASSWORD $(ls -d /usr/lib/postgresql/*/bin | tail -n 1)/psql -h 127.0.0.1 -U app -d postgres -At -c "SELECT count(*) FROM notes"',
      ];
      const counted = await ocx(["job", "shell", leaseId, "--service", "db", "--", ...psql]);
      expect(counted.code, `${counted.stderr}\n${log()}`).toBe(0);
      expect(counted.stdout).toBe("3\n");
      // Its exit code is the command's; a command past its time limit is killed; a service the lease lacks is named.
      expect((await ocx(["job", "shell", leaseId, "--service", "web", "--", "sh", "-c", "exit 3"])).code).toBe(3);
      const slow = await ocx([
        "--json",
        "job",
        "shell",
        leaseId,
        "--service",
        "web",
        "--timeout",
        "1s",
        "--",
        "sleep",
        "30",
      ]);
      expect(slow.code).toBe(124);
      expect(JSON.parse(slow.stdout)).toMatchObject({ timedOut: true, exitCode: null });
      const unknown = await ocx(["job", "shell", leaseId, "--service", "cache", "--", "true"]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/no service "cache"; its services: (db, web|web, db)/);
    }, 300_000); // four CLI runs, ~20 s each on a loaded 2-core machine

    it("ocx job close ends the lease: the URL goes away", async () => {
      const closed = await ocx(["job", "close", leaseId]);
      expect(closed.code, closed.stderr).toBe(0);
      const gone = await requestUntil(`${url}notes`, {}, (s) => s === 404, 30_000);
      expect(gone.body).toMatch(new RegExp(`no service lease ${leaseId}`));
    }, 120_000);
  },
);

describe("examples/webapp-postgres: the manifest and the SDL describe the same services", () => {
  it("imports the Akash SDL as the manifest's services, ports and volume", () => {
    const manifest = parseManifest(readFileSync(path.join(EXAMPLE, "webapp.yaml"), "utf8"));
    const { manifest: imported, warnings } = importAkashSdl(
      readFileSync(path.join(EXAMPLE, "deploy.sdl.yaml"), "utf8"),
    );
    const shape = (m: typeof manifest) =>
      m.kind === "service"
        ? m.services.map((s) => ({
            name: s.name,
            ports: s.ports.map((p) => [p.port, p.expose]),
            mounts: s.mounts.map((v) => v.volume),
            dependsOn: s.dependsOn,
          }))
        : [];
    expect(imported.kind).toBe("service");
    expect(shape(imported)).toEqual(shape(manifest).map((s) => (s.name === "db" ? { ...s, mounts: ["pgdata"] } : s)));
    expect(warnings.map((w) => w.message).join("\n")).not.toMatch(/dropped.*(expose|storage|env)/i);
  });
});
