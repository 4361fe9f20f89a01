// A challenge's heavy work, off the event loop: the proof (TypeScript prover in a worker thread, or
// the GPU prover as a child process), the opening once the audit is drawn, and the dispute trace.
// Everything a later answer needs is saved under <stateDir>/challenges/<id>/ so that a restarted
// node answers openings and dispute rounds without proving again:
//   challenge.json  the Challenge;  y.bin  the committed matrix Y (n² residues, row-major);
//   commitment.json the root;       opening.json  the Opening, once the audit is known.
import { spawn } from "node:child_process";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type Challenge, deriveChallenge, encodeChallenge, type Hex, type Opening, sha256, toHex } from "@ocx/proofs";

/** Test-only cheating provers (config `challenges.cheat`, refused unless OCX_ALLOW_CHEATING=1). */
export type CheatMode = "skipping" | "faking";
/** Which prover computes the chain: the TypeScript one (CPU) or python prove.py with a backend. */
export type ProverKind = "ts" | "python-torch" | "python-numpy";

/** Share of Y's rows the `skipping` cheater leaves uncomputed. */
export const SKIPPING_FRACTION = 0.5;

/** Where a challenge's files live. */
export function workDir(stateDir: string, id: bigint): string {
  return path.join(stateDir, "challenges", id.toString());
}

/**
 * The proofs package's Challenge for the contract's fields: `deriveChallenge` with the contract's n
 * and steps, and the contract's deadline (deadlineAt − the challenge block's time), which is what the
 * contract hashes into its workId. Throws when the contract's workId (once stored) differs.
 * @example
 * const challenge = challengeFromChain({ seed, provider, gpuIndex: 0, model: "cpu", n: 128, steps: 2, deadlineSeconds: 11 });
 */
export function challengeFromChain(fields: {
  seed: Hex;
  provider: Hex;
  gpuIndex: number;
  model: string;
  n: number;
  steps: number;
  deadlineSeconds: number;
  workId?: Hex | undefined;
}): Challenge {
  const derived = deriveChallenge({
    seed: fields.seed,
    provider: fields.provider,
    gpuIndex: fields.gpuIndex,
    model: fields.model,
    n: fields.n,
    steps: fields.steps,
  });
  let challenge = derived;
  if (derived.deadlineSeconds !== fields.deadlineSeconds) {
    const { id: _ignored, ...body } = derived;
    const withDeadline = { ...body, deadlineSeconds: fields.deadlineSeconds };
    challenge = { ...withDeadline, id: toHex(sha256(encodeChallenge(withDeadline))) };
  }
  const zero = `0x${"0".repeat(64)}`;
  if (fields.workId && fields.workId !== zero && fields.workId.toLowerCase() !== challenge.id) {
    throw new Error(
      `the contract's workId ${fields.workId} differs from the challenge id ${challenge.id} derived from its fields; the provider and the contract disagree on the challenge encoding`,
    );
  }
  return challenge;
}

