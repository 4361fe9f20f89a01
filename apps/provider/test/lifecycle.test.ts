// The node's lifecycle around its leases: a start-up that fails part-way leaves nothing behind; the
// escrow is enforced by the node's own clock while the chain is unreachable, and the node catches up
// when it returns; ended leases' files go after the retention time; a full disk refuses new jobs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createLogger, freePort } from "@ocx/node-kit";
import { LeaseState, ProviderApiError, readTar, topUpLeaseSync } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { startProvider } from "../src/service.js";
import {
  buyer,
  chainLease,
  firstOfferId,
  leaseEvents,
  leaseRecord,
  type Market,
  PROVIDER,
  startChain,
  startMarket,
  waitUntil,
} from "./harness.js";

const PRICE = 10n ** 15n; // 3.6 OCX per hour, per second
const OFFER = `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 4, minDuration: 1 }`;

/** A job that sleeps with a marker in its command line, so the test can tell whether it still runs. */
const sleepJob = (marker: string) => `
version: 1
name: sleeper
command: "mkdir -p out; echo partial > out/p.txt; exec sleep ${marker}"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`;

/** Whether any process on the host runs `sleep <marker>`. */
function sleeping(marker: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${marker}\0`) return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}

describe("a start-up that fails part-way", () => {
  it("stops what had started, in reverse, and closes the database, when the API's port is taken", async () => {
    const chain = await startChain(OFFER);
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const config = parseConfig(
        readFileSync(chain.configFile, "utf8").replace(/listen: "127\.0\.0\.1:\d+"/, `listen: "127.0.0.1:${port}"`),
        { baseDir: chain.dir },
      );
      const logs: Record<string, unknown>[] = [];
      const log = createLogger({ json: true, level: "debug", write: (l) => logs.push(JSON.parse(l)) });
      const account = privateKeyToAccount(chain.net.key(PROVIDER));
      await expect(startProvider(config, { account, log })).rejects.toThrow(
        `api.listen 127.0.0.1:${port} is already in use`,
      );
      const stopped = logs.filter((l) => l.message === "stopped").map((l) => l.component);
      const started = logs.filter((l) => l.message === "started").map((l) => l.component);
      expect(started).toEqual([
        "store",
        "chain",
        "hardware",
        "identity",
        "offers",
        "leases",
        "bids",
        "events",
        "challenges",
        "timers",
        "ingress",
      ]);
      expect(stopped).toEqual([...started].reverse());
      // SQLite removes its write-ahead log when the last connection closes: the database is closed.
      expect(existsSync(path.join(config.stateDir, "provider.db"))).toBe(true);
      expect(existsSync(path.join(config.stateDir, "provider.db-wal"))).toBe(false);
      // Nothing polls the chain any more: the event cursor stays where it was.
      const before = logs.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(logs.length).toBe(before);
    } finally {
      blocker.close();
      await chain.net.stop();
    }
  });
});

describe("the chain goes away", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    market = await startMarket(OFFER, { rpcProxy: true, captureLogs: true });
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("moves a lease's paid-until time when the buyer tops it up, and stops the workload at the new time", async () => {
    const b = buyer(market);
    const marker = `${6000 + (process.pid % 1000)}.25`;
    const { json, hash } = await b.manifest(sleepJob(marker));
    const leaseId = await b.take(offerId, hash, PRICE * 4n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await waitUntil("the job to run", () => sleeping(marker));
    const first = leaseRecord(market, leaseId).paidUntil as number;

    await topUpLeaseSync(b.wallet, { deployment: market.net.deployment, leaseId, amount: PRICE * 4n });
    await waitUntil("the node to see the top-up", () => (leaseRecord(market, leaseId).paidUntil ?? 0) === first + 4);
    await new Promise((r) => setTimeout(r, Math.max(0, (first + 1) * 1000 - Date.now())));
    expect(sleeping(marker)).toBe(true); // past the first paid-until time, still running
    await waitUntil("the workload to stop", () => !sleeping(marker), 15_000);
    expect(Math.abs(Date.now() / 1000 - (first + 4))).toBeLessThanOrEqual(2);
    expect((await b.waitFor(leaseId, ["exhausted"])).phase).toBe("exhausted");
  });

  it("stops the workload at its paid-until time by its own clock, logs the outage once, and settles when the chain returns", async () => {
    const b = buyer(market);
    const marker = `${4000 + (process.pid % 1000)}.25`;
    const { json, hash } = await b.manifest(sleepJob(marker));
    const leaseId = await b.take(offerId, hash, PRICE * 6n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await b.waitFor(leaseId, ["running"]);
    const onChain = await chainLease(market, leaseId);
    const paidUntil = onChain.settledAt + Number((onChain.escrow + PRICE - 1n) / PRICE);
    await waitUntil("the job to run", () => sleeping(marker));

    await market.proxy?.cut();
    await waitUntil("the workload to stop", () => !sleeping(marker), 20_000);
    const stoppedAt = Date.now() / 1000;
    expect(Math.abs(stoppedAt - paidUntil)).toBeLessThanOrEqual(2);
    const status = await b.waitFor(leaseId, ["exhausted"], 10_000);
    expect(status.message).toContain("the chain is unreachable");

    const outage = market.logs.filter((l) => String(l.message).startsWith("chain unreachable since"));
    expect(outage).toHaveLength(1);
    expect(outage[0]?.message).toMatch(
      /chain unreachable since .*; 1 lease\(s\) will be stopped at their paid-until time/,
    );
    // The event follower says it once too, not on every poll.
    expect(market.logs.filter((l) => String(l.message).startsWith("reading chain events failed"))).toHaveLength(1);
    expect((await chainLease(market, leaseId)).state).toBe(LeaseState.Active);

    await market.proxy?.restore();
    await waitUntil(
      "the node to settle the exhausted lease once the chain is back",
      async () => (await chainLease(market, leaseId)).state === LeaseState.Closed,
      30_000,
    );
    expect(market.logs.some((l) => String(l.message).startsWith("chain reachable again after"))).toBe(true);
    expect((await chainLease(market, leaseId)).escrow).toBe(0n);
  });
});

describe("billing stops when the workload exits", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 512, diskMiB: 2048, maxLeases: 2, minDuration: 1 }`);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("bills a job whose outputs take seconds to pack for its run time only, to the wei", async () => {
    const b = buyer(market);
    // Incompressible output: gzip works on every byte of it, for seconds, after the job has exited.
    const { json, hash } = await b.manifest(`
version: 1
name: big-output
command: "mkdir -p out; head -c 160000000 /dev/urandom > out/noise; echo written"
resources: { cpu: 1, memory: 256Mi, disk: 1Gi }
outputs: [out]
maxDuration: 10m
`);
    const deposit = PRICE * 600n;
    const leaseId = await b.take(await firstOfferId(market), hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await b.waitFor(leaseId, ["completed"], 120_000);

    const record = leaseRecord(market, leaseId);
    const events = await leaseEvents(market, leaseId);
    const startedAt = Number(events.acknowledged?.args.startedAt);
    const endedAt = record.endedAt as number;
    // Packing took a while: the completion came seconds after the workload exited.
    expect((events.closedAt as number) - endedAt).toBeGreaterThanOrEqual(2);
    expect(events.paid).toBe(PRICE * BigInt(Math.max(endedAt, startedAt) - startedAt));
    expect(events.closed?.args.refund).toBe(deposit - events.paid);
  });
});

