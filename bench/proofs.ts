// Proof of compute on this machine's CPU: prove and verify times for several sizes, where the
// prover's time goes (matrix derivation, products, hashing the commitment), and verify/prove.
// Run: npm run bench:proofs. Prints the figures and writes bench/results/proofs.json.
// Goal: verifying costs under 1 % of proving at the largest size measured.
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import {
  COMMIT_BYTES_PER_SECOND,
  challengeSize,
  DEFAULT_OPENED_ROWS,
  DEFAULT_REPETITIONS,
  deriveAudit,
  deriveChallenge,
  GPU_MODELS,
  type Hex,
  passProbabilityBound,
  proveChallenge,
  verifyOpening,
} from "@ocx/proofs";

const SIZES = (process.env.BENCH_SIZES ?? "128,256,512,1024,1536").split(",").map(Number);
const STEPS = Number(process.env.BENCH_STEPS ?? 4);
const k = DEFAULT_OPENED_ROWS;
const t = DEFAULT_REPETITIONS;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const seed = (byte: string) => `0x${byte.repeat(32)}` as Hex;
const loadBefore = loadavg()[0] as number;
// CPU time of this (single-threaded) process: steadier than wall time on a shared, loaded machine.
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// Warm the JIT on a small size so the first measured size is not a compile-time figure.
{
  const warm = deriveChallenge({
    seed: seed("01"),
    provider: `0x${"ab".repeat(20)}`,
    gpuIndex: 0,
    model: "cpu",
    n: 64,
    steps: 2,
  });
  const session = proveChallenge(warm);
  const audit = deriveAudit({ challenge: warm, commitment: session.commitment, checkSeed: seed("02") });
  verifyOpening({
    challenge: warm,
    commitment: session.commitment,
    checkSeed: seed("02"),
    opening: session.open(audit),
  });
}

const sizes = [];
for (const n of SIZES) {
  const challenge = deriveChallenge({
    seed: seed("11"),
    provider: `0x${"ab".repeat(20)}`,
    gpuIndex: 0,
    model: "cpu",
    n,
    steps: STEPS,
  });
  const started = performance.now();
  const proveCpuStarted = cpuMs();
  const session = proveChallenge(challenge);
  const committedMs = performance.now() - started;
  const checkSeed = seed("22");
  const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed });
  const openStarted = performance.now();
  const opening = session.open(audit);
  const openMs = performance.now() - openStarted;
  const proveMs = committedMs + openMs;
  const proveCpuMs = cpuMs() - proveCpuStarted;
  // A validator verifies many proofs: take the median of three runs (the first includes JIT tier-up).
  const verifications = [0, 1, 2].map(() => {
    const cpuStarted = cpuMs();
    const verdict = verifyOpening({ challenge, commitment: session.commitment, checkSeed, opening });
    if (!verdict.ok) throw new Error(`honest proof refused at n=${n}: ${verdict.message}`);
    return { wallMs: verdict.verifyMs, cpuMs: cpuMs() - cpuStarted };
  });
  const middle = (values: number[]) => values.sort((a, b) => a - b)[1] as number;
  const verifyCpuMs = middle(verifications.map((v) => v.cpuMs));
  const verdict = { verifyMs: middle(verifications.map((v) => v.wallMs)) };
  const { deriveMs, productMs, commitMs } = session.timings;
  const macs = STEPS * n ** 3;
  const row = {
    n,
    steps: STEPS,
    proveMs: round(proveMs),
    deriveMs: round(deriveMs),
    productMs: round(productMs),
    commitMs: round(commitMs),
    openMs: round(openMs),
    verifyMs: round(verdict.verifyMs),
    proveCpuMs: round(proveCpuMs),
    verifyCpuMs: round(verifyCpuMs),
    // CPU time, so that other processes on the machine do not skew the ratio.
    verifyOverProve: round(verifyCpuMs / proveCpuMs, 5),
    // What committing every X_i instead of Y alone would add, as a share of the products.
    hashEveryStepOverProduct: round((STEPS * commitMs) / productMs, 4),
    nsPerMultiplyAdd: round((productMs * 1e6) / macs, 2),
  };
  sizes.push(row);
  console.log(
    `n=${n} L=${STEPS}: prove ${row.proveMs} ms (derive ${row.deriveMs}, products ${row.productMs}, commit ${row.commitMs}, open ${row.openMs}), ` +
      `verify ${row.verifyMs} ms; CPU time: prove ${row.proveCpuMs} ms, verify ${row.verifyCpuMs} ms, verify/prove ${(100 * row.verifyOverProve).toFixed(2)} %; ${row.nsPerMultiplyAdd} ns per multiply-add`,
  );
}

// What the table asks of each GPU model, and what hashing its commitment costs at the assumed rate.
const models = Object.fromEntries(
  Object.keys(GPU_MODELS)
    .filter((model) => model !== "cpu")
    .map((model) => {
      const size = challengeSize(model);
      const commitSeconds = (size.n * size.n) / COMMIT_BYTES_PER_SECOND;
      return [
        model,
        {
          n: size.n,
          steps: size.steps,
          expectedSeconds: round(size.expectedSeconds),
          deadlineSeconds: size.deadlineSeconds,
          workingSetGiB: round(size.workingSetBytes / 2 ** 30, 2),
          commitSecondsAssumed: round(commitSeconds, 2),
          commitSecondsOneCoreAt1GBps: round((size.n * size.n) / 1e9, 1),
          commitOverWork: round(commitSeconds / size.expectedSeconds, 3),
        },
      ];
    }),
);

const largest = sizes[sizes.length - 1];
const result = {
  measuredAt: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, load average ${round(loadBefore)} before, ${round(loadavg()[0] as number)} after`,
  prover: "TypeScript, one thread",
  audit: { k, t, passBoundAtF10Percent: passProbabilityBound({ f: 0.1, k, t }) },
  sizes,
  goal: "verify/prove < 1 % at the largest size",
  goalMet: largest !== undefined && largest.verifyOverProve < 0.01,
  gpuModels: models,
};
console.log(
  `verify/prove at n=${largest?.n}: ${(100 * (largest?.verifyOverProve ?? 0)).toFixed(2)} % (goal < 1 %: ${result.goalMet ? "met" : "NOT met"})`,
);
const out = path.join(import.meta.dirname, "results", "proofs.json");
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
