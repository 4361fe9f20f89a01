import { describe, expect, it } from "vitest";
import { canonicalManifest, canonicalManifestHash, manifestHash, parseCanonicalManifest } from "./canonical.js";
import { ManifestError } from "./errors.js";
import { parseManifest } from "./parse.js";
import type { Manifest } from "./types.js";

const sha = (byte: string) => `0x${byte.repeat(32)}` as const;

const yamlA = `
version: 1
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
maxDuration: 1h
maxPricePerGpuHour: "2.5"
placement: { regions: [eu-west] }
`;

// The same manifest written differently: other key order, other layout, other spellings.
const yamlB = `
maxPricePerGpuHour: "2.50"
placement:
  regions:
    - eu-west
env:
  A: "1"
  B: "2"
outputs:
  - out/
inputs:
  - path: ./a.txt
    sha256: ${sha("AA").replace("0x", "")}
    source: elsewhere/a.txt
  - sha256: ${sha("bb")}
    path: b.txt
    source: b.txt
maxDuration: 60m
resources:
  memory: 16384
  cpu: 4000m
  gpu:
    minVram: 81920
    models: [nvidia-h100-80gb]
    count: 1
command: ["sh", "-c", "python train.py"]
image: python:3.12
name: train
version: 1
`;

describe("canonicalManifest", () => {
  it("is the same JSON whatever the key order, YAML layout and spelling", () => {
    const a = canonicalManifest(parseManifest(yamlA));
    expect(canonicalManifest(parseManifest(yamlB))).toBe(a);
    expect(a).toBe(
      '{"command":["sh","-c","python train.py"],"env":{"A":"1","B":"2"},"image":"python:3.12",' +
        `"inputs":[{"path":"a.txt","sha256":"${sha("aa")}"},{"path":"b.txt","sha256":"${sha("bb")}"}],` +
        '"maxDurationSeconds":3600,"maxPricePerGpuHour":"2500000000000000000","name":"train","network":false,' +
        '"outputs":["out"],"placement":{"regions":["eu-west"]},"resources":{"cpuMillicores":4000,"diskMiB":1024,' +
        '"gpu":{"count":1,"minVramMiB":81920,"models":["nvidia-h100-80gb"]},"memoryMiB":16384},"restart":"never","version":1}',
    );
  });

  it("requires a sha256 for every input", () => {
    const manifest = parseManifest(`${yamlA}\n`.replace(`, sha256: ${sha("aa")}`, ""));
    expect(() => canonicalManifest(manifest)).toThrow(ManifestError);
    expect(() => canonicalManifest(manifest)).toThrow(/inputs\[1\]\.sha256: is required .*run resolveInputs/);
  });

  it("refuses a hand-built manifest that breaks the rules, naming the field", () => {
    const manifest = parseManifest(yamlA);
    const broken = { ...manifest, resources: { ...manifest.resources, memoryMiB: 0.5 } };
    expect(() => canonicalManifest(broken)).toThrow(/resources\.memoryMiB: must be an integer from 1 to/);
    const nested = {
      ...manifest,
      inputs: [
        { path: "a", sha256: sha("aa") },
        { path: "a/b", sha256: sha("bb") },
      ],
    };
    expect(() => canonicalManifest(nested)).toThrow(/inputs\[1\]\.path: lies inside "a"/);
  });
});