describe("outputs larger than the job's disk limit", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket(OFFER);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("packs only what fits in the disk limit and lists the rest in the archive", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(`
version: 1
name: sparse
command: "mkdir -p out; echo small > out/a.txt; truncate -s 60M out/s1; truncate -s 60M out/sparse"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`);
    const leaseId = await b.take(await firstOfferId(market), hash, PRICE * 600n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"], 60_000);
    expect(done.resultSize).toBeLessThan(1024 * 1024);
    const events = await leaseEvents(market, leaseId);
    // Billed for the run, not for packing: the completion is at most a few seconds after the exit.
    expect((events.closedAt as number) - (leaseRecord(market, leaseId).endedAt as number)).toBeLessThanOrEqual(3);
    const results = await b.client.results(leaseId);
    const files = new Map<string, string>();
    for (const entry of readTar(gunzipSync(results.bytes))) {
      if (entry.type === "file") files.set(entry.path, new TextDecoder().decode(entry.data));
    }
    expect(files.get("out/a.txt")).toBe("small\n");
    expect(done.exitCode).toBe(0);
    expect(files.get("out/s1")?.length).toBe(60 * 1024 * 1024); // fits: packed (its zeros cost little)
    expect(files.has("out/sparse")).toBe(false); // 120 MiB of apparent size do not fit in 64 MiB
    expect(files.get("OCX-OMITTED.txt")).toContain("out/sparse");
  });
});

