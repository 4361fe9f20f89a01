// The provider's config template: what `ocx-provider init` writes must parse as it is, for a GPU
// machine and for a CPU-only one, and describe the machine it was built on.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configTemplate, parseConfig } from "./config.js";

const cpu = { cores: 16, memoryMiB: 64 * 1024, diskFreeMiB: 500 * 1024 };

describe("the config template", () => {
  it("parses with parseConfig on a GPU machine, with one offer of one GPU per lease and a lease per GPU", () => {
    const text = configTemplate({
      gpus: [
        { modelId: "nvidia-h100-80gb", name: "NVIDIA H100 80GB HBM3" },
        { modelId: "nvidia-h100-80gb", name: "NVIDIA H100 80GB HBM3" },
      ],
      cpu,
    });
    const config = parseConfig(text, { baseDir: "/srv/ocx" });
    expect(config.offers).toHaveLength(1);
    expect(config.offers[0]).toMatchObject({ gpus: 1, maxLeases: 2, cpu: 4, memoryMiB: 16384 });
    expect(config.retention.keepEndedLeasesHours).toBe(72);
    expect(config.disk.reserveMiB).toBe(2048);
    expect(config.quotes).toEqual({ enabled: true, expirySeconds: 120 });
    expect(config.stateDir).toBe("/srv/ocx/.ocx/provider");
    expect(text).toContain("# Found 2 GPU(s): NVIDIA H100 80GB HBM3.");
  });

  it("parses on a CPU-only machine, with a CPU offer and the reason no GPU was found", () => {
    const text = configTemplate(
      { gpus: [], cpu, noGpuReason: "nvidia-smi not found" },
      { rpcUrl: "http://10.0.0.2:8545", deployment: "/etc/ocx/31337.json", stateDir: "/var/lib/ocx" },
    );
    const config = parseConfig(text);
    expect(config.offers[0]).toMatchObject({ gpus: 0, maxLeases: 2 });
    expect(config.chain).toMatchObject({ rpcUrl: "http://10.0.0.2:8545", deployment: "/etc/ocx/31337.json" });
    expect(config.stateDir).toBe("/var/lib/ocx");
    expect(text).toContain("No GPU found (nvidia-smi not found)");
  });

  it("is what `ocx-provider init` prints, and writes with --out (never over a file without --force)", () => {
    const bin = path.join(import.meta.dirname, "bin.ts");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", bin, "init", ...args], { encoding: "utf8", timeout: 60_000 });
    const printed = run("--rpc-url", "http://127.0.0.1:9999");
    expect(printed.status).toBe(0);
    expect(parseConfig(printed.stdout).chain.rpcUrl).toBe("http://127.0.0.1:9999");

    const out = path.join(mkdtempSync(path.join(tmpdir(), "ocx-init-")), "provider.yaml");
    expect(run("--out", out).status).toBe(0);
    expect(parseConfig(readFileSync(out, "utf8")).offers).toHaveLength(1);
    const again = run("--out", out);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("exists; pass --force to replace it");
  });
});

describe("offer prices", () => {
  const withPrice = (price: string) =>
    configTemplate({ gpus: [], cpu }).replace(/pricePerGpuHour: "0\.05"/, `pricePerGpuHour: "${price}"`);

  it("reads dollars per GPU-hour exactly, with or without $", () => {
    expect(parseConfig(withPrice("1.20")).offers[0]?.pricePerGpuHour).toBe(1_200_000_000_000_000_000n);
    expect(parseConfig(withPrice("$1.20")).offers[0]?.pricePerGpuHour).toBe(1_200_000_000_000_000_000n);
  });

  it("refuses a price written in OCX, saying prices are dollars of credits", () => {
    expect(() => parseConfig(withPrice("2.5 OCX"))).toThrow(/pricePerGpuHour.*dollars of credits/s);
    expect(() => parseConfig(withPrice("1,20"))).toThrow(/decimal amount of dollars such as "1\.20"/);
  });
});
