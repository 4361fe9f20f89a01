// Steps 1–4 of a job or a service, the one path by which money goes into a lease: choose an offer (or an
// auction), fix the most the lease may take into escrow, let the caller approve that amount before any
// transaction, take the lease, upload the manifest and start it. `runJob` and `deployService` go on from here.
import type { Account, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import type { Deployment } from "../deployment.js";
import type { Manifest } from "../manifest/types.js";
import type { ProviderClient } from "../provider/client.js";
import { connectProvider } from "./connect.js";
import { type DepositOptions, maxLeaseDeposit } from "./deposit.js";
import type { OnRunJobEvent } from "./events.js";
import { type FindOfferReturnType, findOffer } from "./findOffer.js";
import { startJob } from "./startJob.js";
import { type TakenLease, takeLease } from "./takeLease.js";
import { type UploadJobReturnType, uploadJob } from "./uploadJob.js";

/** What `launchLease` is about to spend, handed to `approve` before any transaction. */
export interface LeasePlan {
  /** What `findOffer` chose. */
  found: FindOfferReturnType;
  /** The most the lease can take into escrow (`maxLeaseDeposit`): the deposit sent is at most this. */
  maxDeposit: bigint;
}

/** Parameters of `launchLease`. */
export interface LaunchLeaseParameters extends DepositOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The buyer's key, which signs requests to the provider. */
  account: LocalAccount;
  deployment: Deployment;
  /** A job or service manifest, inputs resolved (`resolveInputs`) so each has its sha256. */
  manifest: Manifest;
  /** Folder the inputs' `source` paths are relative to. */
  baseDir: string;
  /** Take this offer instead of the cheapest match. */
  offerId?: bigint;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** "offer": only take offers. "auto" (default): a reverse auction when no offer matches and there is a price limit. */
  market?: "offer" | "auto";
  /** Ask the offer's provider for a signed quote first. Default: true. */
  quote?: boolean;
  /** How long an auction takes bids, in seconds (at least 60). Default: 60. */
  biddingSeconds?: number;
  /** How often to poll the chain while waiting, in ms. Default: 250. */
  pollMs?: number;
  /** How long to keep retrying a provider that cannot be reached, in ms. Default: 60 s. */
  providerRetryMs?: number;
  /**
   * Called once the offer is chosen and the deposit bounded, before any transaction: throw to stop (a spending
   * limit). Nothing has been sent when it throws.
   */
  approve?: (plan: LeasePlan) => void | Promise<void>;
  onEvent?: OnRunJobEvent;
}

/** What `launchLease` returns: the lease, its job uploaded and started, and a client for its provider. */
export interface LaunchLeaseReturnType {
  lease: TakenLease;
  /** Signs requests to the lease's provider with the buyer's key. */
  provider: ProviderClient;
  plan: LeasePlan;
  /** What was uploaded: the manifest and each input (`uploadJob`). */
  uploaded: UploadJobReturnType;
}

/**
 * Chooses an offer (`findOffer`), bounds the deposit (`maxLeaseDeposit`) and asks `approve`, then takes the lease
 * (`takeLease`), emits `{ type: "lease" }`, uploads the manifest and inputs (`uploadJob`) and starts it
 * (`startJob`). Follow a job with `followLogs`, a service with `waitForServices`.
 * @example
 * const { lease, provider } = await launchLease({ publicClient, walletClient, account, deployment, manifest,
 *   baseDir: ".", approve: ({ maxDeposit }) => { if (maxDeposit > cap) throw new Error("over the cap") } });
 * console.log(lease.leaseId, (await provider.status(lease.leaseId)).phase);
 */
export async function launchLease(parameters: LaunchLeaseParameters): Promise<LaunchLeaseReturnType> {
  const { publicClient, deployment, manifest } = parameters;
  const onEvent = parameters.onEvent ?? (() => {});
  const retryMs = parameters.providerRetryMs ?? 60_000;
  const found = await findOffer(publicClient, {
    deployment,
    manifest,
    ...(parameters.offerId !== undefined ? { offerId: parameters.offerId } : {}),
    ...(parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {}),
    ...(parameters.market ? { market: parameters.market } : {}),
  });
  const plan: LeasePlan = { found, maxDeposit: maxLeaseDeposit(found, manifest, parameters) };
  await parameters.approve?.(plan);
  const lease = await takeLease({
    publicClient,
    walletClient: parameters.walletClient,
    account: parameters.account,
    deployment,
    manifest,
    found,
    ...(parameters.deposit !== undefined ? { deposit: parameters.deposit } : {}),
    ...(parameters.hours !== undefined ? { hours: parameters.hours } : {}),
    ...(parameters.quote !== undefined ? { quote: parameters.quote } : {}),
    ...(parameters.biddingSeconds !== undefined ? { biddingSeconds: parameters.biddingSeconds } : {}),
    ...(parameters.pollMs !== undefined ? { pollMs: parameters.pollMs } : {}),
    onEvent,
  });
  const { leaseId, endpoint: url } = lease;
  onEvent({
    type: "lease",
    leaseId,
    provider: lease.provider,
    deposit: lease.deposit,
    endpoint: url,
    fromBlock: lease.fromBlock,
  });
  const provider = connectProvider({ publicClient, deployment, account: parameters.account, lease });
  const uploaded = await uploadJob(provider, { leaseId, url, manifest, baseDir: parameters.baseDir, retryMs, onEvent });
  await startJob(provider, { leaseId, url, retryMs, onEvent });
  return { lease, provider, plan, uploaded };
}
