// The indexer's tables. Every row is written by an indexing function in src/index.ts, so Ponder reverts it on a
// reorganisation and never writes it twice after a restart. Amounts are exact integers (numeric), times unix seconds.
import { index, onchainTable } from "ponder";

/** Every event of every indexed contract, as decoded from its ABI (args as JSON, bigints as decimal strings). */
export const eventLog = onchainTable(
  "event_log",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    event: t.text().notNull(),
    args: t.json().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byEvent: index().on(table.contract, table.event), byTime: index().on(table.timestamp) }),
);

/**
 * The blocks processed, by number (the latest 256 kept): the API names the one Ponder's checkpoint has reached, with
 * its time and hash, as the block its answers include (src/api/indexed.ts says why not simply the latest row).
 */
export const block = onchainTable("block", (t) => ({
  number: t.bigint().primaryKey(),
  timestamp: t.bigint().notNull(),
  hash: t.hex().notNull(),
}));

/** Offers, as posted and updated. */
export const offer = onchainTable(
  "offer",
  (t) => ({
    id: t.bigint().primaryKey(),
    provider: t.hex().notNull(),
    state: t.integer().notNull(),
    gpuModel: t.hex().notNull(),
    region: t.hex().notNull(),
    gpuCount: t.integer().notNull(),
    gpuVramMiB: t.integer().notNull(),
    cpuMillicores: t.integer().notNull(),
    memoryMiB: t.integer().notNull(),
    diskMiB: t.integer().notNull(),
    pricePerSecond: t.bigint().notNull(),
    pricePerGpuHour: t.bigint().notNull(),
    maxLeases: t.integer().notNull(),
    activeLeases: t.integer().notNull(),
    minDuration: t.bigint().notNull(),
    maxDuration: t.bigint().notNull(),
    postedAt: t.bigint().notNull(),
    postedBlock: t.bigint().notNull(),
    /** When it was withdrawn (null while not). */
    withdrawnAt: t.bigint(),
  }),
  (table) => ({
    byModel: index().on(table.gpuModel, table.state, table.pricePerGpuHour),
    byProvider: index().on(table.provider),
  }),
);

/** Leases. state: pending | running | completed | closed. */
export const lease = onchainTable(
  "lease",
  (t) => ({
    id: t.bigint().primaryKey(),
    buyer: t.hex().notNull(),
    provider: t.hex().notNull(),
    offerId: t.bigint().notNull(),
    requestId: t.bigint().notNull(),
    gpuModel: t.hex().notNull(),
    gpuCount: t.integer().notNull(),
    pricePerSecond: t.bigint().notNull(),
    deposit: t.bigint().notNull(),
    paid: t.bigint().notNull(),
    fees: t.bigint().notNull(),
    state: t.text().notNull(),
    exitCode: t.integer(),
    closeReason: t.integer(),
    noShow: t.boolean().notNull(),
    createdAt: t.bigint().notNull(),
    startedAt: t.bigint(),
    endedAt: t.bigint(),
  }),
  (table) => ({ byProvider: index().on(table.provider), byState: index().on(table.state) }),
);

/** Requests (reverse auctions): what a lease made from one asked for. */
export const request = onchainTable("request", (t) => ({
  id: t.bigint().primaryKey(),
  buyer: t.hex().notNull(),
  gpuModel: t.hex().notNull(),
  gpuCount: t.integer().notNull(),
  createdAt: t.bigint().notNull(),
}));

/** Providers and their running record. */
export const provider = onchainTable("provider", (t) => ({
  address: t.hex().primaryKey(),
  endpoint: t.text().notNull(),
  region: t.hex().notNull(),
  stake: t.bigint().notNull(),
  jailed: t.boolean().notNull(),
  registeredAt: t.bigint().notNull(),
  leases: t.integer().notNull(),
  completed: t.integer().notNull(),
  failed: t.integer().notNull(),
  noShows: t.integer().notNull(),
  earnings: t.bigint().notNull(),
  slashes: t.integer().notNull(),
  slashed: t.bigint().notNull(),
}));

/** Current hardware attestations, one per provider, model and GPU index (the latest replaces the earlier). */
export const attestation = onchainTable(
  "attestation",
  (t) => ({
    id: t.text().primaryKey(),
    provider: t.hex().notNull(),
    model: t.hex().notNull(),
    gpuIndex: t.integer().notNull(),
    score: t.integer().notNull(),
    expiresAt: t.bigint().notNull(),
    challengeId: t.bigint().notNull(),
    validator: t.hex().notNull(),
  }),
  (table) => ({ byProvider: index().on(table.provider, table.model) }),
);

