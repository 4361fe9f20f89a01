// Proposal calls in words, against the values they change: before execution against the current values, after it
// against the values in force just before its block (read at the block before), so an executed proposal still
// reads "feeBps 250 → 100" rather than "no change"; a proposal that never ran says so.
import type { Address } from "viem";
import { decodeFunctionData } from "viem";
import { getContractEvents } from "viem/actions";
import type { Proposal, ProposalStateName } from "../actions/governance/listProposals.js";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { ocxGovernorAbi } from "../generated/abis.js";
import { type CallDescription, contractAt, showValue } from "./governed.js";
import { describeParameterCall, type ProposalCall } from "./parameters.js";
import { describeModelCall } from "./proofModels.js";
import { describeRoleCall } from "./roles.js";

/** The describers of what governance sets, each for its calls (parameters, roles, the model table). */
const describers = [describeParameterCall, describeRoleCall, describeModelCall];

/** Parameters of `explainCall` and `describeCall`. */
export interface DescribeCallParameters {
  deployment: Deployment;
  call: ProposalCall;
  /** Read the values the call changes at this block (the latest when absent). */
  blockNumber?: bigint;
}

/**
 * A proposal call in words and values, against the values at `blockNumber` (the latest when absent): parameters
 * ("Marketplace.setParameters: feeBps 250 → 100", "Emissions.setSchedule (from the next epoch): emission 1000 →
 * 500", "Marketplace.setGuardian: guardian 0xA… → 0xB…"), roles ("ValidatorRegistry.grantRole:
 * VALIDATOR_ADMIN_ROLE of 0x… not held → held") and the proof model table ("ProofOfCompute.setModel:
 * cpu.n 128 → 256"); any other OCX call as `Contract.function(arguments)`, and a call outside the deployment as
 * its address and selector.
 * @example
 * const { text, changes } = await explainCall(publicClient, { deployment, call: proposal.calls[0] });
 */
export async function explainCall(client: ReadClient, parameters: DescribeCallParameters): Promise<CallDescription> {
  const { call, blockNumber } = parameters;
  const eth = call.value > 0n ? ` (sending ${call.value} wei)` : "";
  const selector = call.calldata.slice(0, 10);
  const contract = contractAt(parameters.deployment, call.target);
  if (!contract)
    return { contract: call.target, text: `call to ${call.target}, selector ${selector}${eth}`, changes: [] };
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi: contract.abi, data: call.calldata });
  } catch {
    return {
      contract: contract.name,
      text: `${contract.name}: unknown function, selector ${selector}${eth}`,
      changes: [],
    };
  }
  const decodedCall = { contract, functionName: decoded.functionName, args: decoded.args ?? [], blockNumber };
  for (const describe of describers) {
    const described = await describe(client, decodedCall);
    if (described) return { ...described, text: `${described.text}${eth}` };
  }
  return {
    contract: contract.name,
    functionName: decoded.functionName,
    text: `${contract.name}.${decoded.functionName}(${decodedCall.args.map(showValue).join(", ")})${eth}`,
    changes: [],
  };
}

/**
 * {@link explainCall}'s words alone.
 * @example
 * await describeCall(publicClient, { deployment, call: { target: deployment.marketplace, value: 0n, calldata } });
 * // "Marketplace.setParameters: feeBps 250 → 100"
 */
export async function describeCall(client: ReadClient, parameters: DescribeCallParameters): Promise<string> {
  return (await explainCall(client, parameters)).text;
}

/** Parameters of `proposalExecutions`. */
export interface ProposalExecutionsParameters {
  deployment: Pick<Deployment, "governor" | "startBlock">;
}

/**
 * The block each executed proposal ran in, by proposal id, from the governor's ProposalExecuted events.
 * @example
 * const executions = await proposalExecutions(publicClient, { deployment });
 * executions.get(proposalId); // 123n
 */
export async function proposalExecutions(
  client: ReadClient,
  parameters: ProposalExecutionsParameters,
): Promise<Map<bigint, bigint>> {
  const { governor, startBlock } = parameters.deployment;
  if (!governor) return new Map();
  const logs = await getContractEvents(client, {
    address: governor as Address,
    abi: ocxGovernorAbi,
    eventName: "ProposalExecuted",
    fromBlock: BigInt(startBlock),
  });
  return new Map(
    logs.flatMap((log) => {
      const { proposalId } = log.args as { proposalId?: bigint };
      return proposalId === undefined || log.blockNumber === null ? [] : [[proposalId, log.blockNumber] as const];
    }),
  );
}

/**
 * Whether a proposal's calls took effect: `in force` since the block it was executed in; `never` when it was
 * canceled, defeated or expired; `not yet` while it is pending, active, succeeded or queued.
 */
export type ProposalEffect =
  | { status: "in force"; since: bigint }
  | { status: "never"; state: "canceled" | "defeated" | "expired" }
  | { status: "not yet"; state: "pending" | "active" | "succeeded" | "queued" };

/**
 * A proposal's effect from its state and, when executed, its execution block.
 * @example
 * proposalEffect("executed", 123n); // { status: "in force", since: 123n }
 */
export function proposalEffect(state: ProposalStateName, executedIn: bigint | undefined): ProposalEffect {
  switch (state) {
    case "executed":
      if (executedIn === undefined) throw new Error("an executed proposal without its ProposalExecuted block");
      return { status: "in force", since: executedIn };
    case "canceled":
    case "defeated":
    case "expired":
      return { status: "never", state };
    default:
      return { status: "not yet", state };
  }
}

/** Parameters of `explainProposal`. */
export interface ExplainProposalParameters {
  deployment: Deployment;
  proposal: Pick<Proposal, "proposalId" | "state" | "calls">;
  /** The executions from {@link proposalExecutions}, when already read (listing many proposals). */
  executions?: Map<bigint, bigint>;
}

/** A proposal's effect and its calls, each against the values it changed (or would change). */
export interface ProposalExplanation {
  effect: ProposalEffect;
  /** The block the values were read at: the one before the execution; absent for the latest. */
  valuesAt?: bigint;
  calls: CallDescription[];
}

/**
 * A proposal's calls told truthfully for its state: an executed proposal against the values in force before it
 * (read at the block before its execution: "feeBps 250 → 100", not "no change"), any other against the current
 * values, with whether it took effect. A node that no longer keeps the state of that block (not an archive node)
 * makes this throw viem's error for the read.
 * @example
 * const { effect, calls } = await explainProposal(publicClient, { deployment, proposal });
 * if (effect.status === "in force") console.log(`in force since block ${effect.since}`, calls[0]?.text);
 */
export async function explainProposal(
  client: ReadClient,
  parameters: ExplainProposalParameters,
): Promise<ProposalExplanation> {
  const { deployment, proposal } = parameters;
  const executions =
    proposal.state === "executed"
      ? (parameters.executions ?? (await proposalExecutions(client, { deployment })))
      : undefined;
  const effect = proposalEffect(proposal.state, executions?.get(proposal.proposalId));
  const valuesAt = effect.status === "in force" ? effect.since - 1n : undefined;
  const calls = await Promise.all(
    proposal.calls.map((call) => explainCall(client, { deployment, call, blockNumber: valuesAt })),
  );
  return { effect, ...(valuesAt === undefined ? {} : { valuesAt }), calls };
}
