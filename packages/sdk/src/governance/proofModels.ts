// Governance proposals over ProofOfCompute's model table (how a hardware challenge is sized per GPU model):
// `nvidia-h100-80gb 150016 8` → a setModel call, checked as the contract checks it before any transaction; and
// such a call → "ProofOfCompute.setModel: nvidia-h100-80gb.n 150976 → 150016, …", against the table at a block.
import { challengeSize, GPU_MODELS, MAX_N_SYMMETRIC_ACCUMULATION } from "@ocx/proofs";
import type { Hex } from "viem";
import { encodeFunctionData } from "viem";
import { readContract } from "viem/actions";
import type { ReadClient } from "../actions/internal/contract.js";
import { proofModelTable } from "../deploy.js";
import type { Deployment } from "../deployment.js";
import { proofOfComputeAbi } from "../generated/abis.js";
import { fromLabel, LabelError, toLabel } from "../units.js";
import { type CallChange, type CallDescription, GovernanceParameterError, governedContracts } from "./governed.js";
import type { DescribeDecodedCallParameters, EncodedChange } from "./parameters.js";

/** Parameters of `encodeModelChange`. */
export interface EncodeModelChangeParameters {
  deployment: Deployment;
  /** The GPU model id, as offers and @ocx/proofs' GPU_MODELS name it, e.g. "nvidia-h100-80gb" or "cpu". */
  model: string;
  /** Matrix side n; by default the size deployOcx writes (@ocx/proofs `challengeSize`). */
  n?: number;
  /** L, products in the chain; by default the size deployOcx writes. */
  steps?: number;
  /** Seconds from the seed to the commitment; by default @ocx/proofs' `deadlineSeconds` for the model, n and L. */
  deadlineSeconds?: number;
  /** Remove the model from the table instead (challenges for it are then refused). */
  remove?: boolean;
}

const fields = ["n", "steps", "deadlineSeconds"] as const;

/**
 * One `ProofOfCompute.setModel` call for a proposal, with its description. The entry is checked as the contract
 * checks it, before any transaction: n a multiple of 4 from 4 to MAX_N, steps (L) from 1 to MAX_STEPS, the deadline
 * from 1 s to MAX_DEADLINE (the limits read from the contract); n also at most @ocx/proofs'
 * MAX_N_SYMMETRIC_ACCUMULATION, beyond which a GPU prover's int32 sums overflow. A model @ocx/proofs does not know
 * is refused (providers and validators derive every challenge from its table); an entry equal to the table's, or
 * removing a model the table lacks, changes nothing and is refused too.
 * @example
 * const { call, summary } = await encodeModelChange(publicClient, { deployment, model: "nvidia-l4-24gb", steps: 12 });
 */
