import { describe, expect, it } from "vitest";
import { ManifestError } from "./errors.js";
import { manifestFromDocument, parseManifest } from "./parse.js";

const full = `
version: 1
name: train-llm.v2
image: ghcr.io/acme/trainer:1.2@sha256:${"a".repeat(64)}
command: [python, train.py, --epochs, "3"]
resources:
  gpu:
    count: 2
    models: [nvidia-h100-80gb, nvidia-a100-80gb]
    minVram: 40Gi
  cpu: 8
  memory: 64Gi
  disk: 200Gi
inputs:
  - path: data/train.csv
    source: ./local/train.csv
    sha256: ${"AB".repeat(32)}
  - path: ./config/
    source: conf
outputs: [out/, model.bin]
env:
  EPOCHS: "3"
  HF_HOME: /job/.cache
network: true
maxDuration: 2h30m
maxPricePerGpuHour: "2.5"
placement:
  regions: [eu-west, us-east]
restart: on-node-restart
`;

/** The issues of a manifest that must fail. */
function issuesOf(yaml: string) {
  try {
    parseManifest(yaml, { source: "job.yaml" });
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues;
  }
  throw new Error("manifest was accepted");
}

const minimal = "version: 1\nname: job\ncommand: echo hi\nmaxDuration: 10m\n";

