// The OCX indexer's HTTP API: every route and the JSON it answers. The indexer (apps/indexer), the SDK client
// (./client.ts), the CLI and the dashboard share these types. Token amounts are decimal strings of wei (exact
// integers; JSON numbers lose precision past 2^53); times are unix seconds; addresses are checksummed.
import type { PaymentUnit } from "../credits/money.js";

/** A decimal string of an exact integer amount in wei (18 decimals for OCX). */
export type WeiString = string;

/** The chain position an answer reflects: the last block the indexer has processed. */
export interface IndexedBlock {
  number: number;
  /** Unix seconds. */
  timestamp: number;
  hash: `0x${string}`;
}

/**
 * `GET /health`: 200 while the process runs (Ponder's own route). `GET /ready`: 200 once the backfill has reached the
 * chain's head, 503 before. `GET /metrics`: Prometheus text (Ponder's ponder_* series).
 * `GET /info` (this API; Ponder keeps `/status` for its own checkpoints): where indexing stands.
 */
export interface IndexerStatus {
  chainId: number;
  block: IndexedBlock | null;
  /** The contracts indexed, by deployment key (token, registry, marketplace, …) → address. */
  contracts: Record<string, `0x${string}`>;
  /** The ERC-20 the Marketplace settles in. */
  paymentToken: `0x${string}`;
  /** What the market's amounts (prices, revenue, fees, earnings) count: "usd" credits ($1, 18 decimals) or "ocx". */
  unit: PaymentUnit;
}

/**
 * Sort orders of `GET /offers`: `price` ascending per GPU-hour (ties by offer id), `reputation` descending (ties by
 * price), `id` ascending (the order offers were posted).
 */
export type OfferSort = "price" | "reputation" | "id";

/**
 * Query of `GET /offers` (all optional). The order book: offers whose state is active (or `state=all`).
 * `gpuModel` and `region` are labels ("h100", "eu-west"; `gpuModel=cpu` keeps CPU-only bundles); `verified=1` keeps
 * offers whose GPUs hold a current attestation; `maxPrice` is wei per GPU-hour; `limit` default 100, at most
 * 100,000; `provider` filters by address. Every filter applies before `total`, `offset` and `limit`.
 */
export interface OffersQuery {
  gpuModel?: string;
  region?: string;
  verified?: boolean;
  /** Only bundles with at least this many GPUs. */
  minGpus?: number;
  /** Only providers whose reputation is at least this, 0 to 1. */
  minReputation?: number;
  /** Wei per GPU-hour (decimal string or bigint). */
  maxPrice?: bigint | string;
  sort?: OfferSort;
  provider?: `0x${string}`;
  state?: "active" | "all";
  limit?: number;
  offset?: number;
}

/** One offer as the indexer knows it (terms as posted or updated, live lease count, trust). */
export interface IndexedOffer {
  offerId: string;
  provider: `0x${string}`;
  /** The contract's `OfferState` number and its lower-case name. */
  state: number;
  stateName: string;
  gpuModel: string;
  /** The bytes32 label as on-chain. */
  gpuModelLabel: `0x${string}`;
  region: string;
  regionLabel: `0x${string}`;
  gpuCount: number;
  gpuVramMiB: number;
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
  pricePerSecond: WeiString;
  /** pricePerSecond × 3600 ÷ max(gpuCount, 1), rounded down (wei per GPU-hour). */
  pricePerGpuHour: WeiString;
  maxLeases: number;
  /** Leases of this offer created and not yet completed or closed. */
  activeLeases: number;
  minDuration: number;
  maxDuration: number;
  /** Its provider holds current attestations for `gpuCount` GPUs of its model ("cpu" for CPU-only bundles). */
  verified: boolean;
  /** Its provider's reputation in [0, 1] (SDK formula over indexed events). */
  reputation: number;
  postedAt: number;
  postedBlock: number;
}

/** `GET /offers`. */
export interface OffersResponse {
  block: IndexedBlock | null;
  /** Offers matching the filters before limit/offset. */
  total: number;
  offers: IndexedOffer[];
}

/** Windows of `GET /metrics/network`. */
export type MetricsWindow = "1h" | "24h" | "7d" | "30d";

