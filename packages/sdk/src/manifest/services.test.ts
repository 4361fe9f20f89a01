import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalManifest, manifestHash, parseCanonicalManifest } from "./canonical.js";
import { ManifestError } from "./errors.js";
import { parseManifest } from "./parse.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const webapp = fixture("service-webapp.yaml");

/** The paths and messages of a manifest that must be refused. */
function issuesOf(yamlText: string) {
  try {
    parseManifest(yamlText);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues.map((issue) => ({ path: issue.path, message: issue.message }));
  }
  throw new Error("manifest was accepted");
}

const service = (services: string, extra = "") => `
version: 1
kind: service
name: s
resources: { cpu: 1, memory: 1Gi, disk: 2Gi }
services:
${services}
${extra}`;

describe("service manifests", () => {
  it("normalizes the spec's web app with its database", () => {
    const manifest = parseManifest(webapp);
    expect(manifest.kind).toBe("service");
    expect(manifest.restart).toBe("on-node-restart");
    expect(manifest.maxDurationSeconds).toBe(3600);
    expect(manifest.env).toEqual({});
    expect(manifest.services).toEqual([
      {
        name: "db",
        command: ["postgres", "-D", "/var/lib/db"],
        env: {},
        ports: [{ port: 5432, protocol: "tcp", expose: "internal", hosts: [] }],
        restart: "always",
        mounts: [{ volume: "dbdata", path: "/var/lib/db", readOnly: false }],
        shmMiB: 64,
        dependsOn: [],
      },
      {
        name: "web",
        image: "ocx/busybox",
        command: ["node", "server.js"],
        env: { DB_HOST: "db" },
        ports: [{ port: 8080, protocol: "http", expose: "public", hosts: [] }],
        health: {
          http: { port: 8080, path: "/health" },
          intervalSeconds: 5,
          timeoutSeconds: 2,
          failures: 3,
          startSeconds: 10,
        },
        restart: "always",
        mounts: [{ volume: "data", path: "/data", readOnly: false }],
        shmMiB: 64,
        dependsOn: ["db"],
      },
    ]);
    expect(manifest.volumes).toEqual([
      { name: "data", sizeMiB: 1024, class: "persistent" },
      { name: "dbdata", sizeMiB: 512, class: "persistent" },
      { name: "scratch", sizeMiB: 256, class: "ram" },
    ]);
  });

  it("has a canonical form that round-trips and a hash that covers the services", () => {
    const manifest = parseManifest(webapp);
    const json = canonicalManifest(manifest);
    expect(json).toContain('"kind":"service"');
    expect(parseCanonicalManifest(json)).toEqual(manifest);
    const moved = parseManifest(webapp.replace("shm: 64Mi", "shm: 128Mi"));
    expect(manifestHash(moved)).not.toBe(manifestHash(manifest));
    // Key order and spellings do not matter.
    const respelled = webapp
      .replace("intervalSeconds: 5", 'intervalSeconds: "5s"')
      .replace("size: 1Gi }", "size: 1024 }");
    expect(manifestHash(parseManifest(respelled))).toBe(manifestHash(manifest));
  });

  it("refuses canonical JSON that is not in canonical form", () => {
    const json = canonicalManifest(parseManifest(webapp));
    expect(() => parseCanonicalManifest(json.replace('"shmMiB":64', '"shmMiB":64.0'))).toThrow(/canonical form/);
    expect(() => parseCanonicalManifest(json.replace('"kind":"service",', ""))).toThrow(ManifestError);
  });

  it("fills health, restart and port defaults, and reads bare port numbers", () => {
    const manifest = parseManifest(service("  app: { image: nginx, ports: [80], health: { tcp: { port: 80 } } }"));
    expect(manifest.services[0]).toMatchObject({
      ports: [{ port: 80, protocol: "tcp", expose: "internal", hosts: [] }],
      health: { tcp: { port: 80 }, intervalSeconds: 10, timeoutSeconds: 5, failures: 3, startSeconds: 30 },
      restart: "always",
    });
  });

  it.each([
    [
      "  a: { command: [a], ports: [5432] }\n  b: { command: [b], ports: [5432] }",
      "services.b.ports[0].port",
      /already used by service "a": a lease's services share one network namespace/,
    ],
    ["  Web: { command: [a] }", "services.Web", /not a valid service name: must be a DNS label/],
    ["  a: { command: [a], ports: [{ port: 70000 }] }", "services.a.ports[0].port", /port number from 1 to 65535/],
    [
      "  a: { command: [a], mounts: [{ volume: nope, path: /data }] }",
      "services.a.mounts[0].volume",
      /declare "nope" under volumes/,
    ],
    [
      "  a: { command: [a], mounts: [{ volume: v, path: /proc/x }] }",
      "services.a.mounts[0].path",
      /provided by the sandbox/,
    ],
    [
      "  a: { command: [a], dependsOn: [b] }\n  b: { command: [b], dependsOn: [a] }",
      "services.a.dependsOn",
      /cycle \(a → b → a\)/,
    ],
    ["  a: { command: [a], dependsOn: [c] }", "services.a.dependsOn", /"c", which is not a service/],
    [
      "  a: { image: x, ports: [{ port: 80, as: 81 }] }",
      "services.a.ports[0].as",
      /internal port is reached at its own number/,
    ],
    ["  a: { image: x, ports: [{ port: 80, hosts: [a.com] }] }", "services.a.ports[0].hosts", /public http ports only/],
    ["  a: { image: x, health: { intervalSeconds: 3 } }", "services.a.health", /exactly one of http, tcp or command/],
    ["  a: { env: { X: y } }", "services.a.command", /needs an image, a command, or both/],
    ["  a: { image: x, restart: sometimes }", "services.a.restart", /"always", "on-failure", "never"/],
  ])("refuses %j at %s", (services, path, message) => {
    const issues = issuesOf(service(services));
    const issue = issues.find((entry) => entry.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it("refuses volumes larger than the lease's disk and memory", () => {
    const issues = issuesOf(
      service("  a: { image: x }", "volumes: { big: { size: 3Gi }, fast: { size: 2Gi, class: ram } }"),
    );
    expect(issues.map((issue) => issue.message)).toEqual([
      "volumes: persistent volumes add up to 3Gi, more than resources.disk (2Gi); raise resources.disk or shrink the volumes",
      "volumes: ram volumes add up to 2Gi, more than resources.memory (1Gi); raise resources.memory or shrink the volumes",
    ]);
  });

  it("keeps jobs and services apart", () => {
    const job = "version: 1\nname: j\ncommand: x\nmaxDuration: 1m\nservices: { a: { image: x } }\n";
    expect(issuesOf(job).map((issue) => issue.message)).toEqual([
      "services: only a service manifest has services; add kind: service",
    ]);
    expect(issuesOf(service("  a: { image: x }", "image: alpine\noutputs: [x]")).map((issue) => issue.path)).toEqual([
      "image",
      "outputs",
    ]);
    expect(issuesOf("version: 1\nkind: service\nname: s\n").map((issue) => issue.message)).toEqual([
      "services: a service manifest needs at least one service, e.g. services: { web: { image: …, ports: … } }",
    ]);
    expect(issuesOf(service("  a: { image: x }", "deterministic: true"))[0]?.message).toMatch(
      /only a job can be re-executed/,
    );
    expect(issuesOf("version: 1\nkind: daemon\nname: s\n")[0]?.path).toBe("kind");
  });
});

describe("placement and deterministic jobs", () => {
  const job = "version: 1\nname: j\ncommand: x\nmaxDuration: 1m\n";

  it("reads verified and attributes, and keeps them in the hash", () => {
    const manifest = parseManifest(
      `${job}deterministic: true\nplacement: { verified: true, attributes: { tier: datacenter, gpus: 8 } }\n`,
    );
    expect(manifest.deterministic).toBe(true);
    expect(manifest.placement).toEqual({ regions: [], verified: true, attributes: { gpus: "8", tier: "datacenter" } });
    const json = canonicalManifest(manifest);
    expect(json).toContain('"deterministic":true');
    expect(json).toContain('"placement":{"attributes":{"gpus":"8","tier":"datacenter"},"regions":[],"verified":true}');
    expect(parseCanonicalManifest(json)).toEqual(manifest);
  });

  it("refuses region as an attribute", () => {
    expect(issuesOf(`${job}placement: { attributes: { region: us } }\n`)[0]?.message).toMatch(/placement.regions/);
  });
});

describe("job hashes", () => {
  // Pinned before services existed: the new fields must leave every job's canonical form alone.
  it("are unchanged", () => {
    const sha = (byte: string) => `0x${byte.repeat(32)}`;
    const full = `version: 1
name: train
image: python:3.12
command: python train.py
resources:
  gpu: { count: 1, models: [nvidia-h100-80gb], minVram: 80Gi }
  cpu: 4
  memory: 16Gi
inputs:
  - { path: b.txt, source: b.txt, sha256: ${sha("bb")} }
  - { path: a.txt, source: a.txt, sha256: ${sha("aa")} }
outputs: [out]
env: { B: "2", A: "1" }
network: true
maxDuration: 1h
maxPricePerGpuHour: "2.5"
placement: { regions: [eu-west] }
restart: on-node-restart
`;
    expect(manifestHash(parseManifest(full))).toBe(
      "0x0740fc08c9215789fb38ce630ec427e6af3ca923e11cbb86d0bcedf443a6b134",
    );
    const minimal = "version: 1\nname: hello\ncommand: echo hi\nmaxDuration: 10m\n";
    expect(canonicalManifest(parseManifest(minimal))).toBe(
      '{"command":["sh","-c","echo hi"],"env":{},"inputs":[],"maxDurationSeconds":600,"name":"hello","network":false,"outputs":[],"placement":{"regions":[]},"resources":{"cpuMillicores":1000,"diskMiB":1024,"gpu":{"count":0,"minVramMiB":0,"models":[]},"memoryMiB":1024},"restart":"never","version":1}',
    );
    expect(manifestHash(parseManifest(minimal))).toBe(
      "0x004d945d6b1635c5a306a65b2fa86230002f48f8045951a970766d9b7091e884",
    );
  });
});

describe("a service's chain access", () => {
  const withChain = (value: string) =>
    service(
      `  api: { command: [node, s.js], chain: ${value}, ports: [{ port: 8080, expose: public, protocol: http }] }`,
    );

  it("reads chain: read, keeps it in the canonical form and the hash, and leaves it out when absent", () => {
    const manifest = parseManifest(withChain("read"));
    expect(manifest.services[0]?.chain).toBe("read");
    const json = canonicalManifest(manifest);
    expect(json).toContain('"chain":"read"');
    expect(parseCanonicalManifest(json)).toEqual(manifest);
    const without = parseManifest(service("  api: { command: [node, s.js] }"));
    expect(without.services[0]).not.toHaveProperty("chain");
    expect(canonicalManifest(without)).not.toContain("chain");
    expect(manifestHash(manifest)).not.toBe(
      manifestHash(
        parseManifest(
          service("  api: { command: [node, s.js], ports: [{ port: 8080, expose: public, protocol: http }] }"),
        ),
      ),
    );
  });

  it("refuses any other value, naming the field", () => {
    const [problem] = issuesOf(withChain("write"));
    expect(problem?.path).toBe("services.api.chain");
    expect(problem?.message).toMatch(/"read"/);
  });
});

describe("a service's retained paths", () => {
  const volumes = "volumes: { books: { size: 64Mi }, cache: { size: 64Mi, class: ram } }";
  const withRetain = (retain: string) =>
    service(
      `  model:\n    command: [node, s.js]\n    mounts: [{ volume: books, path: /books }, { volume: cache, path: /cache }]\n    retain: ${retain}`,
      volumes,
    );

  it("reads retain normalized and sorted, keeps it in the canonical form and the hash, and leaves it out when absent", () => {
    const manifest = parseManifest(withRetain("[/books/./payments.db, /books/exports/]"));
    expect(manifest.services[0]?.retain).toEqual(["/books/exports", "/books/payments.db"]);
    const json = canonicalManifest(manifest);
    expect(json).toContain('"retain":["/books/exports","/books/payments.db"]');
    expect(parseCanonicalManifest(json)).toEqual(manifest);
    const without = parseManifest(withRetain("[]"));
    expect(without.services[0]).not.toHaveProperty("retain");
    expect(canonicalManifest(without)).not.toContain("retain");
    expect(manifestHash(without)).not.toBe(manifestHash(manifest));
  });

  it("keeps a whole volume when the path is its mount", () => {
    expect(parseManifest(withRetain("[/books]")).services[0]?.retain).toEqual(["/books"]);
  });

  it.each([
    [
      "[/etc/passwd]",
      "services.model.retain[0]",
      /"\/etc\/passwd" is on no volume of this service \(its mounts: \/books \(volume books\), \/cache \(volume cache\)\)/,
    ],
    ["[/bookshelf/x]", "services.model.retain[0]", /is on no volume of this service/],
    ["[/books/../etc/shadow]", "services.model.retain[0]", /absolute path on a volume the service mounts.*no "\.\."/],
    ["[books/payments.db]", "services.model.retain[0]", /must be an absolute path/],
    [
      "[/cache/hot]",
      "services.model.retain[0]",
      /on the ram volume "cache", which is memory and gone when the service stops/,
    ],
    ["[/books/a, /books/./a]", "services.model.retain[1]", /repeats "\/books\/a" from entry 0/],
  ])("refuses retain: %s at %s", (retain, path, message) => {
    const issues = issuesOf(withRetain(retain));
    const issue = issues.find((entry) => entry.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it("refuses more paths than the limit, and a service with no volume", () => {
    const many = `[${Array.from({ length: 17 }, (_, i) => `/books/f${i}`).join(", ")}]`;
    expect(issuesOf(withRetain(many))).toEqual([
      {
        path: "services.model.retain",
        message:
          "services.model.retain: keeps at most 16 paths per service (found 17); retain a folder that holds them instead",
      },
    ]);
    const bare = issuesOf(service("  model: { command: [node, s.js], retain: [/data/books.db] }"));
    expect(bare.map((issue) => issue.message)).toEqual([
      'services.model.retain[0]: "/data/books.db" is on no volume of this service (it mounts none): only files of a persistent volume outlive the lease; name a path under one of its mounts, or mount a volume there',
    ]);
  });

  it("refuses retain in canonical JSON the same way", () => {
    const json = canonicalManifest(parseManifest(withRetain("[/books/payments.db]")));
    expect(() => parseCanonicalManifest(json.replace('"/books/payments.db"', '"/cache/x"'))).toThrow(
      /ram volume "cache"/,
    );
  });
});