// The worker's code, evaluated in a worker thread: @ocx/proofs is imported by absolute URL so the
// worker needs no module of this package (it runs the same from src under vitest and from dist).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
(async () => {
  const p = await import(workerData.proofsUrl);
  const { task, challenge, dir, cheat, fraction } = workerData;
  const n = challenge.n;
  const keys = p.challengeKeys(challenge);
  const started = performance.now();
  if (task === "prove") {
    let y;
    let timings = { deriveMs: 0, productMs: 0 };
    if (cheat === "faking") y = new Uint8Array(n * n);
    else {
      const skipped = cheat === "skipping" ? Math.max(1, Math.floor(fraction * n)) : 0;
      const kept = [];
      for (let j = skipped; j < n; j++) kept.push(j);
      const run = p.runChain(keys, n, cheat === "skipping" ? { finalColumns: kept } : {});
      y = run.result;
      timings = run.timings;
    }
    const session = p.commitResult(challenge, y, timings);
    fs.writeFileSync(dir + "/y.bin.tmp", y);
    fs.renameSync(dir + "/y.bin.tmp", dir + "/y.bin");
    parentPort.postMessage({ root: session.commitment.root, timings: session.timings, ms: performance.now() - started });
  } else if (task === "open") {
    const y = new Uint8Array(fs.readFileSync(dir + "/y.bin"));
    if (y.length !== n * n) throw new Error("y.bin holds " + y.length + " bytes, expected n*n = " + n * n);
    const audit = p.deriveAudit({ challenge, commitment: workerData.commitment, checkSeed: workerData.checkSeed, k: workerData.k, t: workerData.t });
    let opening;
    if (cheat === "faking") opening = p.fakingProver()(challenge).open(audit);
    else {
      opening = p.commitResult(challenge, y).open(audit);
      // The skipping cheater answers the products through the chain's shortcut, so they are right.
      if (cheat === "skipping") opening.products = p.chainTimesVectors(keys, n, audit.vectors).map(p.toHex);
    }
    parentPort.postMessage({ opening, ms: performance.now() - started });
  } else if (task === "trace") {
    if (typeof p.chainTrace !== "function") throw new Error("@ocx/proofs has no chainTrace yet (packages/proofs/src/trace.ts)");
    const trace = p.chainTrace(keys, n, p.fromHex(workerData.vector, n, "audit vector"));
    parentPort.postMessage({ trace: trace.map((v) => p.toHex(v)), ms: performance.now() - started });
  } else throw new Error("unknown task " + task);
})().catch((error) => { throw error; });
`;

const proofsUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve("@ocx/proofs")).href;
/** @ocx/proofs' python/ folder (prove.py), beside its dist/. */
const proofsPythonDir = (): string =>
  path.join(path.dirname(path.dirname(createRequire(import.meta.url).resolve("@ocx/proofs"))), "python");

/** Runs one task in a fresh worker thread; rejects with the worker's error. */
function inWorker<T>(data: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("the node is stopping: no new proof work"));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...data, proofsUrl: proofsUrl() } });
    const stop = () => void worker.terminate();
    signal?.addEventListener("abort", stop, { once: true });
    worker.once("exit", () => signal?.removeEventListener("abort", stop));
    let answered = false;
    worker.once("message", (message: T) => {
      answered = true;
      resolve(message);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the prover worker exited with code ${code} before answering`));
    });
  });
}

/** What a finished proof hands back. */
export interface ProofResult {
  root: Hex;
  /** Wall time of the proof, in milliseconds. */
  ms: number;
}

/**
 * Proves `challenge` and saves what the later answers need (challenge.json, y.bin, commitment.json)
 * in `dir`. The TypeScript prover runs in a worker thread; `python-*` runs python/prove.py's chain
 * through the GPU driver script (see gpuProver.py) as a child process.
 * @example
 * const { root } = await prove({ challenge, dir: workDir(stateDir, 7n), prover: "ts" });
 */
export async function prove(options: {
  challenge: Challenge;
  dir: string;
  prover: ProverKind;
  cheat?: CheatMode | undefined;
  python?: string;
  /** Aborting ends the worker or child process (the node is stopping). */
  signal?: AbortSignal;
}): Promise<ProofResult> {
  const { challenge, dir } = options;
  await mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, "challenge.json"), JSON.stringify(challenge));
  let result: ProofResult;
  if (options.prover === "ts" || options.cheat) {
    result = await inWorker<ProofResult>(
      {
        task: "prove",
        challenge,
        dir,
        cheat: options.cheat,
        fraction: SKIPPING_FRACTION,
      },
      options.signal,
    );
  } else {
    const backend = options.prover === "python-torch" ? "torch" : "numpy";
    result = await provePython(
      dir,
      backend,
      options.python,
      options.signal,
      backend === "torch" ? challenge.gpuIndex : undefined,
    );
  }
  await writeAtomic(
    path.join(dir, "commitment.json"),
    JSON.stringify({ challengeId: challenge.id, root: result.root }),
  );
  return result;
}

/**
 * The opening for the audit drawn from `checkSeed`, computed in a worker from the saved Y and saved
 * as opening.json (a second call returns the saved one).
 * @example
 * const opening = await openSaved({ challenge, dir, root, checkSeed, k: 8, t: 2 });
 */