/** One bucket of network metrics, over [start, end). */
export interface NetworkMetricsPoint {
  start: number;
  end: number;
  /** gpuSecondsLeased ÷ gpuSecondsOffered (0 when nothing was offered). */
  utilization: number;
  /** GPU-seconds of leases running in the bucket (acknowledged until completed/closed; CPU bundles count 0). */
  gpuSecondsLeased: number;
  /** GPU-seconds of active offers in the bucket (gpuCount × maxLeases × seconds active). */
  gpuSecondsOffered: number;
  gpuHoursServed: number;
  /** Paid to providers plus fees, from LeaseSettled, in the payment token's wei (see `unit`). */
  revenue: WeiString;
  /**
   * Revenue in dollars, for display: exact `revenue` ÷ 10^18 when the market settles in credits; at the last indexed
   * OCX/USD price when it settles in OCX; null when it settles in OCX and no price feed is indexed.
   */
  revenueUsd: number | null;
  /** Protocol fees (LeaseSettled.fee), in the payment token's wei, which the fee sink burns. */
  fees: WeiString;
  /** OCX burned (Transfer to the zero address): credits minted, fees of a market settling in OCX. */
  ocxBurned: WeiString;
  /** OCX minted (Transfer from the zero address): emissions and credit redemptions. */
  ocxEmitted: WeiString;
  /** Credits minted (against burned OCX), in wei of $1 credits; "0" without credits. */
  creditsMinted: WeiString;
  /** Credits burned (redeemed for OCX, or a fee the sink burns), in wei of $1 credits. */
  creditsBurned: WeiString;
  /** Providers with a lease running or created in the bucket. */
  activeProviders: number;
  activeBuyers: number;
  /** LeaseCompleted with exit code 0. */
  jobsCompleted: number;
  /** LeaseCompleted with a non-zero exit code. */
  jobsFailed: number;
  /** LeaseClosed before completion (cancel, no-show, exhaustion). */
  jobsCancelled: number;
  /** Median seconds from LeaseCreated to LeaseAcknowledged of leases acknowledged in the bucket; null when none. */
  medianRequestToRunningSeconds: number | null;
  noShows: number;
}

/** `GET /metrics/network?window=1h|24h|7d|30d&bucket=<seconds>` (default window 24h, 48 buckets). */
export interface NetworkMetricsResponse {
  block: IndexedBlock | null;
  /** The unit of revenue and fees. */
  unit: PaymentUnit;
  window: MetricsWindow;
  bucketSeconds: number;
  from: number;
  to: number;
  /** The whole window as one bucket. */
  totals: NetworkMetricsPoint;
  series: NetworkMetricsPoint[];
}

/** One GPU model's price index over recent leases (wei per GPU-hour). */
export interface ModelPrice {
  gpuModel: string;
  leases: number;
  median: WeiString;
  p25: WeiString;
  p75: WeiString;
  iqr: WeiString;
}

/** `GET /prices?window=7d` (leases created in the window; default 7d). */
export interface PricesResponse {
  block: IndexedBlock | null;
  window: MetricsWindow;
  models: ModelPrice[];
}

/** A provider's record. */
export interface IndexedProvider {
  address: `0x${string}`;
  endpoint: string;
  region: string;
  stake: WeiString;
  jailed: boolean;
  leases: number;
  activeLeases: number;
  completed: number;
  failed: number;
  noShows: number;
  /** Paid to the provider by settlements (after fees). */
  earnings: WeiString;
  /** Share of its leases it acknowledged (1 − noShows ÷ leases that reached acknowledgement or no-show); null when none. */
  uptime: number | null;
  /** Current (unexpired) attestations, one per GPU index and model. */
  attestations: number;
  verified: boolean;
  reputation: number;
  slashes: number;
  slashed: WeiString;
  registeredAt: number;
}

/** `GET /providers?sort=reputation|earnings|leases`. */
export interface ProvidersResponse {
  block: IndexedBlock | null;
  providers: IndexedProvider[];
}

/** One attestation (ProofOfCompute `Attested`). */
export interface IndexedAttestation {
  model: string;
  gpuIndex: number;
  score: number;
  expiresAt: number;
  challengeId: string;
  validator: `0x${string}`;
}

