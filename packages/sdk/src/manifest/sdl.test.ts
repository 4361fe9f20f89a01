import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { manifestHash } from "./canonical.js";
import { fromAkashSdl, SdlError } from "./sdl.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** The issue paths and messages of an SDL that must be refused. */
function refusal(text: string, options = {}) {
  try {
    fromAkashSdl(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SdlError);
    return (error as SdlError).issues.map((issue) => issue.message);
  }
  throw new Error("SDL was imported");
}

const minimal = (service: string, resources = "cpu: { units: 1 }\n        memory: { size: 1Gi }", placement = "{}") => `
version: "2.0"
services:
  job:
${service}
profiles:
  compute:
    p:
      resources:
        ${resources}
  placement:
    dc: ${placement}
deployment:
  job:
    dc: { profile: p, count: 1 }
`;

describe("fromAkashSdl", () => {
  it("imports a GPU service with vendor, model and VRAM, env, args and a uocx price", () => {
    const manifest = fromAkashSdl(fixture("akash-gpu-h100.yaml"));
    expect(manifest).toEqual({
      version: 1,
      name: "llm",
      image: "vllm/vllm-openai:v0.6.3",
      command: ["bash", "-c", "python -m vllm.entrypoints.openai.api_server --model $MODEL"],
      resources: {
        gpu: { count: 1, models: ["nvidia-h100-80gb"], minVramMiB: 0 },
        cpuMillicores: 8000,
        memoryMiB: 65_536,
        diskMiB: 204_800,
      },
      inputs: [],
      outputs: [],
      env: { MODEL: "meta-llama/Llama-3.1-8B-Instruct", HF_HUB_ENABLE_HF_TRANSFER: "1", EMPTY: "" },
      network: true,
      maxDurationSeconds: 3600,
      // 500 uocx per 6 s block = 0.0005 OCX × 600 blocks an hour = 0.3 OCX per GPU-hour.
      maxPricePerGpuHour: 300_000_000_000_000_000n,
      placement: { regions: ["us-west"] },
      restart: "never",
      kind: "job",
      deterministic: false,
      services: [],
      volumes: [],
    });
    expect(manifestHash(manifest)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("imports several GPU models, millicores, decimal sizes and list storage, with the price given", () => {
    const manifest = fromAkashSdl(fixture("akash-multi-gpu.yaml"), { maxPricePerGpuHour: "1.8", maxDuration: "6h" });
    expect(manifest.command).toEqual(["python", "train.py", "--epochs", "3"]);
    expect(manifest.resources).toEqual({
      gpu: { count: 2, models: ["nvidia-a100-40gb", "nvidia-a100-80gb", "nvidia-rtx-4090-24gb"], minVramMiB: 0 },
      cpuMillicores: 1500,
      memoryMiB: 30_518,
      diskMiB: 102_400,
    });
    expect(manifest.maxPricePerGpuHour).toBe(1_800_000_000_000_000_000n);
    expect(manifest.maxDurationSeconds).toBe(21_600);
    expect(manifest.placement.regions).toEqual([]);
  });

  it("imports a CPU-only image with version written as a number", () => {
    const manifest = fromAkashSdl(fixture("akash-cpu-only.yaml"));
    expect(manifest).toMatchObject({
      name: "batch",
      image: "python:3.12-slim",
      resources: { gpu: { count: 0, models: [] }, cpuMillicores: 500, memoryMiB: 512, diskMiB: 1024 },
      placement: { regions: ["eu-central"] },
    });
    expect(manifest.command).toBeUndefined();
  });

  it("divides a uocx price among the GPUs of the instance", () => {
    const sdl = fixture("akash-gpu-h100.yaml").replace("units: 1\n", "units: 4\n");
    expect(fromAkashSdl(sdl).maxPricePerGpuHour).toBe(75_000_000_000_000_000n);
  });

  it("maps any vendor with a model list, and a bare vendor to any model", () => {
    const gpu = (vendor: string) =>
      fromAkashSdl(
        minimal(
          "    image: rocm/pytorch",
          `gpu: { units: 1, attributes: { vendor: ${vendor} } }\n        cpu: { units: 1 }\n        memory: { size: 1Gi }`,
        ),
      ).resources.gpu.models;
    expect(gpu("{ amd: [{ model: mi300x, ram: 192Gi }] }")).toEqual(["amd-mi300x-192gb"]);
    expect(gpu("{ nvidia: }")).toEqual([]);
    expect(gpu("{ nvidia: [{ model: H200, ram: 141GB }] }")).toEqual(["nvidia-h200-141gb"]);
    expect(gpu("{ nvidia: [{ model: a100 }] }")).toEqual(["nvidia-a100-40gb", "nvidia-a100-80gb"]);
    expect(gpu("{ nvidia: [{ model: rtx4090 }, { model: RTX 3090 Ti }, { model: a6000 }] }")).toEqual([
      "nvidia-rtx-4090-24gb",
      "nvidia-rtx-3090-ti-24gb",
      "nvidia-rtx-a6000-48gb",
    ]);
  });

  it("imports a web deployment as a service and refuses what OCX cannot do, naming each SDL field", () => {
    expect(refusal(fixture("akash-web-refused.yaml"))).toEqual([
      "services.web.args: needs command: OCX cannot keep the image's entrypoint and replace only its arguments; write the entrypoint and the arguments in command",
      "services.web.credentials: private registry credentials are not supported yet; use a public image, or ask the provider to preload it",
      'profiles.placement.dc.pricing.web.denom: OCX cannot convert this denomination to OCX; write the amount in "uocx" per block, or remove pricing and pass maxPricePerGpuHour (OCX per GPU-hour) to the import, got "uakt"',
      "deployment.web.dc.count: OCX runs one instance of each service per lease (instances would share the lease's ports); set count: 1 and create one lease per instance, got 3",
    ]);
  });

  it("refuses services in two placements, with the line of the field", () => {
    try {
      fromAkashSdl(fixture("akash-two-services.yaml"), { source: "two.yaml" });
      expect.unreachable();
    } catch (error) {
      const issues = (error as SdlError).issues;
      expect(issues.map((issue) => issue.message)).toEqual([
        "deployment: uses 2 placements (dc, west); the services of one OCX lease run on one provider: use one placement for all, or import the services separately",
      ]);
      expect(issues[0]?.line).toBe(24);
      expect((error as Error).message).toMatch(
        /^two.yaml cannot be imported as an OCX manifest:\n {2}two.yaml:24:\d+: deployment: /,
      );
    }
  });

  it.each([
    ['version: "2.1"', /^version: OCX imports SDL version "2.0", got "2.1"$/],
    ["endpoints: { ip: { kind: ip } }", /^endpoints: OCX leases no IP endpoints; publish the port instead/],
    ["include: x", /^include: unknown SDL field/],
  ])("refuses the top-level field %s", (line, message) => {
    const sdl = minimal("    image: alpine\n    command: [sh]").replace(
      line.startsWith("version") ? 'version: "2.0"' : "",
      "",
    );
    expect(refusal(`${line}\n${sdl}`)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ["    image: alpine\n    command: [sh]\n    env: [=x]", 'services.job.env[0]: must be "NAME=value"'],
    ["    image: alpine\n    command: [sh]\n    env: [1x=y]", "services.job.env[0]: is not a valid variable name"],
    [
      "    image: alpine\n    command: [sh]\n    dependencies: [{ service: db }]",
      "services.job.dependencies: names db, which is not a deployed service (job); deploy it or remove the dependency",
    ],
    [
      "    image: alpine\n    command: [sh]\n    params: { permissions: { read: [deployment] } }",
      "services.job.params.permissions:",
    ],
    [
      "    image: alpine\n    command: [sh]\n    expose: [{ port: 80, to: [{ ip: myip }] }]",
      "services.job.expose[0].to[0].ip:",
    ],
    ["    command: [sh]", "services.job.image: is required"],
    ["    image: 'Not Valid'\n    command: [sh]", "services.job.image: must be a Docker image reference"],
  ])("refuses a bad service field", (service, message) => {
    const messages = refusal(minimal(service));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it("accepts exposed ports that stay inside the deployment", () => {
    const service = "    image: alpine\n    command: [sh]\n    expose: [{ port: 80, as: 80, to: [{ service: job }] }]";
    expect(fromAkashSdl(minimal(service)).network).toBe(true);
  });

  it.each([
    [
      "cpu: { units: lots }\n        memory: { size: 1Gi }",
      "profiles.compute.p.resources.cpu.units: must be a number of cores",
    ],
    [
      "cpu: { units: 2000 }\n        memory: { size: 1Gi }",
      "profiles.compute.p.resources.cpu.units: must be from 0.001 to 1024 cores, got 2000 (as OCX field resources.cpu)",
    ],
    [
      "cpu: { units: 1 }\n        memory: { size: 1Gi }\n        storage: { size: lots }",
      "profiles.compute.p.resources.storage.size:",
    ],
    [
      "cpu: { units: 1 }\n        memory: { size: 1Gi }\n        gpu: { units: 100 }",
      "profiles.compute.p.resources.gpu.units: must be an integer from 0 to 64, got 100",
    ],
    [
      "cpu: { units: 1 }\n        memory: { size: 1Gi }\n        gpu: { units: 1, attributes: { vendor: { nvidia: [{ model: h100 }] }, arch: x } }",
      "profiles.compute.p.resources.gpu.attributes.arch: unknown SDL field",
    ],
    [
      "cpu: { units: 1 }\n        memory: { size: 1Gi }\n        gpu: { units: 1, attributes: { vendor: { nvidia: [{ model: h100, ram: 80 }] } } }",
      'vendor.nvidia[0].ram: must be whole GB like "80Gi"',
    ],
    [
      "cpu: { units: 1 }\n        memory: { size: 1Gi }\n        gpu: { units: 1, attributes: { vendor: { nvidia: [{ model: zz9 }] } } }",
      "vendor.nvidia[0].ram: is needed: OCX does not know the memory sizes of nvidia zz9",
    ],
    ["cpu: { units: 1 }", "profiles.compute.p.resources.memory: is required"],
  ])("refuses a bad resource field", (resources, message) => {
    const messages = refusal(minimal("    image: alpine\n    command: [sh]", resources));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it("reads a CPU-only job's price as per hour (one unit)", () => {
    const placement = "{ pricing: { p: { denom: uocx, amount: 100 } } }";
    const manifest = fromAkashSdl(minimal("    image: alpine\n    command: [sh]", undefined, placement));
    // 100 uocx per block × 600 blocks an hour = 0.06 OCX per hour.
    expect(manifest.maxPricePerGpuHour).toBe(60_000_000_000_000_000n);
  });

  it("refuses deployments that do not match the services, and bad durations", () => {
    const sdl = minimal("    image: alpine\n    command: [sh]").replace("deployment:\n  job:", "deployment:\n  other:");
    expect(refusal(sdl)).toEqual(["deployment.other: deploys a service that is not in services (job)"]);
    expect(refusal(minimal("    image: alpine\n    command: [sh]"), { maxDuration: "forever" })[0]).toMatch(
      /^\(options\)\.maxDuration: must be a duration like/,
    );
    expect(refusal("version: '2.0'\nservices: [\n")[0]).toMatch(/^YAML syntax error/);
  });
});