describe("parseManifest", () => {
  it("normalizes every field of a full manifest", () => {
    expect(parseManifest(full)).toEqual({
      version: 1,
      name: "train-llm.v2",
      image: `ghcr.io/acme/trainer:1.2@sha256:${"a".repeat(64)}`,
      command: ["python", "train.py", "--epochs", "3"],
      resources: {
        gpu: { count: 2, models: ["nvidia-h100-80gb", "nvidia-a100-80gb"], minVramMiB: 40_960 },
        cpuMillicores: 8000,
        memoryMiB: 65_536,
        diskMiB: 204_800,
      },
      inputs: [
        { path: "data/train.csv", source: "./local/train.csv", sha256: `0x${"ab".repeat(32)}` },
        { path: "config", source: "conf" },
      ],
      outputs: ["out", "model.bin"],
      env: { EPOCHS: "3", HF_HOME: "/job/.cache" },
      network: true,
      maxDurationSeconds: 9000,
      maxPricePerGpuHour: 2_500_000_000_000_000_000n,
      placement: { regions: ["eu-west", "us-east"] },
      restart: "on-node-restart",
      kind: "job",
      deterministic: false,
      services: [],
      volumes: [],
    });
  });

  it("fills defaults and runs a string command with sh -c", () => {
    expect(parseManifest(minimal)).toEqual({
      version: 1,
      name: "job",
      command: ["sh", "-c", "echo hi"],
      resources: { gpu: { count: 0, models: [], minVramMiB: 0 }, cpuMillicores: 1000, memoryMiB: 1024, diskMiB: 1024 },
      inputs: [],
      outputs: [],
      env: {},
      network: false,
      maxDurationSeconds: 600,
      placement: { regions: [] },
      restart: "never",
      kind: "job",
      deterministic: false,
      services: [],
      volumes: [],
    });
  });

  it("accepts an image alone, sizes in MiB, cpu in millicores and empty sections", () => {
    const manifest = parseManifest(
      "version: 1\nname: x\nimage: alpine\nmaxDuration: 30\nresources:\n  cpu: 250m\n  memory: 512\n  gpu:\ninputs:\nenv:\n",
    );
    expect(manifest.command).toBeUndefined();
    expect(manifest.resources).toEqual({
      gpu: { count: 0, models: [], minVramMiB: 0 },
      cpuMillicores: 250,
      memoryMiB: 512,
      diskMiB: 1024,
    });
  });

  it.each([
    ["version: 2", "version", /must be 1/],
    ["name: Train", "name", /a-z, 0-9/],
    [`name: ${"x".repeat(65)}`, "name", /1 to 64 characters/],
    ["image: 'Not An Image'", "image", /Docker image reference/],
    ["command: []", "command", /list of strings/],
    ["command: [python, 3]", "command", /entry 1 is 3/],
    ["resources: { gpu: { count: two } }", "resources.gpu.count", /must be an integer from 0 to 64, got "two"/],
    ["resources: { gpu: { count: 65 } }", "resources.gpu.count", /from 0 to 64, got 65/],
    ["resources: { gpu: { count: 1.5 } }", "resources.gpu.count", /integer/],
    ["resources: { gpu: { count: 1, models: [H100] } }", "resources.gpu.models[0]", /GPU model id/],
    ["resources: { gpu: { count: 1, models: nvidia-h100 } }", "resources.gpu.models", /must be a list/],
    ["resources: { gpu: { models: [nvidia-h100] } }", "resources.gpu.models", /gpu.count of at least 1/],
    ["resources: { gpu: { minVram: 40Gi } }", "resources.gpu.minVram", /gpu.count of at least 1/],
    ["resources: { gpu: { count: 1, minVram: 2Ti } }", "resources.gpu.minVram", /from 0Mi to 1Ti/],
    [
      "resources: { gpu: { count: 1, vram: 2 } }",
      "resources.gpu.vram",
      /unknown field; allowed fields are count, models, minVram/,
    ],
    ["resources: { cpu: 0 }", "resources.cpu", /from 0.001 to 1024 cores/],
    ["resources: { cpu: lots }", "resources.cpu", /number of cores/],
    ["resources: { memory: 4GB }", "resources.memory", /unknown unit "GB"/],
    ["resources: { memory: 0 }", "resources.memory", /from 1Mi to 4Ti/],
    ["resources: { disk: 65Ti }", "resources.disk", /from 1Mi to 64Ti/],
    ["resources: { gpus: 1 }", "resources.gpus", /unknown field/],
    ["resources: 4", "resources", /must be a mapping/],
    ["inputs: { path: a }", "inputs", /must be a list/],
    ["inputs: [{ path: /etc/passwd, source: a }]", "inputs[0].path", /relative path/],
    ["inputs: [{ path: a/../../b, source: a }]", "inputs[0].path", /no "\.\."/],
    ["inputs: [{ path: 'C:/x', source: a }]", "inputs[0].path", /relative path/],
    ["inputs: [{ path: a }]", "inputs[0].source", /is required/],
    ["inputs: [{ path: a, source: b, sha256: abc }]", "inputs[0].sha256", /64 hex characters/],
    ["inputs: [{ path: a, source: b, mode: 644 }]", "inputs[0].mode", /unknown field/],
    ["inputs: [{ path: a, source: b }, { path: ./a, source: c }]", "inputs[1]", /repeats "a" from entry 0/],
    ["outputs: [../secrets]", "outputs[0]", /relative path/],
    ["outputs: [out, out/]", "outputs[1]", /repeats "out"/],
    ['env: { "1x": x }', "env.1x", /variable name/],
    ["env: { PORT: 8080 }", "env.PORT", /quote numbers/],
    ["env: { OCX_LEASE: x }", "env.OCX_LEASE", /reserved/],
    ["env: { CUDA_VISIBLE_DEVICES: '0' }", "env.CUDA_VISIBLE_DEVICES", /reserved/],
    ["env: [A=1]", "env", /mapping of NAME: value/],
    ["network: yes", "network", /true or false, got "yes"/],
    ["maxDuration: 31d", "maxDuration", /from 1s to 30d/],
    ["maxDuration: 0", "maxDuration", /from 1s to 30d/],
    ["maxDuration: soon", "maxDuration", /duration like/],
    ["maxPricePerGpuHour: '-1'", "maxPricePerGpuHour", /decimal string/],
    ["maxPricePerGpuHour: '1.0000000000000000001'", "maxPricePerGpuHour", /18 decimals/],
    ["placement: { regions: [EU] }", "placement.regions[0]", /region/],
    ["placement: { zones: [a] }", "placement.zones", /unknown field; allowed fields are regions/],
    ["restart: always", "restart", /"never", "on-node-restart", got "always"/],
    ["gpu: 1", "gpu", /unknown field/],
  ])("refuses %s at %s", (line, path, message) => {
    // The bad line overrides the same key of the minimal manifest (later keys would be duplicates).
    const key = line.split(":")[0] as string;
    const base = minimal
      .split("\n")
      .filter((row) => !row.startsWith(`${key}:`))
      .join("\n");
    const issues = issuesOf(`${base}\n${line}\n`);
    expect(issues.map((issue) => issue.path)).toEqual([path]);
    expect(issues[0]?.message.startsWith(`${path}: `)).toBe(true);
    expect(issues[0]?.message).toMatch(message);
  });

  it("reports every missing required field and the missing image or command", () => {
    expect(issuesOf("{}").map((issue) => issue.path)).toEqual(["version", "name", "maxDuration", "command"]);
  });

  it("words issues as path, rule and value, and points at the line and column", () => {
    const issues = issuesOf(`${minimal}resources:\n  gpu:\n    count: two\n`);
    expect(issues).toEqual([
      {
        path: "resources.gpu.count",
        message: 'resources.gpu.count: must be an integer from 0 to 64, got "two"',
        value: "two",
        line: 7,
        column: 12,
      },
    ]);
  });

  it("points at the key of an unknown field", () => {
    const [issue] = issuesOf(`${minimal}  \nbogus: 1\n`);
    expect(issue).toMatchObject({ path: "bogus", line: 6, column: 1 });
  });

  it("names the source, the line and the problem in the error message", () => {
    expect(() => parseManifest(`${minimal}network: maybe\n`, { source: "job.yaml" })).toThrow(
      'job.yaml is not a valid OCX manifest (1 problem):\n  job.yaml:5:10: network: must be true or false, got "maybe"',
    );
  });

  it("reports YAML syntax errors with line and column", () => {
    const issues = issuesOf("version: 1\nname: [unclosed\nmaxDuration: 1m\n");
    expect(issues[0]).toMatchObject({ path: "", line: 3 });
    expect(issues[0]?.message).toMatch(/^YAML syntax error: /);
    expect(() => parseManifest("a: 1\n  b: 2\n", { source: "x.yaml" })).toThrow(
      /x.yaml is not valid YAML:\n {2}x.yaml:1:4: /,
    );
  });

  it("refuses duplicate keys and documents that are not mappings", () => {
    expect(issuesOf(`${minimal}name: other\n`)[0]?.message).toMatch(/YAML syntax error: Map keys must be unique/);
    expect(issuesOf("- a\n").map((issue) => issue.message)).toEqual([
      '(manifest): must be a mapping of fields, got ["a"]',
    ]);
  });
});

describe("manifestFromDocument", () => {
  it("checks plain values the same way", () => {
    const manifest = manifestFromDocument({ version: 1, name: "x", image: "alpine", maxDuration: 60 });
    expect(manifest.maxDurationSeconds).toBe(60);
    expect(() => manifestFromDocument({ version: 1, name: "x", image: "alpine", maxDuration: 60, network: 1 })).toThrow(
      "network: must be true or false, got 1",
    );
  });
});
