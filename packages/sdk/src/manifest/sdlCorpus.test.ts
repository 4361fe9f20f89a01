// The SDL corpus: deployments modelled on what people run on Akash, each imported with its
// result and its warnings asserted.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalManifest, parseCanonicalManifest } from "./canonical.js";
import { gpuModelIds } from "./gpuModels.js";
import { importAkashSdl, SdlError, sdlSizeMiB } from "./sdl.js";

const corpus = (name: string) => readFileSync(new URL(`./fixtures/sdl/${name}`, import.meta.url), "utf8");
const warningPaths = (warnings: { path: string }[]) => warnings.map((warning) => warning.path);

function refusal(text: string, options = {}) {
  try {
    importAkashSdl(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SdlError);
    return (error as SdlError).issues.map((issue) => issue.message);
  }
  throw new Error("SDL was imported");
}

describe("SDL corpus", () => {
  it("vLLM on 2 A100 80GB with a 16Gi /dev/shm and a model cache volume", () => {
    const { manifest, warnings } = importAkashSdl(corpus("vllm-2gpu-shm.yaml"));
    expect(manifest.kind).toBe("service");
    expect(manifest.resources).toEqual({
      gpu: { count: 2, models: ["nvidia-a100-80gb"], minVramMiB: 0 },
      cpuMillicores: 16_000,
      memoryMiB: 64 * 1024 + 16 * 1024, // the shm's ram storage counts in memory
      diskMiB: 50 * 1024 + 300 * 1024, // "300gi": units in any case
    });
    const [vllm] = manifest.services;
    expect(vllm).toMatchObject({
      name: "vllm",
      image: "vllm/vllm-openai:v0.6.3",
      shmMiB: 16_384,
      ports: [{ port: 8000, protocol: "tcp", expose: "public", hosts: [] }],
      mounts: [{ volume: "data", path: "/root/.cache", readOnly: false }],
      env: {
        MODEL: "meta-llama/Llama-3.1-70B-Instruct-AWQ",
        HF_HOME: "/root/.cache/huggingface",
        hf_token: "",
        VLLM_NO_USAGE_STATS: "",
      },
    });
    expect(vllm?.command?.[2]).toMatch(/^python3 -m vllm.entrypoints.openai.api_server --model \$MODEL --tensor/);
    expect(manifest.volumes).toEqual([{ name: "data", sizeMiB: 307_200, class: "persistent" }]);
    // 20000 uocx per block × 600 blocks an hour = 12 OCX an hour, 6 per GPU-hour.
    expect(manifest.maxPricePerGpuHour).toBe(6_000_000_000_000_000_000n);
    expect(warningPaths(warnings)).toEqual([
      "profiles.compute.vllm.resources.storage[1].attributes.class",
      "profiles.compute.vllm.resources.gpu.attributes.vendor.nvidia[0].interface",
    ]);
  });

  it("Stable Diffusion web UI on an RTX 4090 behind the HTTP ingress with a hostname", () => {
    const { manifest, warnings } = importAkashSdl(corpus("stable-diffusion-webui.yaml"), { maxPricePerGpuHour: "0.4" });
    expect(manifest.resources.gpu.models).toEqual(["nvidia-rtx-4090-24gb"]);
    expect(manifest.services[0]?.ports).toEqual([
      {
        port: 7860,
        protocol: "http",
        expose: "public",
        as: 80,
        hosts: ["sd.example.com"],
        http: { maxBodyBytes: 104_857_600, readTimeoutMs: 300_000, sendTimeoutMs: 300_000, nextTries: 3 },
      },
    ]);
    expect(manifest.services[0]?.command).toEqual([
      "/bin/bash",
      "-c",
      "./webui.sh --listen --port 7860 --xformers --api",
    ]);
    expect(manifest.placement).toEqual({ regions: ["us-west"], verified: true, attributes: { tier: "community" } });
    expect(manifest.maxPricePerGpuHour).toBe(400_000_000_000_000_000n);
    expect(warningPaths(warnings)).toEqual([
      "services.sdwebui.expose[0].http_options.next_cases",
      "profiles.compute.sd.resources.storage[1].attributes.class",
      "profiles.placement.akash.signedBy",
    ]);
    expect(warnings[2]?.message).toMatch(/mapped to placement.verified/);
    // Without a price limit the uakt price is refused with what to do.
    expect(refusal(corpus("stable-diffusion-webui.yaml"))).toEqual([
      expect.stringMatching(
        /^profiles.placement.akash.pricing.sd.denom: OCX cannot convert .* pass maxPricePerGpuHour/,
      ),
    ]);
  });

  it("Jupyter on an H100 with a notebook on port 80 and SSH on a forwarded TCP port", () => {
    const { manifest, warnings } = importAkashSdl(corpus("jupyter.yaml"));
    expect(manifest.resources.gpu.models).toEqual(["nvidia-h100-80gb"]);
    expect(manifest.resources.memoryMiB).toBe(32_768); // "32gi"
    expect(manifest.services[0]?.ports).toEqual([
      { port: 8888, protocol: "http", expose: "public", as: 80, hosts: [] },
      { port: 22, protocol: "tcp", expose: "public", as: 2222, hosts: [] },
    ]);
    expect(manifest.volumes).toEqual([{ name: "work", sizeMiB: 102_400, class: "persistent" }]);
    expect(manifest.placement.regions).toEqual(["eu-west"]);
    expect(warnings).toEqual([]);
  });

  it("a web app with PostgreSQL: two services, an internal database port, a persistent volume", () => {
    const { manifest, warnings } = importAkashSdl(corpus("webapp-postgres.yaml"));
    expect(manifest.services.map((service) => service.name)).toEqual(["db", "web"]);
    const [db, web] = manifest.services;
    expect(db).toMatchObject({
      image: "postgres:16-alpine",
      ports: [{ port: 5432, protocol: "tcp", expose: "internal", hosts: [] }],
      mounts: [{ volume: "pgdata", path: "/var/lib/postgresql/data", readOnly: false }],
    });
    expect(db?.command).toBeUndefined(); // the image's own entrypoint
    expect(web).toMatchObject({
      dependsOn: ["db"],
      ports: [
        { port: 3000, protocol: "http", expose: "public", as: 80, hosts: ["shop.example.com", "www.shop.example.com"] },
      ],
      env: { DATABASE_URL: "postgres://shop:secret@db:5432/shop", PORT: "3000" },
    });
    expect(manifest.resources).toEqual({
      gpu: { count: 0, models: [], minVramMiB: 0 },
      cpuMillicores: 1500,
      memoryMiB: 1536,
      diskMiB: 1024 + 1024 + 10_240,
    });
    expect(manifest.placement).toEqual({ regions: [], attributes: { host: "akash" } });
    // (100 + 200) uocx per block × 600 = 0.18 OCX an hour (CPU-only: per hour).
    expect(manifest.maxPricePerGpuHour).toBe(180_000_000_000_000_000n);
    expect(warningPaths(warnings)).toEqual(["profiles.compute.db.resources.storage[1].attributes.class"]);
    expect(parseCanonicalManifest(canonicalManifest(manifest))).toEqual(manifest);
  });

  it("a multi-service agent stack: four services by name, a ram volume, env: null", () => {
    const { manifest, warnings } = importAkashSdl(corpus("agent-stack.yaml"), {
      maxPricePerGpuHour: "0.05",
      name: "agents",
    });
    expect(manifest.name).toBe("agents");
    expect(manifest.services.map((service) => [service.name, service.dependsOn])).toEqual([
      ["agent", ["qdrant", "redis"]],
      ["gateway", ["agent"]],
      ["qdrant", []],
      ["redis", []],
    ]);
    expect(manifest.services[1]?.ports).toEqual([{ port: 80, protocol: "http", expose: "public", hosts: [] }]);
    expect(manifest.services[0]?.env.log_level).toBe("info");
    expect(manifest.services[2]?.env).toEqual({});
    expect(manifest.volumes).toEqual([
      { name: "qdrant-data", sizeMiB: 20_480, class: "persistent" },
      { name: "scratch", sizeMiB: 1024, class: "ram" },
    ]);
    expect(manifest.resources).toMatchObject({ cpuMillicores: 3750, memoryMiB: 128 + 4096 + 1024 + 2048 + 512 });
    expect(warningPaths(warnings)).toEqual([
      "services.redis.expose[0].as",
      "profiles.compute.qdrant.resources.storage[1].attributes.class",
    ]);
  });

  it("a validator node: P2P published on TCP, RPC internal, 1000G of chain data, signedBy", () => {
    const { manifest, warnings } = importAkashSdl(corpus("validator-node.yaml"));
    expect(manifest.services[0]?.ports).toEqual([
      { port: 26656, protocol: "tcp", expose: "public", hosts: [] },
      { port: 26657, protocol: "tcp", expose: "internal", hosts: [] },
      { port: 1317, protocol: "tcp", expose: "internal", hosts: [] },
    ]);
    expect(manifest.volumes).toEqual([{ name: "chain", sizeMiB: sdlSizeMiB("1000G"), class: "persistent" }]);
    expect(manifest.resources.diskMiB).toBe(sdlSizeMiB("10GB") + sdlSizeMiB("1000G"));
    expect(manifest.resources.memoryMiB).toBe(30_518); // 32G = 32×10^9 bytes
    expect(manifest.placement).toEqual({ regions: ["us-west"], verified: true, attributes: { datacenter: "true" } });
    expect(manifest.maxPricePerGpuHour).toBe(600_000_000_000_000_000n);
    expect(warningPaths(warnings)).toEqual([
      "profiles.compute.node.resources.storage[1].attributes.class",
      "profiles.placement.westcoast.signedBy",
    ]);
  });
});

