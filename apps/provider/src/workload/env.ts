// The environment a job sees: its manifest's variables, a PATH and HOME, and the GPU selection.
// Nothing of the node's own environment (which may hold the provider's keys) reaches a job.
import type { WorkloadSpec } from "./types.js";

/** PATH given to jobs that do not set their own. */
export const DEFAULT_JOB_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Error thrown for an environment variable name a shell could not export. */
export class InvalidEnvNameError extends Error {
  override name = "InvalidEnvNameError";
  constructor(variable: string) {
    super(`environment variable name "${variable}" must match ${ENV_NAME}`);
  }
}

/**
 * The job's complete environment. `home` is where the job's folder is seen ("/job" in a
 * sandbox, the host folder for the process executor). The GPU variables come last so a manifest
 * cannot widen its own GPU selection: with no GPUs, CUDA_VISIBLE_DEVICES is "" and
 * NVIDIA_VISIBLE_DEVICES is "void" (the NVIDIA container runtime's word for none).
 */
export function jobEnvironment(
  spec: WorkloadSpec,
  home: string,
  gpuIds: readonly string[] = spec.gpus,
): Record<string, string> {
  for (const name of Object.keys(spec.env)) if (!ENV_NAME.test(name)) throw new InvalidEnvNameError(name);
  return {
    PATH: DEFAULT_JOB_PATH,
    HOME: home,
    TMPDIR: "/tmp",
    OCX_LEASE_ID: spec.leaseId,
    OCX_JOB_DIR: home,
    ...spec.env,
    CUDA_VISIBLE_DEVICES: gpuIds.join(","),
    NVIDIA_VISIBLE_DEVICES: spec.gpus.length > 0 ? spec.gpus.join(",") : "void",
  };
}