/** A lease as indexed. `state`: pending (not acknowledged), running, completed, closed. */
export interface IndexedLease {
  leaseId: string;
  buyer: `0x${string}`;
  provider: `0x${string}`;
  offerId: string;
  requestId: string;
  gpuModel: string;
  gpuCount: number;
  pricePerSecond: WeiString;
  deposit: WeiString;
  paid: WeiString;
  fees: WeiString;
  state: "pending" | "running" | "completed" | "closed";
  exitCode: number | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** `GET /providers/:address`. 404 when the address never registered. */
export interface ProviderDetailResponse {
  block: IndexedBlock | null;
  provider: IndexedProvider;
  attestations: IndexedAttestation[];
  /** Its latest 100 leases, newest first. */
  leases: IndexedLease[];
}

/** `GET /leases?live=1&provider=&buyer=&limit=` (live: pending or running), newest first. */
export interface LeasesResponse {
  block: IndexedBlock | null;
  leases: IndexedLease[];
}

/**
 * `GET /events`: Server-Sent Events. One `block` event per indexed block, its data an `IndexedBlock` JSON, sent
 * when the indexer has processed the block (the dashboard refreshes on it). A `: ping` comment every 15 s.
 */
export type IndexerEvent = { type: "block"; block: IndexedBlock };

/** The error body of every 4xx/5xx answer. */
export interface IndexerErrorBody {
  error: string;
}

/**
 * A proposal's state at the indexed block, as OpenZeppelin's `Governor.state()` reads it with that block as its clock:
 * `executed`, `canceled` and `queued` from the governor's events; otherwise `pending` until the block after
 * `voteStart`, `active` through `voteEnd`, then `succeeded` when the quorum was met (for + abstain ≥ `quorum`) and for
 * beat against, else `defeated`. Not seen from events: a timelock operation cancelled or executed on the timelock
 * itself, outside the governor (the proposal still reads `queued`).
 */
export type IndexedProposalState = "pending" | "active" | "canceled" | "defeated" | "succeeded" | "queued" | "executed";

/** One governor proposal as indexed (OcxGovernor `ProposalCreated`, votes, `ProposalQueued`/`Executed`/`Canceled`). */
export interface IndexedProposal {
  /** The governor's id (a uint256) as a decimal string. */
  proposalId: string;
  proposer: `0x${string}`;
  description: string;
  /** What the timelock runs if it passes, in order: `value` in wei. */
  calls: { target: `0x${string}`; value: WeiString; calldata: `0x${string}` }[];
  state: IndexedProposalState;
  /** The block whose delegated votes count; the vote opens after it (the governor counts blocks). */
  voteStart: number;
  /** The last block of the vote. */
  voteEnd: number;
  /** Votes summed from VoteCast and VoteCastWithParams, in OCX wei. */
  votes: { for: WeiString; against: WeiString; abstain: WeiString };
  /** Accounts that voted. */
  voters: number;
  /** Votes (for + abstain) needed: `quorum(voteStart)` read from the governor at the first vote; null before one. */
  quorum: WeiString | null;
  /** Unix seconds from which a queued proposal can be executed; null until queued. */
  eta: number | null;
  createdAt: number;
  createdBlock: number;
  queuedAt: number | null;
  executedAt: number | null;
  canceledAt: number | null;
}

/** One vote on a proposal. */
export interface IndexedVote {
  voter: `0x${string}`;
  support: "against" | "for" | "abstain";
  /** The voter's delegated votes at the snapshot, in OCX wei. */
  weight: WeiString;
  reason: string;
  /** VoteCastWithParams' params; null for a plain VoteCast. */
  params: `0x${string}` | null;
  blockNumber: number;
  timestamp: number;
  txHash: `0x${string}`;
}

/** Query of `GET /governance/proposals` (all optional): `limit` default 20, at most 500. */
export interface ProposalsQuery {
  state?: IndexedProposalState;
  limit?: number;
  offset?: number;
}

/** `GET /governance/proposals?state&limit&offset`: newest first; `total` counts those in `state` before paging. */
export interface ProposalsResponse {
  block: IndexedBlock | null;
  total: number;
  proposals: IndexedProposal[];
}

/** `GET /governance/proposals/:id`: 404 when no such proposal is indexed. Votes oldest first. */
export interface ProposalDetailResponse {
  block: IndexedBlock | null;
  proposal: IndexedProposal;
  votes: IndexedVote[];
}

/** One provider's part of an emission epoch. */
export interface EmissionShare {
  provider: `0x${string}`;
  /** Verified GPU-seconds recorded for it (WorkRecorded `units`), a decimal string. */
  units: string;
  /** Paid lease seconds recorded, verified or not, a decimal string. */
  seconds: string;
  /** OCX minted to it by RewardClaimed (0 when forfeited); null while not claimed. */
  reward: WeiString | null;
  /** Slashed in or after the epoch: its claim minted nothing. */
  forfeited: boolean;
  claimedAt: number | null;
}

/** One emission epoch with recorded work (Emissions `WorkRecorded`, `RewardClaimed`). */
export interface IndexedEmissionEpoch {
  epoch: number;
  /** Unix seconds; null while the contract has not fixed the epoch (only a lease's first sight recorded). */
  start: number | null;
  end: number | null;
  /** What the epoch emits in OCX wei, fixed by the contract at its first credited work; null before that. */
  emission: WeiString | null;
  /** Verified GPU-seconds recorded in the epoch, all providers. */
  units: string;
  /** OCX minted by its claims so far (each ⌊emission × units ÷ epoch units⌋, rounded down). */
  claimed: WeiString;
  /** Providers with work or a claim in it, by address. */
  shares: EmissionShare[];
}

/** `GET /emissions?limit&offset`: epochs newest first (`limit` default 20, at most 500). */
export interface EmissionsResponse {
  block: IndexedBlock | null;
  /** Epochs with recorded work. */
  total: number;
  epochs: IndexedEmissionEpoch[];
}

/**
 * Query of `GET /log` (all optional): `contract` an indexed contract's name (OcxToken, Marketplace, OcxGovernor, …, as
 * `/info`'s keys' contracts), `event` an event's ABI name, blocks inclusive; `limit` default 100, at most 1,000.
 */
export interface LogQuery {
  contract?: string;
  event?: string;
  fromBlock?: number;
  toBlock?: number;
  limit?: number;
  offset?: number;
}

/** One event as indexed: its args decoded from the ABI, bigints as decimal strings. */
export interface IndexedLogEntry {
  contract: string;
  event: string;
  args: Record<string, unknown>;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  txHash: `0x${string}`;
}

/** `GET /log`: newest first, up to the indexed block; `total` counts the matches before paging. */
export interface LogResponse {
  block: IndexedBlock | null;
  total: number;
  entries: IndexedLogEntry[];
}
