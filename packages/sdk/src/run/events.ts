// What the steps of a job report as they go, for progress displays and agents.
import type { Address } from "viem";
import type { ProviderLeaseStatus } from "../provider/client.js";
import type { OfferTerms } from "./match.js";

/** An event of `runJob` or of one of its steps. */
export type RunJobEvent =
  | { type: "offer"; offer: OfferTerms; pricePerGpuHour: bigint }
  /** The provider quoted a price for the job; the lease is taken at it, already acknowledged. */
  | { type: "quote"; offerId: bigint; pricePerSecond: bigint; expiry: bigint }
  /** The provider gave no quote: the offer is taken as posted and the provider must acknowledge it. */
  | { type: "quote-unavailable"; offerId: bigint; reason: string }
  | { type: "request"; requestId: bigint; maxPricePerSecond: bigint; deadline: bigint }
  /** The auction's progress: the best bid so far and the seconds left by this machine's clock. */
  | { type: "auction"; requestId: bigint; bestPrice: bigint | null; bestBidder: Address | null; secondsLeft: number }
  /** No provider bid: the request was closed or cancelled and the deposit came back. */
  | { type: "refunded"; requestId: bigint; refund: bigint }
  | { type: "acknowledging"; leaseId: bigint; ackDeadline: bigint }
  /** The lease is taken: `deposit` is in its escrow; its bill (`billLease`) starts at block `fromBlock`. */
  | { type: "lease"; leaseId: bigint; provider: `0x${string}`; deposit: bigint; endpoint: string; fromBlock: bigint }
  | { type: "uploaded"; files: number; bytes: number }
  | { type: "started" }
  | { type: "log"; stream: "stdout" | "stderr"; chunk: Uint8Array }
  /** A call to the provider failed in a way a retry can fix; it is tried again after `delayMs`. */
  | { type: "retry"; what: string; attempt: number; delayMs: number; error: string }
  | { type: "finished"; status: ProviderLeaseStatus }
  | { type: "results"; path: string; sha256: `0x${string}`; bytes: number };

/** Receives a step's events. */
export type OnRunJobEvent = (event: RunJobEvent) => void;
