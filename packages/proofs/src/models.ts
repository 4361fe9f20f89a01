// The one table of claimed hardware: each model's int8 throughput and memory, and how a challenge
// for it is sized. Throughput is the slowest form factor sold under the id (an offer's model id
// leaves out PCIe/SXM), so an honest card of the id always fits its deadline.

/** What the protocol believes about one GPU model. */
export type GpuModel = {
  /** Dense int8 tensor throughput in tera-operations per second (one multiply-add = 2 operations). */
  int8DenseTops: number;
  /** Memory as the driver reports it, in MiB. */
  vramMiB: number;
  /** Where the figures come from. */
  source: string;
};

/**
 * Claimed-hardware table, keyed by the OCX model id the provider publishes (see the provider's
 * `gpuModelId`). `cpu` is the TypeScript prover on a development machine, for tests and CPU providers.
 */
export const GPU_MODELS = {
  "nvidia-h200-141gb": {
    int8DenseTops: 1671,
    vramMiB: 143771,
    source: "NVIDIA H200 datasheet: 1,979 TOPS (SXM), 1,671 TOPS (NVL) dense int8",
  },
  "nvidia-h100-80gb": {
    int8DenseTops: 1513,
    vramMiB: 81559,
    source: "NVIDIA H100 datasheet: 1,979 TOPS (SXM), 1,513 TOPS (PCIe) dense int8",
  },
  "nvidia-a100-80gb": { int8DenseTops: 624, vramMiB: 81920, source: "NVIDIA A100 datasheet: 624 TOPS dense int8" },
  "nvidia-a100-40gb": { int8DenseTops: 624, vramMiB: 40960, source: "NVIDIA A100 datasheet: 624 TOPS dense int8" },
  "nvidia-rtx-4090-24gb": {
    int8DenseTops: 660,
    vramMiB: 24564,
    source: "NVIDIA Ada whitepaper: 660.6 TOPS dense int8 (1,321 sparse)",
  },
  "nvidia-l4-24gb": {
    int8DenseTops: 242,
    vramMiB: 23034,
    source: "NVIDIA L4 datasheet: 242 TOPS dense int8 (485 sparse)",
  },
  "nvidia-t4-16gb": { int8DenseTops: 130, vramMiB: 15360, source: "NVIDIA T4 datasheet: 130 TOPS int8" },
  cpu: {
    int8DenseTops: 0.002,
    vramMiB: 1,
    source: "this package's TypeScript prover on one core of a development machine (bench/results/proofs.json)",
  },
} as const satisfies Record<string, GpuModel>;

/** A model id of {@link GPU_MODELS}. */
export type GpuModelId = keyof typeof GPU_MODELS;

/** Share of the claimed memory the working set fills (the rest is the runtime's, CUDA's and the driver's). */
export const WORKING_SET_FILL = 0.8;
/** Bytes per n² of the honest working set: X_{i-1}, B_i and X_i, one int8 matrix each. */
export const WORKING_SET_MATRICES = 3;
/** n is a multiple of this (tensor-core tiles; also what `torch._int_mm` needs: a multiple of 8). */
export const SIZE_GRANULE = 64;
/** The work a challenge asks for, in seconds at the model's listed throughput. */
export const TARGET_WORK_SECONDS = 30;
/**
 * Heuristic: the deadline is this many times the work's time at listed peak throughput. An honest
 * card must reach 1/MARGIN of its peak (int8 GEMM of this size reaches 60–80 % on datacenter parts,
 * unmeasured here); a card whose peak is MARGIN× slower than the claim cannot make it.
 */
export const DEADLINE_MARGIN = 2;
/**
 * Heuristic: rate at which the host hashes Y's n² bytes into the commitment: 8 cores in parallel
 * (python/prove.py --threads 8) at a conservative 1 GB/s each (SHA-256 with SHA-NI does 1.5–2 GB/s).
 * At one core, hashing an H200's Y would take longer than its products (bench/results/proofs.json).
 */
export const COMMIT_BYTES_PER_SECOND = 8e9;
/** Heuristic: fixed allowance for reading the seed, moving the result off the card and posting the root. */
export const DEADLINE_SLACK_SECONDS = 10;

/** How a challenge for one model is sized. */
export type ChallengeSize = {
  /** Matrix side: every matrix of the chain is n×n residues mod 127. */
  n: number;
  /** L: number of products in the chain. */
  steps: number;
  /** 2·L·n³: integer operations of the honest work. */
  operations: number;
  /** Work time at the model's listed throughput. */
  expectedSeconds: number;
  /** Seconds from the seed's block to the posted commitment. */
  deadlineSeconds: number;
  /** Honest working set in bytes (3·n²). */
  workingSetBytes: number;
};

/**
 * Looks a model up; throws a RangeError listing the known ids when it is not in {@link GPU_MODELS}.
 *
 * @example
 * gpuModel("nvidia-h100-80gb").int8DenseTops; // 1513
 */
export function gpuModel(model: string): GpuModel {
  const entry = (GPU_MODELS as Record<string, GpuModel>)[model];
  if (entry === undefined) {
    throw new RangeError(
      `unknown GPU model "${model}": proofs of compute know ${Object.keys(GPU_MODELS).join(", ")}; add it to packages/proofs/src/models.ts`,
    );
  }
  return entry;
}

/**
 * Seconds allowed for a chain of `steps` n×n products on `model`:
 * ⌈MARGIN · 2·L·n³ / throughput + n² / COMMIT_BYTES_PER_SECOND + SLACK⌉.
 *
 * @example
 * deadlineSeconds("cpu", 64, 2); // 11
 */
export function deadlineSeconds(model: string, n: number, steps: number): number {
  const expected = (2 * steps * n ** 3) / (gpuModel(model).int8DenseTops * 1e12);
  return Math.ceil(DEADLINE_MARGIN * expected + (n * n) / COMMIT_BYTES_PER_SECOND + DEADLINE_SLACK_SECONDS);
}

/**
 * Sizes a challenge for a model: n fills {@link WORKING_SET_FILL} of its memory with the three
 * int8 matrices of one step (rounded down to {@link SIZE_GRANULE}), and L makes the work last about
 * {@link TARGET_WORK_SECONDS} at its listed throughput. `n`/`steps` override the table (tests, CPU).
 *
 * @example
 * challengeSize("nvidia-h100-80gb"); // { n: 151104, steps: 7, … }
 */
export function challengeSize(model: string, override: { n?: number; steps?: number } = {}): ChallengeSize {
  const entry = gpuModel(model);
  const fitted =
    Math.floor(Math.sqrt((WORKING_SET_FILL * entry.vramMiB * 2 ** 20) / WORKING_SET_MATRICES) / SIZE_GRANULE) *
    SIZE_GRANULE;
  const n = override.n ?? fitted;
  const perStep = (2 * n ** 3) / (entry.int8DenseTops * 1e12);
  const steps = override.steps ?? Math.max(1, Math.round(TARGET_WORK_SECONDS / perStep));
  return {
    n,
    steps,
    operations: 2 * steps * n ** 3,
    expectedSeconds: steps * perStep,
    deadlineSeconds: deadlineSeconds(model, n, steps),
    workingSetBytes: WORKING_SET_MATRICES * n * n,
  };
}
