// Test support: a fresh lease folder layout for one workload (not shipped; used by *.test.ts).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { WorkloadSpec } from "./types.js";

/** A spec in a new temporary folder: job folder, logs and exit record side by side. */
export function temporarySpec(overrides: Partial<WorkloadSpec> = {}): {
  spec: WorkloadSpec;
  root: string;
  stdout: () => string;
  stderr: () => string;
  cleanup: () => void;
} {
  const root = mkdtempSync(path.join(os.tmpdir(), "ocx-workload-"));
  // bwrap runs as the sandbox user (nobody) and must pass through the folders above /job.
  chmodSync(root, 0o711);
  const jobDir = path.join(root, "job");
  mkdirSync(jobDir);
  const leaseId = `t${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const spec: WorkloadSpec = {
    leaseId,
    jobDir,
    command: ["true"],
    env: {},
    network: false,
    limits: {},
    gpus: [],
    stdoutPath: path.join(root, "stdout.log"),
    stderrPath: path.join(root, "stderr.log"),
    exitPath: path.join(root, "exit.json"),
    ...overrides,
  };
  const read = (file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  return {
    spec,
    root,
    stdout: () => read(spec.stdoutPath),
    stderr: () => read(spec.stderrPath),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
