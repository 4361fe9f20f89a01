// What a service lease keeps of its volumes: the declared paths packed under their volume's name, a missing one
// named, files past the size bound left out and listed, links stored as links (never followed to a host file).
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { extractTarGzStream, parseManifest } from "@ocx/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeRetained, packRetained, retainedPaths } from "./retain.js";

const servicesOf = (yaml: string) =>
  parseManifest(`version: 1
kind: service
name: s
resources: { cpu: 1, memory: 1Gi, disk: 1Gi }
volumes: { books: { size: 64Mi }, logs: { size: 64Mi } }
services:
${yaml}`).services;

describe("retained files of a service lease", () => {
  let dir: string;
  let volumes: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-retain-"));
    volumes = path.join(dir, "volumes", "7");
    await mkdir(path.join(volumes, "books"), { recursive: true });
    await mkdir(path.join(volumes, "logs"), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("maps each declared path to its volume through the deepest mount, once per place", () => {
    const services = servicesOf(`  model:
    command: [m]
    mounts: [{ volume: books, path: /data }, { volume: logs, path: /data/logs }]
    retain: [/data/payments.db, /data/logs/today, /data]
  reader:
    command: [r]
    mounts: [{ volume: books, path: /books, readOnly: true }]
    retain: [/books/payments.db]`);
    expect(retainedPaths(services)).toEqual([
      { service: "model", path: "/data", entry: "books" },
      { service: "model", path: "/data/logs/today", entry: "logs/today" },
      { service: "model", path: "/data/payments.db", entry: "books/payments.db" },
    ]);
  });

  it("packs the declared files and folders under their volume's name, and names a missing one", async () => {
    await writeFile(path.join(volumes, "books", "payments.db"), "sqlite");
    await writeFile(path.join(volumes, "books", "payments.db-wal"), "wal");
    await writeFile(path.join(volumes, "books", "other"), "not retained");
    await mkdir(path.join(volumes, "logs", "today"));
    await writeFile(path.join(volumes, "logs", "today", "a.log"), "line\n");
    const services = servicesOf(`  model:
    command: [m]
    mounts: [{ volume: books, path: /books }, { volume: logs, path: /logs }]
    retain: [/books/payments.db, /books/payments.db-wal, /books/payments.db-shm, /logs/today]`);
    const archive = path.join(dir, "results.tar.gz");
    const kept = await packRetained(volumes, services, archive);
    expect(kept?.files).toEqual([
      { path: "books/payments.db", size: 6 },
      { path: "books/payments.db-wal", size: 3 },
      { path: "logs/today/a.log", size: 5 },
    ]);
    expect(kept?.missing).toEqual([
      { service: "model", path: "/books/payments.db-shm", entry: "books/payments.db-shm" },
    ]);
    expect(describeRetained(7n, kept as NonNullable<typeof kept>)).toBe(
      "kept 3 files (14 bytes) in the lease's results; not found: /books/payments.db-shm (service model); the buyer downloads them for the node's retention time (GET /leases/7/results)",
    );
    const out = path.join(dir, "out");
    await extractTarGzStream(archive, out, { maxBytes: 1 << 20 });
    expect(await readFile(path.join(out, "books", "payments.db"), "utf8")).toBe("sqlite");
    expect(await readFile(path.join(out, "logs", "today", "a.log"), "utf8")).toBe("line\n");
    // The same files pack to the same bytes: the hash the node records is reproducible.
    expect((await packRetained(volumes, services, path.join(dir, "again.tar.gz")))?.sha256).toBe(kept?.sha256);
  });

  it("leaves out files past the size bound and lists them in the archive and the message", async () => {
    await writeFile(path.join(volumes, "books", "a.db"), Buffer.alloc(600));
    await writeFile(path.join(volumes, "books", "b.db"), Buffer.alloc(600));
    const services = servicesOf(`  model:
    command: [m]
    mounts: [{ volume: books, path: /books }]
    retain: [/books]`);
    const archive = path.join(dir, "results.tar.gz");
    const kept = await packRetained(volumes, services, archive, { maxBytes: 1000 });
    expect(kept?.files.map((file) => file.path)).toEqual(["OCX-OMITTED.txt", "books/a.db"]);
    expect(kept?.omitted).toEqual([{ path: "books/b.db", size: 600 }]);
    expect(describeRetained(7n, kept as NonNullable<typeof kept>)).toMatch(
      /left out past the node's bound of 1,000 bytes: books\/b\.db;/,
    );
    const out = path.join(dir, "out");
    await extractTarGzStream(archive, out, { maxBytes: 1 << 20 });
    expect(await readFile(path.join(out, "OCX-OMITTED.txt"), "utf8")).toMatch(/books\/b\.db\t600 bytes/);
  });

  it("stores a link as a link: a service cannot make the node pack a host file", async () => {
    await writeFile(path.join(dir, "host-secret"), "secret");
    await symlink(path.join(dir, "host-secret"), path.join(volumes, "books", "payments.db"));
    await symlink(dir, path.join(volumes, "books", "sub"));
    const services = servicesOf(`  model:
    command: [m]
    mounts: [{ volume: books, path: /books }]
    retain: [/books/payments.db, /books/sub/host-secret]`);
    const archive = path.join(dir, "results.tar.gz");
    const kept = await packRetained(volumes, services, archive);
    expect(kept?.files).toEqual([]);
    expect(kept?.missing.map((p) => p.path)).toEqual(["/books/sub/host-secret"]);
    const out = path.join(dir, "out");
    const unpacked = await extractTarGzStream(archive, out, { maxBytes: 1 << 20 });
    expect(unpacked.files).toEqual([]);
    expect(unpacked.skipped).toEqual(["books/payments.db"]);
  });

  it("keeps nothing, and writes nothing, when no service retains a path", async () => {
    const services = servicesOf("  model: { command: [m], mounts: [{ volume: books, path: /books }] }");
    expect(await packRetained(volumes, services, path.join(dir, "results.tar.gz"))).toBeUndefined();
    await expect(readFile(path.join(dir, "results.tar.gz"))).rejects.toThrow(/ENOENT/);
  });
});
