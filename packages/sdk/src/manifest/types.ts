// The normalized OCX job manifest: what parsing returns and what the canonical hash covers.
import type { Hex } from "viem";

/** What a provider may do with a job that its own crash interrupted. */
export type RestartPolicy = "never" | "on-node-restart";

/** A file the buyer uploads into the job folder before the job starts. */
export interface ManifestInput {
  /** Where the file lands, relative to the job folder (`data/train.csv`). */
  path: string;
  /**
   * The file or folder on the buyer's machine. Only the buyer needs it: the canonical form
   * (and so the hash) leaves it out.
   */
  source?: string;
  /** sha256 of the file's bytes, 0x-prefixed lowercase hex. Required in the canonical form. */
  sha256?: Hex;
  /** Size in bytes, filled in by `resolveInputs`. */
  size?: number;
}

/** The hardware a job needs, in normalized units. */
export interface ManifestResources {
  gpu: {
    count: number;
    /** Acceptable GPU model ids (`nvidia-h100-80gb`); empty means any model. */
    models: string[];
    /** Least VRAM per GPU in MiB; 0 means no minimum. */
    minVramMiB: number;
  };
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
}

/** A job manifest, normalized: what `parseManifest` returns and what the canonical hash covers. */
export interface Manifest {
  version: 1;
  name: string;
  /** Docker image reference; without it the command runs in the provider's bubblewrap sandbox. */
  image?: string;
  /** The argv to run. A command written as one string becomes `["sh", "-c", command]`. */
  command?: string[];
  resources: ManifestResources;
  inputs: ManifestInput[];
  /** Files or folders, relative to the job folder, collected into the results. */
  outputs: string[];
  env: Record<string, string>;
  network: boolean;
  maxDurationSeconds: number;
  /** Highest acceptable price per GPU-hour in wei (10^-18 OCX). */
  maxPricePerGpuHour?: bigint;
  /** Regions the job may run in; empty means anywhere. */
  placement: { regions: string[] };
  restart: RestartPolicy;
}