export async function openSaved(options: {
  challenge: Challenge;
  dir: string;
  root: Hex;
  checkSeed: Hex;
  k: number;
  t: number;
  cheat?: CheatMode | undefined;
  /** The prover that made y.bin (default ts); python provers open through gpuProver.py. */
  prover?: ProverKind;
  python?: string;
  signal?: AbortSignal;
}): Promise<Opening> {
  const saved = await readOpening(options.dir);
  if (saved) return saved;
  if (options.prover && options.prover !== "ts" && !options.cheat) {
    // A GPU-sized Y does not fit a JavaScript array: the Python driver opens it memory-mapped.
    const output = await runPython(
      options.python ?? "python3",
      [
        "open",
        ...["--challenge", path.join(options.dir, "challenge.json"), "--dir", options.dir],
        ...["--check-seed", options.checkSeed, "--k", String(options.k), "--t", String(options.t)],
      ],
      options.signal,
    );
    const opening = JSON.parse(output) as Opening;
    await writeAtomic(path.join(options.dir, "opening.json"), JSON.stringify(opening));
    return opening;
  }
  const { opening } = await inWorker<{ opening: Opening }>(
    {
      task: "open",
      challenge: options.challenge,
      dir: options.dir,
      commitment: { challengeId: options.challenge.id, root: options.root },
      checkSeed: options.checkSeed,
      k: options.k,
      t: options.t,
      cheat: options.cheat,
    },
    options.signal,
  );
  await writeAtomic(path.join(options.dir, "opening.json"), JSON.stringify(opening));
  return opening;
}

/** The saved opening of a challenge, if its audit has been answered. */
export async function readOpening(dir: string): Promise<Opening | undefined> {
  const text = await readFile(path.join(dir, "opening.json"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Opening);
}

/** The saved Challenge, if the proof started. */
export async function readChallenge(dir: string): Promise<Challenge | undefined> {
  const text = await readFile(path.join(dir, "challenge.json"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Challenge);
}

/** The saved commitment's root, if the proof finished. */
export async function readRoot(dir: string): Promise<Hex | undefined> {
  const text = await readFile(path.join(dir, "commitment.json"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as { root: Hex }).root;
}

/**
 * The chain's trace through audit vector r (v_0 = r … v_{L+1} = Y·r), computed in a worker with
 * @ocx/proofs `chainTrace`: what a products dispute is answered from.
 */
export async function traceOf(challenge: Challenge, vector: Hex, signal?: AbortSignal): Promise<Hex[]> {
  const { trace } = await inWorker<{ trace: Hex[] }>({ task: "trace", challenge, vector }, signal);
  return trace;
}

/** The GPU driver script beside this module's source (dist/challenges → src/challenges in this repository). */
export function gpuProverScript(): string {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const beside = path.join(here, "gpuProver.py");
  return here.includes(`${path.sep}dist${path.sep}`)
    ? beside.replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`)
    : beside;
}

async function provePython(
  dir: string,
  backend: "torch" | "numpy",
  python = "python3",
  signal?: AbortSignal,
  gpuIndex?: number,
): Promise<ProofResult> {
  const started = performance.now();
  const output = await runPython(
    python,
    ["prove", "--challenge", path.join(dir, "challenge.json"), "--dir", dir, "--backend", backend],
    signal,
    // The challenged card and no other: its nvidia-smi index, in PCI bus order as nvidia-smi counts.
    gpuIndex === undefined ? {} : { CUDA_DEVICE_ORDER: "PCI_BUS_ID", CUDA_VISIBLE_DEVICES: String(gpuIndex) },
  );
  const parsed = JSON.parse(output) as { commitment: { root: Hex } };
  return { root: parsed.commitment.root, ms: performance.now() - started };
}

/** Runs gpuProver.py with `args`; resolves with its stdout, rejects with the end of its stderr. */
function runPython(
  python: string,
  args: string[],
  signal?: AbortSignal,
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(python, [gpuProverScript(), ...args], {
      env: { ...process.env, OCX_PROOFS_PYTHON: proofsPythonDir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(signal ? { signal } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.once("error", (error) =>
      reject(
        new Error(
          `cannot run ${python} for the GPU prover: ${error.message}; install Python 3 (with PyTorch for python-torch) or set challenges.python`,
        ),
      ),
    );
    child.once("exit", (code, signalName) =>
      code === 0
        ? resolve(stdout)
        : reject(
            new Error(
              `the GPU prover (${args[0]}) exited with ${code ?? signalName}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
            ),
          ),
    );
  });
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}
