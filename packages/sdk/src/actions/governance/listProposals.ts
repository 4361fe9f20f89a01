// The governor's proposals, from its ProposalCreated events, with their state and votes now.
import type { Address, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import type { Deployment } from "../../deployment.js";
import { ocxGovernorAbi } from "../../generated/abis.js";
import type { ProposalCall } from "../../governance/parameters.js";
import type { ReadClient } from "../internal/contract.js";
import { governorAddress } from "./address.js";

/** A proposal's state names, indexed by OpenZeppelin's `IGovernor.ProposalState` number. */
export const PROPOSAL_STATES = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "expired",
  "executed",
] as const;
/** A proposal's state by name. */
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

/** One proposal as the governor holds it now. */
export interface Proposal {
  proposalId: bigint;
  proposer: Address;
  calls: ProposalCall[];
  description: string;
  state: ProposalStateName;
  /** Block whose delegated votes count (the vote opens after it). */
  voteStart: bigint;
  /** Last block of the vote. */
  voteEnd: bigint;
  votes: { against: bigint; for: bigint; abstain: bigint };
  /** Votes needed for or abstaining at the snapshot. */
  quorum: bigint;
  /** Seconds since 1970 from which a queued proposal can be executed; 0 when not queued. */
  eta: bigint;
}

/** Parameters of `listProposals`. */
export interface ListProposalsParameters {
  deployment: Pick<Deployment, "governor" | "startBlock">;
  /** Only this proposal. */
  proposalId?: bigint;
}

/**
 * Every proposal made to the deployment's governor, oldest first, with its state, votes and quorum read now.
 * @example
 * for (const p of await listProposals(publicClient, { deployment })) console.log(p.proposalId, p.state, p.description);
 */
export async function listProposals(client: ReadClient, parameters: ListProposalsParameters): Promise<Proposal[]> {
  const address = governorAddress(parameters.deployment);
  const logs = await getContractEvents(client, {
    address,
    abi: ocxGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock: BigInt(parameters.deployment.startBlock),
  });
  const proposals: Proposal[] = [];
  for (const log of logs) {
    const a = log.args as {
      proposalId: bigint;
      proposer: Address;
      targets: readonly Address[];
      values: readonly bigint[];
      calldatas: readonly Hex[];
      voteStart: bigint;
      voteEnd: bigint;
      description: string;
    };
    if (parameters.proposalId !== undefined && a.proposalId !== parameters.proposalId) continue;
    const read = <T>(functionName: string, args: readonly unknown[]) =>
      readContract(client, {
        address,
        abi: ocxGovernorAbi,
        functionName: functionName as "state",
        args: args as [bigint],
      }) as Promise<T>;
    const [state, votes, eta] = await Promise.all([
      read<number>("state", [a.proposalId]),
      read<readonly [bigint, bigint, bigint]>("proposalVotes", [a.proposalId]),
      read<bigint>("proposalEta", [a.proposalId]),
    ]);
    // The quorum is taken at the snapshot, which a pending proposal has not reached yet: then the latest block's.
    const head = await readContract(client, { address, abi: ocxGovernorAbi, functionName: "clock" });
    const at = a.voteStart < BigInt(head) ? a.voteStart : BigInt(head) - 1n;
    const quorum = await read<bigint>("quorum", [at]);
    proposals.push({
      proposalId: a.proposalId,
      proposer: a.proposer,
      calls: a.targets.map((target, i) => ({ target, value: a.values[i] ?? 0n, calldata: a.calldatas[i] ?? "0x" })),
      description: a.description,
      state: PROPOSAL_STATES[state] ?? "pending",
      voteStart: a.voteStart,
      voteEnd: a.voteEnd,
      votes: { against: votes[0], for: votes[1], abstain: votes[2] },
      quorum,
      eta,
    });
  }
  return proposals;
}
