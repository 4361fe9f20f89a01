// The indexing functions. Every event of every contract in contracts.ts goes into `event_log`; the events the API
// answers from also update the tables of ponder.schema.ts (offers, leases, providers, attestations, reputation
// events, settlements, supply changes). Ponder runs them in chain order, reverts their rows on a reorganisation and
// resumes from its last checkpoint after a crash, so nothing is counted twice.

import { ponder } from "ponder:registry";
import {
  attestation,
  block,
  emissionEpoch,
  emissionShare,
  eventLog,
  lease,
  offer,
  proposal,
  provider,
  reputationEvent,
  request,
  settlement,
  supplyChange,
  timelockOperation,
  vote,
} from "ponder:schema";
import { CheckState, CloseReason, OfferState } from "@ocx/sdk";
import {
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  isAddressEqual,
  keccak256,
  parseAbiParameters,
  stringToBytes,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { loadIndexedDeployment } from "../contracts";

// biome-ignore lint/suspicious/noExplicitAny: events and context are typed per event by Ponder's codegen; the handlers here are shared.
type Any = any;
type Projection = (event: Any, context: Any) => Promise<void>;

const SECONDS_PER_HOUR = 3600n;

function jsonArgs(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonArgs);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonArgs(v)]));
  }
  return value;
}

async function touchProvider(context: Any, address: `0x${string}`, at: bigint): Promise<void> {
  await context.db
    .insert(provider)
    .values({
      address,
      endpoint: "",
      region: "0x",
      stake: 0n,
      jailed: false,
      registeredAt: at,
      leases: 0,
      completed: 0,
      failed: 0,
      noShows: 0,
      earnings: 0n,
      slashes: 0,
      slashed: 0n,
    })
    .onConflictDoNothing();
}

async function addReputationEvent(event: Any, context: Any, who: `0x${string}`, kind: string): Promise<void> {
  await context.db
    .insert(reputationEvent)
    .values({ id: event.id, provider: getAddress(who), kind, at: event.block.timestamp });
}

/** A mint (Transfer from the zero address) or burn (to it) of OCX (`token` "") or credits ("credits"). */
async function recordSupplyChange(event: Any, context: Any, token: "" | "credits"): Promise<void> {
  const { from, to, value } = event.args;
  const change = from === zeroAddress ? "mint" : to === zeroAddress ? "burn" : null;
  if (!change) return;
  const kind = token === "" ? change : `${token}${change === "mint" ? "Mint" : "Burn"}`;
  await context.db.insert(supplyChange).values({ id: event.id, kind, amount: value, timestamp: event.block.timestamp });
}

/**
 * The id GovernorTimelockControl gives a proposal's timelock operation: `hashOperationBatch(targets, values,
 * calldatas, 0, salt)`, the salt being the governor's address (its 20 bytes, left-aligned) XOR the description's hash.
 */
function timelockOperationId(governor: `0x${string}`, p: { description: string; calls: unknown }): `0x${string}` {
  const calls = p.calls as { target: `0x${string}`; value: string; calldata: `0x${string}` }[];
  const salt = (hexToBigInt(governor) << 96n) ^ hexToBigInt(keccak256(stringToBytes(p.description)));
  return keccak256(
    encodeAbiParameters(parseAbiParameters("address[], uint256[], bytes[], bytes32, bytes32"), [
      calls.map((c) => c.target),
      calls.map((c) => BigInt(c.value)),
      calls.map((c) => c.calldata),
      zeroHash,
      toHex(salt, { size: 32 }),
    ]),
  );
}

/** Marks the proposal whose timelock operation an event names as executed or canceled (once: the first time holds). */
async function endTimelockOperation(event: Any, context: Any, at: "executedAt" | "canceledAt"): Promise<void> {
  const operation = await context.db.find(timelockOperation, { id: event.args.id });
  if (!operation) return; // scheduled on the timelock by someone other than the governor
  const row = await context.db.find(proposal, { id: operation.proposalId });
  if (row && row[at] === null) {
    await context.db.update(proposal, { id: operation.proposalId }).set({ [at]: event.block.timestamp });
  }
}

