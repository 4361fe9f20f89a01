// Reads the providers' reputation events from the chain and scores them with `reputationFromEvents`.
import { type Address, getAddress, isAddressEqual } from "viem";
import { getBlock, getContractEvents } from "viem/actions";
import { getAction } from "viem/utils";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { marketplaceAbi, proofOfComputeAbi, providerRegistryAbi, spotChecksAbi } from "../generated/abis.js";
import { CheckState } from "../generated/enums.js";
import { type Reputation, type ReputationEvent, type ReputationEventKind, reputationFromEvents } from "./formula.js";

/** The contracts reputation reads: the market and registry always; hardware proofs and spot checks when deployed. */
export type ReputationDeployment = Pick<Deployment, "marketplace" | "registry" | "startBlock"> & {
  proofOfCompute?: Address;
  spotChecks?: Address;
};

/** Parameters of `getReputations`. */
export interface GetReputationsParameters {
  deployment: ReputationDeployment;
  /** Only these providers (all that appear in the events when omitted). */
  providers?: readonly Address[];
  /** The time to score at, unix seconds; the latest block's time when omitted (so anyone recomputes the same). */
  now?: bigint;
}

/** Each provider's reputation (checksummed address → reputation), and the time it was computed for. */
export interface GetReputationsReturnType {
  now: bigint;
  reputations: Map<Address, Reputation>;
  /** Each provider's events, oldest first: what the score was computed from. */
  events: Map<Address, ReputationEvent[]>;
}

/**
 * Reads every reputation event since the deployment's start block — LeaseCompleted (via LeaseCreated's provider),
 * ProviderNoShow, Slashed (except by ProofOfCompute and SpotChecks, whose own events count them), ChallengeFaulted,
 * Attested, and SpotCheckFinalized (Valid, Invalid) — and scores each provider with `reputationFromEvents`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getReputations, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const { reputations } = await getReputations(client, { deployment });
 * for (const [provider, r] of reputations) console.log(provider, r.score);
 */
export async function getReputations(
  client: ReadClient,
  parameters: GetReputationsParameters,
): Promise<GetReputationsReturnType> {
  const { deployment } = parameters;
  const wanted = parameters.providers?.map((p) => getAddress(p));
  const read = getAction(client, getContractEvents, "getContractEvents");
  const fromBlock = BigInt(deployment.startBlock);
  const providerArg = wanted && wanted.length > 0 ? { provider: wanted } : undefined;

  const [created, completed, noShows, slashes, faults, attestations, spotChecks] = await Promise.all([
    read({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCreated",
      args: providerArg,
      fromBlock,
      strict: true,
    }),
    read({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCompleted",
      fromBlock,
      strict: true,
    }),
    read({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "ProviderNoShow",
      args: providerArg,
      fromBlock,
      strict: true,
    }),
    read({
      address: deployment.registry,
      abi: providerRegistryAbi,
      eventName: "Slashed",
      args: providerArg,
      fromBlock,
      strict: true,
    }),
    deployment.proofOfCompute
      ? read({
          address: deployment.proofOfCompute,
          abi: proofOfComputeAbi,
          eventName: "ChallengeFaulted",
          args: providerArg,
          fromBlock,
          strict: true,
        })
      : [],
    deployment.proofOfCompute
      ? read({
          address: deployment.proofOfCompute,
          abi: proofOfComputeAbi,
          eventName: "Attested",
          args: providerArg,
          fromBlock,
          strict: true,
        })
      : [],
    deployment.spotChecks
      ? read({
          address: deployment.spotChecks,
          abi: spotChecksAbi,
          eventName: "SpotCheckFinalized",
          args: providerArg,
          fromBlock,
          strict: true,
        })
      : [],
  ]);

  const providerOfLease = new Map<bigint, Address>();
  for (const log of created) providerOfLease.set(log.args.leaseId, getAddress(log.args.provider));
  const raw: {
    provider: Address;
    kind: ReputationEventKind;
    blockNumber: bigint;
    logIndex: number;
    blockTimestamp?: bigint;
  }[] = [];
  const push = (
    provider: Address,
    kind: ReputationEventKind,
    log: { blockNumber: bigint; logIndex: number; blockTimestamp?: bigint | null },
  ) => {
    const who = getAddress(provider);
    if (wanted && !wanted.some((w) => isAddressEqual(w, who))) return;
    raw.push({
      provider: who,
      kind,
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      // Nodes that put the block's time in each log (anvil does) save a block read per event.
      ...(typeof log.blockTimestamp === "bigint" ? { blockTimestamp: log.blockTimestamp } : {}),
    });
  };

  for (const log of completed) {
    const provider = providerOfLease.get(log.args.leaseId);
    if (provider) push(provider, "leaseCompleted", log);
  }
  for (const log of noShows) push(log.args.provider, "noShow", log);
  const countedElsewhere = [deployment.proofOfCompute, deployment.spotChecks].filter((a): a is Address => !!a);
  for (const log of slashes) {
    if (countedElsewhere.some((a) => isAddressEqual(a, log.args.slasher))) continue;
    push(log.args.provider, "slashed", log);
  }
  for (const log of faults) push(log.args.provider, "challengeFaulted", log);
  for (const log of attestations) push(log.args.provider, "attested", log);
  for (const log of spotChecks) {
    if (log.args.outcome === CheckState.Valid) push(log.args.provider, "spotCheckValid", log);
    else if (log.args.outcome === CheckState.Invalid) push(log.args.provider, "spotCheckInvalid", log);
  }

  // Each event's time is its block's: one read per distinct block.
  const blockTime = new Map<bigint, bigint>();
  for (const e of raw) if (e.blockTimestamp !== undefined) blockTime.set(e.blockNumber, e.blockTimestamp);
  const getBlockAction = getAction(client, getBlock, "getBlock");
  const blocks = [...new Set(raw.map((e) => e.blockNumber))].filter((b) => !blockTime.has(b));
  for (let i = 0; i < blocks.length; i += 16) {
    const batch = blocks.slice(i, i + 16);
    const read16 = await Promise.all(batch.map((blockNumber) => getBlockAction({ blockNumber })));
    for (const block of read16) blockTime.set(block.number as bigint, block.timestamp);
  }
  const now = parameters.now ?? (await getBlockAction({ blockTag: "latest" })).timestamp;

  raw.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const events = new Map<Address, ReputationEvent[]>();
  for (const provider of wanted ?? []) events.set(provider, []);
  for (const e of raw) {
    const list = events.get(e.provider) ?? [];
    list.push({ kind: e.kind, at: blockTime.get(e.blockNumber) as bigint });
    events.set(e.provider, list);
  }
  const reputations = new Map<Address, Reputation>();
  for (const [provider, list] of events) reputations.set(provider, reputationFromEvents(list, now));
  return { now, reputations, events };
}

/** Parameters of `getReputation`: the deployment, the provider, and optionally the time to score at. */
export interface GetReputationParameters {
  deployment: ReputationDeployment;
  provider: Address;
  now?: bigint;
}

/**
 * One provider's reputation from the chain (see `getReputations` and `reputationFromEvents`).
 * @example
 * const reputation = await getReputation(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
 * reputation.score; // 0.5 for a provider with no record yet
 */
export async function getReputation(client: ReadClient, parameters: GetReputationParameters): Promise<Reputation> {
  const provider = getAddress(parameters.provider);
  const { reputations } = await getReputations(client, {
    deployment: parameters.deployment,
    providers: [provider],
    now: parameters.now,
  });
  return reputations.get(provider) ?? reputationFromEvents([], 0n);
}