/** A provider's reputation events (the SDK formula's `ReputationEvent`s). */
export const reputationEvent = onchainTable(
  "reputation_event",
  (t) => ({
    id: t.text().primaryKey(),
    provider: t.hex().notNull(),
    kind: t.text().notNull(),
    at: t.bigint().notNull(),
  }),
  (table) => ({ byProvider: index().on(table.provider) }),
);

/** Settlements: revenue and fees over time. */
export const settlement = onchainTable(
  "settlement",
  (t) => ({
    id: t.text().primaryKey(),
    leaseId: t.bigint().notNull(),
    paid: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ byTime: index().on(table.timestamp) }),
);

/** Tokens minted (from the zero address) and burned (to it). kind: mint | burn (OCX), creditsMint | creditsBurn. */
export const supplyChange = onchainTable(
  "supply_change",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ byTime: index().on(table.timestamp) }),
);

/**
 * Governor proposals (OcxGovernor's events): what was proposed, the votes summed from VoteCast and
 * VoteCastWithParams, the quorum its snapshot needs, and when it was queued (with its eta), executed or canceled.
 */
export const proposal = onchainTable(
  "proposal",
  (t) => ({
    id: t.bigint().primaryKey(),
    proposer: t.hex().notNull(),
    description: t.text().notNull(),
    /** What the timelock runs if it passes: `[{ target, value, calldata }]`, value a decimal string of wei. */
    calls: t.json().notNull(),
    /** The block whose delegated votes count; the vote opens after it (the governor's clock is block numbers). */
    voteStart: t.bigint().notNull(),
    /** The last block of the vote. */
    voteEnd: t.bigint().notNull(),
    forVotes: t.bigint().notNull(),
    againstVotes: t.bigint().notNull(),
    abstainVotes: t.bigint().notNull(),
    voters: t.integer().notNull(),
    /** `quorum(voteStart)`, read from the governor at the first vote (null while none was cast). */
    quorum: t.bigint(),
    /** When a queued proposal can be executed (unix seconds; null until ProposalQueued). */
    eta: t.bigint(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    queuedAt: t.bigint(),
    /** When it was executed: the governor's ProposalExecuted, or the timelock's CallExecuted of its operation. */
    executedAt: t.bigint(),
    /** When it was canceled: the governor's ProposalCanceled, or the timelock's Cancelled of its operation. */
    canceledAt: t.bigint(),
  }),
  (table) => ({ byCreated: index().on(table.createdBlock) }),
);

/** Votes on proposals (VoteCast, VoteCastWithParams). support: 0 against, 1 for, 2 abstain. */
/**
 * The timelock operation of each queued proposal (its id as GovernorTimelockControl derives it): the timelock's own
 * CallExecuted and Cancelled name only the operation, and anyone may execute a ready operation on the timelock
 * directly (the devnet lets any account), without the governor's ProposalExecuted.
 */
export const timelockOperation = onchainTable("timelock_operation", (t) => ({
  id: t.hex().primaryKey(),
  proposalId: t.bigint().notNull(),
}));

export const vote = onchainTable(
  "vote",
  (t) => ({
    id: t.text().primaryKey(),
    proposalId: t.bigint().notNull(),
    voter: t.hex().notNull(),
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    /** VoteCastWithParams' params (null for VoteCast). */
    params: t.hex(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byProposal: index().on(table.proposalId) }),
);

/**
 * Emission epochs with recorded work (Emissions' WorkRecorded and RewardClaimed): the epoch's time, what it emits
 * (fixed by the contract at its first work, read then with `getEpoch`), the verified GPU-seconds recorded and the
 * OCX claimed (minted) from it.
 */
export const emissionEpoch = onchainTable("emission_epoch", (t) => ({
  epoch: t.bigint().primaryKey(),
  /** Unix seconds; null while the contract has not fixed the epoch (only a lease's first sight was recorded). */
  start: t.bigint(),
  end: t.bigint(),
  emission: t.bigint(),
  units: t.bigint().notNull(),
  claimed: t.bigint().notNull(),
}));

/** One provider's work and claim in one epoch. */
export const emissionShare = onchainTable(
  "emission_share",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    provider: t.hex().notNull(),
    /** Verified GPU-seconds recorded (WorkRecorded.units). */
    units: t.bigint().notNull(),
    /** Paid lease seconds recorded, verified or not. */
    seconds: t.bigint().notNull(),
    /** RewardClaimed: OCX minted (0 when forfeited); null until claimed. */
    reward: t.bigint(),
    forfeited: t.boolean().notNull(),
    claimedAt: t.bigint(),
  }),
  (table) => ({ byEpoch: index().on(table.epoch) }),
);
