import { describe, expect, it } from "vitest";
import { buildDockerRunArgs, createDockerExecutor, dockerEnvFile } from "./docker.js";
import type { WorkloadSpec } from "./types.js";

const spec: WorkloadSpec = {
  leaseId: "42",
  jobDir: "/var/lib/ocx/jobs/42",
  command: ["sh", "-c", "python train.py"],
  env: { TOKEN: "buyer-secret" },
  network: false,
  limits: { memoryMiB: 2048, pids: 256, cpuMillicores: 1500 },
  gpus: ["0", "3"],
  image: "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime",
  stdoutPath: "/var/lib/ocx/leases/42/stdout",
  stderrPath: "/var/lib/ocx/leases/42/stderr",
  exitPath: "/var/lib/ocx/leases/42/exit.json",
};

describe("buildDockerRunArgs", () => {
  it("builds the full docker run argv", () => {
    expect(
      buildDockerRunArgs(
        { ...spec, limits: { ...spec.limits, diskMiB: 1024 } },
        "/var/lib/ocx/leases/42/exit.json.env",
        "/var/lib/ocx/leases/42/exit.json.command",
      ),
    ).toEqual([
      "run",
      "--rm",
      "--name",
      "ocx-42",
      "--init",
      "-v",
      "/var/lib/ocx/jobs/42:/job",
      "-w",
      "/job",
      "--env-file",
      "/var/lib/ocx/leases/42/exit.json.env",
      "-v",
      "/var/lib/ocx/leases/42/exit.json.command:/run/ocx/command:ro",
      "--log-driver",
      "none",
      "--network",
      "none",
      "--memory",
      "2048m",
      "--memory-swap",
      "2048m",
      "--pids-limit",
      "256",
      "--cpus",
      "1.5",
      "--read-only",
      "--tmpfs",
      "/tmp:rw,nosuid,nodev,size=1073741824",
      "--ulimit",
      "fsize=1073741824:1073741824",
      "--gpus",
      '"device=0,3"',
      "--security-opt",
      "no-new-privileges",
      "--cap-drop",
      "ALL",
      "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime",
      "/bin/sh",
      "/run/ocx/command",
    ]);
  });

  it("leaves out what is not asked for and keeps secrets off the command line", () => {
    const args = buildDockerRunArgs({ ...spec, network: true, limits: {}, gpus: [] }, "/env", "/command");
    expect(args).not.toContain("--network");
    expect(args).not.toContain("--read-only");
    expect(args.join(" ")).not.toContain("train.py");
    expect(args).not.toContain("--gpus");
    expect(args).not.toContain("--memory");
    expect(args.join(" ")).not.toContain("buyer-secret");
  });

  it("refuses a spec without an image, and a lease id that cannot name a container", () => {
    expect(() => buildDockerRunArgs({ ...spec, image: undefined }, "/env", "/command")).toThrow(/needs an image/);
    expect(() => buildDockerRunArgs({ ...spec, leaseId: "a b" }, "/env", "/command")).toThrow(/lease id/);
  });

  it("writes the environment with the GPUs renumbered inside the container", () => {
    const file = dockerEnvFile(spec);
    expect(file).toContain("TOKEN=buyer-secret\n");
    expect(file).toContain("CUDA_VISIBLE_DEVICES=0,1\n");
    expect(file).toContain("NVIDIA_VISIBLE_DEVICES=0,3\n");
    expect(() => dockerEnvFile({ ...spec, env: { KEY: "a\nb" } })).toThrow(/line break/);
  });
});

describe("docker executor", () => {
  it("check() reports whether an engine answers (none on the development machines)", async () => {
    const check = await createDockerExecutor().check();
    if (!check.ok) expect(check.reason).toMatch(/^no docker engine: /);
    else expect(check).toEqual({ ok: true });
  });
});