describe("manifestHash", () => {
  const base = parseManifest(yamlA);
  const hash = manifestHash(base);

  it("is keccak256 of the canonical JSON, 32 bytes of 0x-hex", () => {
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(hash).toBe(canonicalManifestHash(canonicalManifest(base)));
    expect(manifestHash(parseManifest(yamlB))).toBe(hash);
  });

  const changes: [string, (manifest: Manifest) => Manifest][] = [
    ["name", (m) => ({ ...m, name: "train2" })],
    ["image", (m) => ({ ...m, image: "python:3.13" })],
    ["no image", ({ image: _, ...m }) => m],
    ["command", (m) => ({ ...m, command: ["python", "train.py"] })],
    ["gpu count", (m) => ({ ...m, resources: { ...m.resources, gpu: { ...m.resources.gpu, count: 2 } } })],
    ["gpu models", (m) => ({ ...m, resources: { ...m.resources, gpu: { ...m.resources.gpu, models: [] } } })],
    ["min VRAM", (m) => ({ ...m, resources: { ...m.resources, gpu: { ...m.resources.gpu, minVramMiB: 1 } } })],
    ["cpu", (m) => ({ ...m, resources: { ...m.resources, cpuMillicores: 4001 } })],
    ["memory", (m) => ({ ...m, resources: { ...m.resources, memoryMiB: 16385 } })],
    ["disk", (m) => ({ ...m, resources: { ...m.resources, diskMiB: 1025 } })],
    ["input hash", (m) => ({ ...m, inputs: [{ path: "a.txt", sha256: sha("ab") }, m.inputs[0] as never] })],
    ["input path", (m) => ({ ...m, inputs: [{ path: "c.txt", sha256: sha("aa") }, m.inputs[0] as never] })],
    ["input size", (m) => ({ ...m, inputs: m.inputs.map((input) => ({ ...input, size: 1 })) })],
    ["outputs", (m) => ({ ...m, outputs: ["out", "log"] })],
    ["output order", (m) => ({ ...m, outputs: ["log", "out"] })],
    ["env", (m) => ({ ...m, env: { ...m.env, C: "" } })],
    ["network", (m) => ({ ...m, network: true })],
    ["duration", (m) => ({ ...m, maxDurationSeconds: 3601 })],
    ["price", (m) => ({ ...m, maxPricePerGpuHour: 2_500_000_000_000_000_001n })],
    ["no price", ({ maxPricePerGpuHour: _, ...m }) => m],
    ["regions", (m) => ({ ...m, placement: { regions: ["eu-west", "us-east"] } })],
    ["restart", (m) => ({ ...m, restart: "on-node-restart" })],
  ];
  it.each(changes)("changes when the %s changes", (_, change) => {
    expect(manifestHash(change(base))).not.toBe(hash);
  });

  it("ignores where inputs come from on the buyer's machine", () => {
    const moved = { ...base, inputs: base.inputs.map((input) => ({ ...input, source: `/elsewhere/${input.path}` })) };
    expect(manifestHash(moved)).toBe(hash);
  });
});

describe("parseCanonicalManifest", () => {
  const manifest = parseManifest(yamlA);
  const json = canonicalManifest(manifest);

  it("reads back the manifest, without local sources, from text or bytes", () => {
    const { inputs, ...rest } = manifest;
    const parsed = parseCanonicalManifest(json);
    expect(parsed).toEqual({ ...rest, inputs: [...inputs].reverse().map(({ source: _, ...input }) => input) });
    expect(canonicalManifest(parsed)).toBe(json);
    expect(parseCanonicalManifest(new TextEncoder().encode(json))).toEqual(parsed);
  });

  it("refuses JSON that is valid but not byte for byte canonical", () => {
    const pretty = JSON.stringify(JSON.parse(json), null, 2);
    expect(() => parseCanonicalManifest(pretty)).toThrow(/not in canonical form: it differs at character 1/);
    const reordered = json.replace('"version":1', '"version":1,"name":"train"').replace('"name":"train",', "");
    expect(() => parseCanonicalManifest(reordered)).toThrow(/not in canonical form/);
    const duplicated = json.replace('{"command"', '{"name":"other","command"');
    expect(() => parseCanonicalManifest(duplicated)).toThrow(/not in canonical form/);
    const upper = json.replace(sha("aa"), sha("AA"));
    expect(() => parseCanonicalManifest(upper)).toThrow(
      /inputs\[0\]\.sha256: must be a sha256 digest as 0x and 64 lowercase/,
    );
  });

  it("refuses fields that are missing, unknown or out of range, naming them", () => {
    expect(() => parseCanonicalManifest(json.replace('"restart":"never",', ""))).toThrow(/restart: is required/);
    expect(() => parseCanonicalManifest(json.replace('"network":false', '"network":false,"extra":1'))).toThrow(
      /extra: unknown field/,
    );
    expect(() => parseCanonicalManifest(json.replace('"count":1', '"count":100'))).toThrow(
      /resources\.gpu\.count: must be an integer from 0 to 64, got 100/,
    );
    expect(() => parseCanonicalManifest(json.replace('"2500000000000000000"', "2500000000000000000"))).toThrow(
      /maxPricePerGpuHour: must be an amount in wei/,
    );
    expect(() => parseCanonicalManifest(json.replace('"python:3.12"', '"python:3.12","command":"x"'))).toThrow(
      ManifestError,
    );
  });

  it("refuses what is not JSON or not UTF-8", () => {
    expect(() => parseCanonicalManifest("{")).toThrow(/is not JSON/);
    expect(() => parseCanonicalManifest(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});
