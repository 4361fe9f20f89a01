// A service lease's retained files on a real node with a real anvil: its service writes a file to its persistent
// volume and another on SIGTERM; while the lease runs its results are not there yet (409 saying when); once the buyer
// closes it, the services are stopped, the declared paths are packed (the file written on SIGTERM included: packed
// after the stop), the volume is deleted, the status says what was kept and what was not found, and the buyer
// downloads the archive (the provider's signed sha256 checked) — a stranger cannot.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { extractTarGzStream } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { volumeDir } from "../src/services/volumes.js";
import { buyer, firstOfferId, type Market, startMarket, waitUntil } from "./harness.js";

const PRICE = 10n ** 15n; // 3.6 OCX per hour, per second

// Writes its books at start, and its last entry when the lease's end stops it (SIGTERM), like a model server closing
// its SQLite books.
const BOOKS = `const fs=require("fs");fs.writeFileSync("/books/payments.db","owed 2234\\n");fs.writeFileSync("/books/export.bin",Buffer.alloc(2<<20));process.on("SIGTERM",()=>{fs.appendFileSync("/books/payments.db","closed cleanly\\n");process.exit(0)});fs.writeFileSync("/books/ready","");setInterval(()=>{},1000)`;

const manifestYaml = `
version: 1
kind: service
name: books
resources: { gpu: { count: 0 }, cpu: 1, memory: 256Mi, disk: 128Mi }
volumes:
  books: { size: 32Mi }
services:
  model:
    command: ["node", "-e", ${JSON.stringify(BOOKS)}]
    mounts: [{ volume: books, path: /books }]
    retain: [/books/export.bin, /books/payments.db, /books/payments.db-wal]
`;

describe("a service lease's retained files", () => {
  let market: Market;
  let offerId: bigint;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-retain-test-"));
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 1024, diskMiB: 1024, maxLeases: 2, minDuration: 1 }
retention: { retainedMaxMiB: 1 }`,
    );
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  }, 120_000);
  afterAll(async () => {
    await market?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("packs the declared paths after the services stop, deletes the volume, and hands them to the buyer alone", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(manifestYaml);
    const leaseId = await b.take(offerId, hash, PRICE * 3600n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    const volume = volumeDir(market.config.stateDir, leaseId, "books");
    await waitUntil("the service to write its books", () => existsSync(path.join(volume, "ready")), 60_000);
    await expect(b.client.downloadResults(leaseId, path.join(dir, "early.tar.gz"))).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/is running: what its services retain is packed into its results when it ends/),
    });

    await b.write("close", leaseId);
    const closed = await b.waitFor(leaseId, ["closed"], 60_000);
    expect(closed.message).toMatch(/^the buyer closed the lease; workload stopped \(refund \d+\); kept 1 file \(/);
    expect(closed.message).toMatch(/not found: \/books\/payments\.db-wal \(service model\)/);
    // The node's retention.retainedMaxMiB (1 here) bounds what is kept: the 2 MiB export is left out, and said so.
    expect(closed.message).toMatch(/left out past the node's bound of 1,048,576 bytes: books\/export\.bin/);
    expect(closed.resultHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(existsSync(volume)).toBe(false);

    // A stranger's signature is refused; the buyer's download is checked against the provider's signed sha256.
    const stranger = buyer(market, 5);
    await expect(stranger.client.downloadResults(leaseId, path.join(dir, "stranger.tar.gz"))).rejects.toMatchObject({
      status: 403,
    });
    const archive = path.join(dir, "results.tar.gz");
    const downloaded = await b.client.downloadResults(leaseId, archive);
    expect(downloaded.sha256).toBe(closed.resultHash);
    expect(downloaded.bytes).toBe(closed.resultSize);
    const out = path.join(dir, "out");
    const unpacked = await extractTarGzStream(archive, out, { maxBytes: 1 << 20 });
    expect(unpacked.files.map((file) => path.relative(out, file))).toEqual(["OCX-OMITTED.txt", "books/payments.db"]);
    expect(await readFile(path.join(out, "books", "payments.db"), "utf8")).toBe("owed 2234\nclosed cleanly\n");
  }, 240_000);
});