describe("retention and the disk reserve", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    market = await startMarket(
      `${OFFER}
retention: { keepEndedLeasesHours: 0.0005, sweepIntervalMinutes: 0.005 }`,
    );
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("removes an ended lease's job folder, logs and results after the retention time, and keeps its record", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(`
version: 1
name: quick
command: "mkdir -p out; echo hi > out/x; echo done"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`);
    const leaseId = await b.take(offerId, hash, PRICE * 600n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await b.waitFor(leaseId, ["completed"]);
    const leaseDir = path.join(market.config.stateDir, "leases", leaseId.toString());
    const jobDir = path.join(market.config.stateDir, "jobs", leaseId.toString());
    expect(existsSync(path.join(leaseDir, "results.tar.gz"))).toBe(true);
    expect(existsSync(path.join(leaseDir, "stdout.log"))).toBe(true);
    expect(existsSync(jobDir)).toBe(true);
    await waitUntil(
      "retention to remove the lease's files",
      () => !existsSync(leaseDir) && !existsSync(jobDir),
      15_000,
    );
    expect((await b.client.status(leaseId)).phase).toBe("completed");
  });

  it("keeps the files of a lease that ended less than the retention time ago", async () => {
    const keep = await startMarket(`${OFFER}
retention: { keepEndedLeasesHours: 1, sweepIntervalMinutes: 0.005 }`);
    try {
      const kb = buyer(keep);
      await kb.approve();
      const { json, hash } = await kb.manifest(`
version: 1
name: quick
command: "echo done"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
maxDuration: 10m
`);
      const leaseId = await kb.take(await firstOfferId(keep), hash, PRICE * 600n);
      await kb.waitFor(leaseId, ["acknowledged"]);
      await kb.client.uploadManifest(leaseId, json);
      await kb.client.start(leaseId);
      await kb.waitFor(leaseId, ["completed"]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(existsSync(path.join(keep.config.stateDir, "leases", leaseId.toString(), "stdout.log"))).toBe(true);
    } finally {
      await keep.stop();
    }
  });

  it("refuses to start a job while the state folder's disk has less free than the reserve, and says why", async () => {
    const full = await startMarket(`${OFFER}
disk: { reserveMiB: 1000000000 }`);
    try {
      const fb = buyer(full);
      const marker = `${5000 + (process.pid % 1000)}.25`;
      await fb.approve();
      const { json, hash } = await fb.manifest(sleepJob(marker));
      const leaseId = await fb.take(await firstOfferId(full), hash, PRICE * 600n);
      await fb.waitFor(leaseId, ["acknowledged"]);
      await fb.client.uploadManifest(leaseId, json);
      const refused = await fb.client.start(leaseId).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderApiError);
      expect((refused as ProviderApiError).status).toBe(409);
      expect((refused as Error).message).toMatch(
        /cannot start jobs now: the disk holding .* has \d+ MiB free, below the reserve of 1000000000 MiB \(disk.reserveMiB\)/,
      );
      expect(sleeping(marker)).toBe(false);
      expect((await fb.client.status(leaseId)).phase).toBe("acknowledged");
    } finally {
      await full.stop();
    }
  });
});