describe("SDL corpus canonical forms", () => {
  const options: Record<string, { maxPricePerGpuHour?: string }> = {
    "stable-diffusion-webui.yaml": { maxPricePerGpuHour: "0.4" },
    "agent-stack.yaml": { maxPricePerGpuHour: "0.05" },
  };
  it.each(
    Object.keys(options).concat(["vllm-2gpu-shm.yaml", "jupyter.yaml", "webapp-postgres.yaml", "validator-node.yaml"]),
  )("%s round-trips through its canonical JSON, as a provider reads it", (file) => {
    const { manifest } = importAkashSdl(corpus(file), options[file] ?? {});
    const json = canonicalManifest(manifest);
    expect(json).toContain('"kind":"service"');
    expect(parseCanonicalManifest(json)).toEqual(manifest);
  });
});

describe("SDL details", () => {
  it("reads sizes in any case Akash accepts", () => {
    expect(["512Mi", "512mi", "512MI", "512Mib", "536870912"].map(sdlSizeMiB)).toEqual([512, 512, 512, 512, 512]);
    expect(["1G", "1g", "1GB", "1gb"].map(sdlSizeMiB)).toEqual([954, 954, 954, 954]);
    expect([sdlSizeMiB("1.5Gi"), sdlSizeMiB("100k"), sdlSizeMiB(1)]).toEqual([1536, 1, 1]);
    expect(() => sdlSizeMiB("12 parsecs")).toThrow(/units in any case/);
  });

  it("maps GPU names to the ids providers publish", () => {
    expect(gpuModelIds("nvidia", "a100", 80).ids).toEqual(["nvidia-a100-80gb"]);
    expect(gpuModelIds("nvidia", "rtx4090").ids).toEqual(["nvidia-rtx-4090-24gb"]);
    expect(gpuModelIds("nvidia", "h100").ids).toEqual(["nvidia-h100-80gb"]);
    expect(gpuModelIds("nvidia", "t4").ids).toEqual(["nvidia-t4-16gb"]);
    expect(gpuModelIds("nvidia", "l40s").ids).toEqual(["nvidia-l40s-48gb"]);
    expect(gpuModelIds("nvidia", "rtxa6000").ids).toEqual(["nvidia-rtx-a6000-48gb"]);
    expect(gpuModelIds("nvidia", "zz9")).toEqual({ ids: [], known: false });
  });

  const sdl = (service: string, extra = "", count = 1) => `
version: "2.0"
services:
  app:
${service}
profiles:
  compute:
    p:
      resources:
        cpu: { units: 1 }
        memory: { size: 1Gi, attributes: { arch: x } }
        storage: { size: 1Gi }
${extra}
  placement:
    dc: {}
deployment:
  app:
    dc: { profile: p, count: ${count} }
`;

  it("warns about what it drops and refuses what it cannot run, with the alternative", () => {
    const { manifest, warnings } = importAkashSdl(
      sdl("    image: nginx\n    expose: [{ port: 80, to: [{ global: true }] }]"),
    );
    expect(manifest.services[0]?.ports[0]).toMatchObject({ protocol: "http", expose: "public" });
    expect(warnings.map((warning) => warning.message)).toEqual([
      "profiles.compute.p.resources.memory.attributes: is dropped: OCX does not match memory attributes",
    ]);
    expect(refusal(sdl("    image: nginx", "", 3))).toEqual([
      expect.stringMatching(
        /^deployment.app.dc.count: OCX runs one instance of each service per lease .* create one lease per instance, got 3$/,
      ),
    ]);
    expect(refusal(sdl("    image: nginx\n    expose: [{ port: 53, proto: udp, to: [{ global: true }] }]"))).toEqual([
      expect.stringMatching(/^services.app.expose\[0\].proto: OCX forwards TCP and HTTP only/),
    ]);
    expect(
      refusal(sdl("    image: nginx\n    expose: [{ port: 80, to: [{ global: true }] }]"), { kind: "job" }),
    ).toEqual([expect.stringMatching(/^services.app.expose\[0\].to: a job has no public ports; import as a service/)]);
  });

  it("imports a single service without public ports or volumes as a job, keeping its hash", () => {
    const { manifest, warnings } = importAkashSdl(
      sdl("    image: alpine\n    command: [sh]\n    expose: [{ port: 80 }]"),
    );
    expect(manifest.kind).toBe("job");
    expect(manifest.services).toEqual([]);
    expect(canonicalManifest(manifest)).not.toContain("kind");
    expect(warningPaths(warnings)).toEqual(["services.app.expose", "profiles.compute.p.resources.memory.attributes"]);
    expect(importAkashSdl(sdl("    image: alpine\n    command: [sh]"), { kind: "service" }).manifest.kind).toBe(
      "service",
    );
  });

  it("names services that are listed but not deployed, and refuses storage nobody declared", () => {
    const text = sdl("    image: nginx\n    params: { storage: { data: { mount: /data } } }").replace(
      "services:\n",
      "services:\n  spare:\n    image: redis\n",
    );
    const issues = refusal(text);
    expect(issues).toEqual([
      "services.app.params.storage.data: names no persistent or ram storage entry of profile p; declare it under its storage",
    ]);
  });
});