export async function encodeModelChange(
  client: ReadClient,
  parameters: EncodeModelChangeParameters,
): Promise<EncodedChange> {
  const { deployment, model } = parameters;
  const contract = governedContracts(deployment).find((c) => c.key === "proofOfCompute");
  if (!contract)
    throw new GovernanceParameterError("this deployment has no ProofOfCompute, which holds the model table");
  let label: Hex;
  try {
    label = toLabel(model);
  } catch (error) {
    if (!(error instanceof LabelError)) throw error;
    throw new GovernanceParameterError(`model "${model}" must be at most 31 printable ASCII characters`);
  }
  if (model === "") throw new GovernanceParameterError("the model id is empty; give one, e.g. nvidia-h100-80gb");
  const current = await readContract(client, {
    address: contract.address,
    abi: proofOfComputeAbi,
    functionName: "modelSize",
    args: [label],
  });
  let entry: { n: number; steps: number; deadlineSeconds: number };
  if (parameters.remove) {
    if (fields.some((f) => parameters[f] !== undefined)) {
      throw new GovernanceParameterError(`removing ${model} takes no n, steps or deadline; give one or the other`);
    }
    if (current.n === 0) {
      throw new GovernanceParameterError(`${model} is not in the model table: removing it would change nothing`);
    }
    entry = { n: 0, steps: 0, deadlineSeconds: 0 };
  } else {
    const known = Object.keys(GPU_MODELS);
    const table = proofModelTable().find((m) => m.model === model);
    if (!table) {
      throw new GovernanceParameterError(
        `@ocx/proofs does not know the GPU model "${model}", and providers and validators derive every challenge from its table; models: ${known.join(", ")}. Add it to packages/proofs/src/models.ts first`,
      );
    }
    for (const f of fields) {
      const v = parameters[f];
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw new GovernanceParameterError(`${model}: ${f} = ${v} is not a whole number`);
      }
    }
    const n = parameters.n ?? table.n;
    const steps = parameters.steps ?? table.steps;
    const sized = parameters.n === undefined && parameters.steps === undefined;
    entry = {
      n,
      steps,
      deadlineSeconds:
        parameters.deadlineSeconds ??
        (sized ? table.deadlineSeconds : challengeSize(model, { n, steps }).deadlineSeconds),
    };
    const read = (functionName: "MAX_N" | "MAX_STEPS" | "MAX_DEADLINE") =>
      readContract(client, { address: contract.address, abi: proofOfComputeAbi, functionName });
    const [maxN, maxSteps, maxDeadline] = await Promise.all([read("MAX_N"), read("MAX_STEPS"), read("MAX_DEADLINE")]);
    const broken = [
      !(n >= 4 && n % 4 === 0 && n <= maxN) && `n = ${n} must be a multiple of 4 from 4 to ${maxN}`,
      n > MAX_N_SYMMETRIC_ACCUMULATION &&
        `n = ${n} is over ${MAX_N_SYMMETRIC_ACCUMULATION}, where a GPU prover's int32 sums overflow (63·63·n ≥ 2^31)`,
      !(steps >= 1 && steps <= maxSteps) && `steps (L) = ${steps} must be from 1 to ${maxSteps}`,
      !(entry.deadlineSeconds >= 1 && entry.deadlineSeconds <= maxDeadline) &&
        `deadline = ${entry.deadlineSeconds} s must be from 1 to ${maxDeadline}`,
    ].filter((m): m is string => typeof m === "string");
    if (broken.length > 0) {
      throw new GovernanceParameterError(`${model}: ${broken.join("; ")} (ProofOfCompute.setModel's rules)`);
    }
    if (fields.every((f) => current[f] === entry[f])) {
      throw new GovernanceParameterError(
        `${model} is already n ${entry.n}, steps ${entry.steps}, deadline ${entry.deadlineSeconds} s in the model table: the proposal would change nothing`,
      );
    }
  }
  const args = [label, entry.n, entry.steps, entry.deadlineSeconds] as const;
  const calldata = encodeFunctionData({ abi: proofOfComputeAbi, functionName: "setModel", args });
  const described = await describeModelCall(client, { contract, functionName: "setModel", args });
  return { call: { target: contract.address, value: 0n, calldata }, summary: described?.text ?? "setModel" };
}

/**
 * A `ProofOfCompute.setModel` call in words and values, against the table at `blockNumber` (the latest when
 * absent): "ProofOfCompute.setModel: nvidia-h100-80gb.n 150976 → 150016, nvidia-h100-80gb.steps 7 → 8"; a new
 * model "adds cpu: n 128, steps 2, deadlineSeconds 11", a removal "removes cpu (was n 128, …)"; the changes carry
 * every field before → after. `undefined` for any other call.
 * @example
 * await describeModelCall(publicClient, { contract, functionName: "setModel", args: [toLabel("cpu"), 128, 2, 11] });
 */
export async function describeModelCall(
  client: ReadClient,
  parameters: DescribeDecodedCallParameters,
): Promise<CallDescription | undefined> {
  const { contract, functionName, args, blockNumber } = parameters;
  if (contract.key !== "proofOfCompute" || functionName !== "setModel") return undefined;
  const [label, ...next] = args as [Hex, number, number, number];
  const model = fromLabel(label);
  const before = await readContract(client, {
    address: contract.address,
    abi: proofOfComputeAbi,
    functionName: "modelSize",
    args: [label],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  const changes: CallChange[] = fields
    .map((f, i) => ({ setting: `${model}.${f}`, before: String(before[f]), after: String(next[i]) }))
    .filter((c) => c.before !== c.after);
  const removal = next.every((v) => v === 0);
  const sizes = (values: readonly (number | string)[]) => fields.map((f, i) => `${f} ${values[i]}`).join(", ");
  let words: string;
  if (changes.length === 0) words = `${model} ${removal ? "not in the table" : "unchanged"} (no change)`;
  else if (removal) words = `removes ${model} (was ${sizes(fields.map((f) => before[f]))})`;
  else if (before.n === 0) words = `adds ${model}: ${sizes(next)}`;
  else words = changes.map((c) => `${c.setting} ${c.before} → ${c.after}`).join(", ");
  return { contract: contract.name, functionName, text: `${contract.name}.setModel: ${words}`, changes };
}