/** A vote: its row, the proposal's sums, and at the first vote the quorum its snapshot needs (read then). */
async function recordVote(event: Any, context: Any, params: `0x${string}` | null): Promise<void> {
  const { proposalId, voter, support, weight, reason } = event.args;
  await context.db.insert(vote).values({
    id: event.id,
    proposalId,
    voter: getAddress(voter),
    support: Number(support),
    weight,
    reason,
    params,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  const p = await context.db.find(proposal, { id: proposalId });
  if (!p) return; // proposed before the indexed range
  // quorum(voteStart) is readable once the vote is open (voteStart in the past), as it is at any vote.
  const quorum =
    p.quorum ??
    (await context.client.readContract({
      abi: context.contracts.OcxGovernor.abi,
      address: context.contracts.OcxGovernor.address,
      functionName: "quorum",
      args: [p.voteStart],
    }));
  const n = Number(support);
  await context.db.update(proposal, { id: proposalId }).set({
    quorum,
    voters: p.voters + 1,
    againstVotes: p.againstVotes + (n === 0 ? weight : 0n),
    forVotes: p.forVotes + (n === 1 ? weight : 0n),
    abstainVotes: p.abstainVotes + (n === 2 ? weight : 0n),
  });
}

/** The tables' updates per `Contract:Event`. */
const projections: Record<string, Projection> = {
  "Marketplace:OfferPosted": async (event, context) => {
    const a = event.args;
    const r = a.resources;
    const gpuCount = Number(r.gpuCount);
    await context.db.insert(offer).values({
      id: a.offerId,
      provider: getAddress(a.provider),
      state: OfferState.Active,
      gpuModel: r.gpuModel,
      region: r.region,
      gpuCount,
      gpuVramMiB: Number(r.gpuVramMiB),
      cpuMillicores: Number(r.cpuMillicores),
      memoryMiB: Number(r.memoryMiB),
      diskMiB: Number(r.diskMiB),
      pricePerSecond: a.pricePerSecond,
      // Rounded down, as the SDK's pricePerGpuHour.
      pricePerGpuHour: (a.pricePerSecond * SECONDS_PER_HOUR) / BigInt(Math.max(gpuCount, 1)),
      maxLeases: Number(a.maxLeases),
      activeLeases: 0,
      minDuration: a.minDuration,
      maxDuration: a.maxDuration,
      postedAt: event.block.timestamp,
      postedBlock: event.block.number,
      withdrawnAt: null,
    });
  },
  "Marketplace:OfferUpdated": async (event, context) => {
    const a = event.args;
    await context.db.update(offer, { id: a.offerId }).set((row: Any) => ({
      pricePerSecond: a.pricePerSecond,
      pricePerGpuHour: (a.pricePerSecond * SECONDS_PER_HOUR) / BigInt(Math.max(row.gpuCount, 1)),
      maxLeases: Number(a.maxLeases),
      minDuration: a.minDuration,
      maxDuration: a.maxDuration,
    }));
  },
  "Marketplace:OfferStateChanged": async (event, context) => {
    const state = Number(event.args.state);
    await context.db.update(offer, { id: event.args.offerId }).set({
      state,
      ...(state === OfferState.Withdrawn ? { withdrawnAt: event.block.timestamp } : {}),
    });
  },
  "Marketplace:RequestPosted": async (event, context) => {
    const r = event.args.requirements;
    await context.db.insert(request).values({
      id: event.args.requestId,
      buyer: getAddress(event.args.buyer),
      gpuModel: r.gpuModel,
      gpuCount: Number(r.gpuCount),
      createdAt: event.block.timestamp,
    });
  },
  "Marketplace:LeaseCreated": async (event, context) => {
    const a = event.args;
    let gpuModel: `0x${string}` = "0x";
    let gpuCount = 0;
    if (a.offerId !== 0n) {
      const o = await context.db.find(offer, { id: a.offerId });
      if (o) {
        gpuModel = o.gpuModel;
        gpuCount = o.gpuCount;
        await context.db.update(offer, { id: a.offerId }).set({ activeLeases: o.activeLeases + 1 });
      }
    } else {
      const r = await context.db.find(request, { id: a.requestId });
      if (r) {
        gpuModel = r.gpuModel;
        gpuCount = r.gpuCount;
      }
    }
    const who = getAddress(a.provider);
    // A lease taken from a provider's signed quote is acknowledged by that signature: ackDeadline 0, running (and
    // paying) from this block, and no LeaseAcknowledged follows.
    const quoted = a.ackDeadline === 0n;
    await context.db.insert(lease).values({
      id: a.leaseId,
      buyer: getAddress(a.buyer),
      provider: who,
      offerId: a.offerId,
      requestId: a.requestId,
      gpuModel,
      gpuCount,
      pricePerSecond: a.pricePerSecond,
      deposit: a.deposit,
      paid: 0n,
      fees: 0n,
      state: quoted ? "running" : "pending",
      exitCode: null,
      closeReason: null,
      noShow: false,
      createdAt: event.block.timestamp,
      startedAt: quoted ? event.block.timestamp : null,
      endedAt: null,
    });
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set((p: Any) => ({ leases: p.leases + 1 }));
  },
  "Marketplace:LeaseAcknowledged": async (event, context) => {
    await context.db
      .update(lease, { id: event.args.leaseId })
      .set({ state: "running", startedAt: event.args.startedAt });
  },
  "Marketplace:LeaseToppedUp": async (event, context) => {
    await context.db
      .update(lease, { id: event.args.leaseId })
      .set((l: Any) => ({ deposit: l.deposit + event.args.amount }));
  },
  "Marketplace:LeaseSettled": async (event, context) => {
    const { leaseId, paid, fee } = event.args;
    const l = await context.db.update(lease, { id: leaseId }).set((row: Any) => ({
      paid: row.paid + paid,
      fees: row.fees + fee,
    }));
    await context.db.insert(settlement).values({ id: event.id, leaseId, paid, fee, timestamp: event.block.timestamp });
    // The provider earns what was paid less the protocol fee.
    await context.db.update(provider, { address: l.provider }).set((p: Any) => ({ earnings: p.earnings + paid - fee }));
  },
  "Marketplace:LeaseCompleted": async (event, context) => {
    const exitCode = Number(event.args.exitCode);
    const l = await context.db
      .update(lease, { id: event.args.leaseId })
      .set({ state: "completed", exitCode, endedAt: event.block.timestamp });
    await context.db.update(provider, { address: l.provider }).set((p: Any) => ({
      completed: p.completed + (exitCode === 0 ? 1 : 0),
      failed: p.failed + (exitCode === 0 ? 0 : 1),
    }));
    await addReputationEvent(event, context, l.provider, "leaseCompleted");
  },
  "Marketplace:LeaseClosed": async (event, context) => {
    const reason = Number(event.args.reason);
    const l = await context.db.update(lease, { id: event.args.leaseId }).set((row: Any) => ({
      closeReason: reason,
      state: reason === CloseReason.Completed ? "completed" : "closed",
      endedAt: row.endedAt ?? event.block.timestamp,
    }));
    if (l.offerId !== 0n) {
      await context.db.update(offer, { id: l.offerId }).set((o: Any) => ({ activeLeases: o.activeLeases - 1 }));
    }
  },
  "Marketplace:ProviderNoShow": async (event, context) => {
    const who = getAddress(event.args.provider);
    await context.db.update(lease, { id: event.args.leaseId }).set({ noShow: true });
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set((p: Any) => ({ noShows: p.noShows + 1 }));
    await addReputationEvent(event, context, who, "noShow");
  },
  "ProviderRegistry:ProviderRegistered": async (event, context) => {
    const a = event.args;
    const who = getAddress(a.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set({ endpoint: a.endpoint, region: a.region });
  },
  "ProviderRegistry:ProviderUpdated": async (event, context) => {
    const a = event.args;
    const who = getAddress(a.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set({ endpoint: a.endpoint, region: a.region });
  },
  "ProviderRegistry:Staked": async (event, context) => {
    const who = getAddress(event.args.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set({ stake: event.args.stake });
  },
  "ProviderRegistry:UnstakeRequested": async (event, context) => {
    const who = getAddress(event.args.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set((p: Any) => ({ stake: p.stake - event.args.amount }));
  },
  "ProviderRegistry:Slashed": async (event, context) => {
    const a = event.args;
    const who = getAddress(a.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set((p: Any) => ({
      slashes: p.slashes + 1,
      slashed: p.slashed + a.amount,
      jailed: p.jailed || a.jailed,
      stake: p.stake > a.amount ? p.stake - a.amount : 0n,
    }));
    // Slashes by ProofOfCompute and SpotChecks are counted by their own events (as the SDK's getReputations does).
    const countedElsewhere = [context.contracts.ProofOfCompute?.address, context.contracts.SpotChecks?.address];
    if (countedElsewhere.some((x: unknown) => typeof x === "string" && isAddressEqual(x as `0x${string}`, a.slasher))) {
      return;
    }
    await addReputationEvent(event, context, who, "slashed");
  },
  "ProviderRegistry:Unjailed": async (event, context) => {
    const who = getAddress(event.args.provider);
    await touchProvider(context, who, event.block.timestamp);
    await context.db.update(provider, { address: who }).set({ jailed: false });
  },
  "ProofOfCompute:Attested": async (event, context) => {
    const a = event.args;
    const who = getAddress(a.provider);
    const row = {
      provider: who,
      model: a.model,
      gpuIndex: Number(a.gpuIndex),
      score: Number(a.score),
      expiresAt: BigInt(a.expiresAt),
      challengeId: a.challengeId,
      validator: getAddress(a.validator),
    };
    await context.db
      .insert(attestation)
      .values({ id: `${who}-${a.model}-${a.gpuIndex}`, ...row })
      .onConflictDoUpdate(row);
    await addReputationEvent(event, context, who, "attested");
  },
  "ProofOfCompute:ChallengeFaulted": async (event, context) => {
    await addReputationEvent(event, context, event.args.provider, "challengeFaulted");
  },
  "SpotChecks:SpotCheckFinalized": async (event, context) => {
    const outcome = Number(event.args.outcome);
    if (outcome === CheckState.Valid) await addReputationEvent(event, context, event.args.provider, "spotCheckValid");
    else if (outcome === CheckState.Invalid) {
      await addReputationEvent(event, context, event.args.provider, "spotCheckInvalid");
    }
  },
  "OcxToken:Transfer": async (event, context) => {
    await recordSupplyChange(event, context, "");
  },
  // Credits ($1 each) are minted against burned OCX and burned when redeemed for OCX, or as the market's fee.
  "OcxCredits:Transfer": async (event, context) => {
    await recordSupplyChange(event, context, "credits");
  },
  "OcxGovernor:ProposalCreated": async (event, context) => {
    const a = event.args;
    await context.db.insert(proposal).values({
      id: a.proposalId,
      proposer: getAddress(a.proposer),
      description: a.description,
      calls: a.targets.map((target: `0x${string}`, i: number) => ({
        target: getAddress(target),
        value: String(a.values[i]),
        calldata: a.calldatas[i],
      })),
      voteStart: a.voteStart,
      voteEnd: a.voteEnd,
      forVotes: 0n,
      againstVotes: 0n,
      abstainVotes: 0n,
      voters: 0,
      quorum: null,
      eta: null,
      createdAt: event.block.timestamp,
      createdBlock: event.block.number,
      queuedAt: null,
      executedAt: null,
      canceledAt: null,
    });
  },
  "OcxGovernor:VoteCast": async (event, context) => {
    await recordVote(event, context, null);
  },
  "OcxGovernor:VoteCastWithParams": async (event, context) => {
    await recordVote(event, context, event.args.params);
  },
  "OcxGovernor:ProposalQueued": async (event, context) => {
    const queued = await context.db
      .update(proposal, { id: event.args.proposalId })
      .set({ eta: event.args.etaSeconds, queuedAt: event.block.timestamp });
    await context.db
      .insert(timelockOperation)
      .values({ id: timelockOperationId(event.log.address, queued), proposalId: event.args.proposalId })
      .onConflictDoNothing();
  },
  "OcxGovernor:ProposalExecuted": async (event, context) => {
    await context.db.update(proposal, { id: event.args.proposalId }).set({ executedAt: event.block.timestamp });
  },
  "OcxGovernor:ProposalCanceled": async (event, context) => {
    await context.db.update(proposal, { id: event.args.proposalId }).set({ canceledAt: event.block.timestamp });
  },
  // A queued proposal's operation run or cancelled on the timelock itself; through the governor, its own event
  // follows in the same transaction with the same time.
  "OcxTimelock:CallExecuted": async (event, context) => {
    await endTimelockOperation(event, context, "executedAt");
  },
  "OcxTimelock:Cancelled": async (event, context) => {
    await endTimelockOperation(event, context, "canceledAt");
  },
  "Emissions:WorkRecorded": async (event, context) => {
    const { epoch, provider: who, units, seconds_ } = event.args;
    const known = await context.db.find(emissionEpoch, { epoch });
    let fixed: { start: bigint; end: bigint; emission: bigint } | null = null;
    if (!known || known.emission === null) {
      // The contract fixes an epoch's emission at its first credited work: read it as of this event's block.
      const e = await context.client.readContract({
        abi: context.contracts.Emissions.abi,
        address: context.contracts.Emissions.address,
        functionName: "getEpoch",
        args: [epoch],
      });
      if (e.end !== 0n) fixed = { start: BigInt(e.start), end: BigInt(e.end), emission: BigInt(e.emission) };
    }
    await context.db
      .insert(emissionEpoch)
      .values({ epoch, start: null, end: null, emission: null, units: 0n, claimed: 0n, ...fixed })
      .onConflictDoNothing();
    await context.db
      .update(emissionEpoch, { epoch })
      .set((row: Any) => ({ ...(fixed ?? {}), units: row.units + units }));
    const id = `${epoch}-${getAddress(who)}`;
    await context.db
      .insert(emissionShare)
      .values({ id, epoch, provider: getAddress(who), units: 0n, seconds: 0n, reward: null, forfeited: false })
      .onConflictDoNothing();
    await context.db
      .update(emissionShare, { id })
      .set((row: Any) => ({ units: row.units + units, seconds: row.seconds + seconds_ }));
  },
  "Emissions:RewardClaimed": async (event, context) => {
    const { epoch, provider: who, reward, forfeited } = event.args;
    const id = `${epoch}-${getAddress(who)}`;
    const claim = { reward, forfeited, claimedAt: event.block.timestamp };
    await context.db
      .insert(emissionShare)
      .values({ id, epoch, provider: getAddress(who), units: 0n, seconds: 0n, ...claim })
      .onConflictDoUpdate(claim);
    await context.db
      .insert(emissionEpoch)
      .values({ epoch, start: null, end: null, emission: null, units: 0n, claimed: reward })
      .onConflictDoUpdate((row: Any) => ({ claimed: row.claimed + reward }));
  },
};

// One handler per event of every indexed contract's ABI: the raw event, then its projection if it has one.
for (const { name, abi } of loadIndexedDeployment().contracts) {
  const events = abi.filter((item) => item.type === "event");
  for (const item of events) {
    const key = `${name}:${item.name}`;
    const projection = projections[key];
    (ponder as Any).on(key, async ({ event, context }: Any) => {
      await context.db.insert(eventLog).values({
        id: event.id,
        contract: name,
        event: item.name,
        args: jsonArgs(event.args),
        blockNumber: event.block.number,
        logIndex: event.log.logIndex,
        timestamp: event.block.timestamp,
        txHash: event.transaction.hash,
      });
      if (projection) await projection(event, context);
    });
  }
}

/** How many processed blocks `block` keeps: enough for a reader to find the one Ponder's checkpoint names. */
const BLOCKS_KEPT = 256n;

// Every block, after its logs (Ponder orders a block's own event after the block's logs).
(ponder as Any).on("Head:block", async ({ event, context }: Any) => {
  const { number, timestamp, hash } = event.block;
  await context.db.insert(block).values({ number, timestamp, hash });
  if (number >= BLOCKS_KEPT) await context.db.delete(block, { number: number - BLOCKS_KEPT });
});
