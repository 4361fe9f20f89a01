// Step 2 of a job: a lease, by the cheapest path. An offer through the provider's signed quote (one transaction,
// already acknowledged), else the offer as posted and the provider's acknowledgement; or a reverse auction that
// ends at its deadline by this machine's clock.
import type { Account, Address, Chain, Hex, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import { cancelRequestSync } from "../actions/marketplace/cancelRequest.js";
import { closeAuctionSync } from "../actions/marketplace/closeAuction.js";
import { getRequest } from "../actions/marketplace/getRequest.js";
import { postRequestSync } from "../actions/marketplace/postRequest.js";
import { takeOfferSync } from "../actions/marketplace/takeOffer.js";
import { takeQuoteSync } from "../actions/marketplace/takeQuote.js";
import { getProvider } from "../actions/registry/getProvider.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { formatMoney, paymentUnit } from "../credits/money.js";
import type { Deployment } from "../deployment.js";
import { OcxContractError, OcxError, OcxNoMatchError, OcxProviderError, toOcxError } from "../errors.js";
import { marketplaceAbi } from "../generated/abis.js";
import { RequestState } from "../generated/enums.js";
import { manifestHash } from "../manifest/canonical.js";
import type { Manifest } from "../manifest/types.js";
import { createProviderClient, type ProviderQuote } from "../provider/client.js";
import { toLabel } from "../units.js";
import { waitForAcknowledgement } from "./acknowledgement.js";
import { auctionPricePerSecond, type DepositOptions, leaseDeposit, maxLeaseDeposit } from "./deposit.js";
import type { OnRunJobEvent } from "./events.js";
import type { FindOfferReturnType } from "./findOffer.js";
import { sleep } from "./retry.js";

/** Parameters of `takeLease`. */
export interface TakeLeaseParameters extends DepositOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The buyer's key, which signs the quote request to the provider. */
  account: LocalAccount;
  deployment: Deployment;
  manifest: Manifest;
  /** What `findOffer` chose. */
  found: FindOfferReturnType;
  /** Ask the provider for a signed quote first. Default: true. */
  quote?: boolean;
  /** How long an auction takes bids, in seconds (at least 60). Default: 60. */
  biddingSeconds?: number;
  /** How often to poll the chain while waiting, in ms. Default: 250. */
  pollMs?: number;
  onEvent?: OnRunJobEvent;
}

/** A lease ready for its job: acknowledged by its provider. */
export interface TakenLease {
  leaseId: bigint;
  /** The taken offer, or 0 for a lease won at auction. */
  offerId: bigint;
  /** The auction's request, or 0 for a lease from an offer. */
  requestId: bigint;
  provider: Address;
  /** The provider's API, as registered on-chain. */
  endpoint: string;
  /** The key that signs the provider's API answers, as registered on-chain. */
  apiSigner: Address;
  pricePerSecond: bigint;
  deposit: bigint;
  /** The block the lease was created in: its bill is read from there. */
  fromBlock: bigint;
  /** How the lease was made. */
  via: "quote" | "offer" | "auction";
}

/**
 * Takes a lease for `manifest` as `findOffer` chose, and returns once the provider has acknowledged it. On an
 * offer, asks its provider for a signed quote (`requestQuote`) and takes it with `takeQuote`; when the provider
 * gives none, takes the offer as posted and waits for the acknowledgement (`waitForAcknowledgement`). On an
 * auction, posts a request, reports the best bid as bidding goes, and at the deadline (this machine's clock)
 * closes it; with no bid the deposit is refunded and `OcxNoMatchError` is thrown.
 * @example
 * const found = await findOffer(publicClient, { deployment, manifest });
 * const lease = await takeLease({ publicClient, walletClient, account, deployment, manifest, found });
 * console.log(lease.leaseId, lease.via);
 */
export async function takeLease(parameters: TakeLeaseParameters): Promise<TakenLease> {
  const lease =
    parameters.found.kind === "offer"
      ? await takeOffer(parameters, parameters.found)
      : await runAuction(parameters, parameters.found.maxPricePerGpuHour);
  if (lease.via !== "quote") {
    await waitForAcknowledgement(parameters.publicClient, {
      deployment: parameters.deployment,
      leaseId: lease.leaseId,
      url: lease.endpoint,
      pollMs: parameters.pollMs ?? 250,
      onWait: (ackDeadline) => parameters.onEvent?.({ type: "acknowledging", leaseId: lease.leaseId, ackDeadline }),
    });
  }
  return lease;
}

/** The provider's API URL and answer-signing key, from its registry record. */
async function apiOf(
  parameters: TakeLeaseParameters,
  provider: Address,
): Promise<Pick<TakenLease, "endpoint" | "apiSigner">> {
  const record = await getProvider(parameters.publicClient, { deployment: parameters.deployment, provider });
  return { endpoint: record.endpoint, apiSigner: record.apiSigner };
}

async function takeOffer(
  parameters: TakeLeaseParameters,
  found: Extract<FindOfferReturnType, { kind: "offer" }>,
): Promise<TakenLease> {
  const { walletClient, deployment, manifest } = parameters;
  const emit = parameters.onEvent ?? (() => {});
  const { offer } = found;
  emit({ type: "offer", offer, pricePerGpuHour: found.pricePerGpuHour });
  const hash = manifestHash(manifest);
  const api = await apiOf(parameters, offer.provider);

  if (parameters.quote !== false) {
    const quoted = await requestQuote(parameters, api, offer.offerId, hash);
    if (quoted) {
      emit({
        type: "quote",
        offerId: offer.offerId,
        pricePerSecond: quoted.quote.pricePerSecond,
        expiry: quoted.quote.expiry,
      });
      const deposit = leaseDeposit({ ...offer, pricePerSecond: quoted.quote.pricePerSecond }, manifest, parameters);
      const taken = await takeQuotedOffer(parameters, quoted, deposit);
      if (taken) return { ...taken, ...api, offerId: offer.offerId, requestId: 0n, deposit, via: "quote" };
    }
  }

  const deposit = leaseDeposit(offer, manifest, parameters);
  await ensureAllowance(walletClient, { deployment, spender: deployment.marketplace, amount: deposit });
  const { receipt, event } = await takeOfferSync(walletClient, {
    deployment,
    offerId: offer.offerId,
    maxPricePerSecond: offer.pricePerSecond,
    manifestHash: hash,
    deposit,
  });
  return {
    leaseId: event.leaseId,
    offerId: offer.offerId,
    requestId: 0n,
    provider: event.provider,
    ...api,
    pricePerSecond: offer.pricePerSecond,
    deposit,
    fromBlock: receipt.blockNumber,
    via: "offer",
  };
}

/** The provider's signed quote, or undefined when it gives none (an older node, or it cannot be reached). */
async function requestQuote(
  parameters: TakeLeaseParameters,
  api: Pick<TakenLease, "endpoint" | "apiSigner">,
  offerId: bigint,
  hash: Hex,
): Promise<{ quote: ProviderQuote; signature: Hex } | undefined> {
  const client = createProviderClient({
    url: api.endpoint,
    account: parameters.account,
    chainId: parameters.deployment.chainId,
    marketplace: parameters.deployment.marketplace,
    apiSigner: api.apiSigner,
  });
  try {
    return await client.requestQuote(offerId, hash);
  } catch (error) {
    if (!(error instanceof OcxProviderError)) throw error;
    parameters.onEvent?.({ type: "quote-unavailable", offerId, reason: error.shortMessage });
    return undefined;
  }
}

/**
 * Takes the provider's quote on-chain: one transaction, the lease already acknowledged. A quote the contract
 * refuses (expired, nonce used, bad signature, price above the offer's) is reported and the offer is taken as
 * posted instead.
 */
async function takeQuotedOffer(
  parameters: TakeLeaseParameters,
  quoted: { quote: ProviderQuote; signature: Hex },
  deposit: bigint,
): Promise<Pick<TakenLease, "leaseId" | "provider" | "pricePerSecond" | "fromBlock"> | undefined> {
  const { walletClient, deployment } = parameters;
  await ensureAllowance(walletClient, { deployment, spender: deployment.marketplace, amount: deposit });
  try {
    const { receipt, event } = await takeQuoteSync(walletClient, {
      deployment,
      quote: quoted.quote,
      signature: quoted.signature,
      deposit,
    });
    return {
      leaseId: event.leaseId,
      provider: event.provider,
      pricePerSecond: event.pricePerSecond,
      fromBlock: receipt.blockNumber,
    };
  } catch (error) {
    if (!(error instanceof OcxContractError) || !error.errorName.startsWith("MarketplaceQuote")) throw error;
    parameters.onEvent?.({ type: "quote-unavailable", offerId: quoted.quote.offerId, reason: error.shortMessage });
    return undefined;
  }
}

/** Posts a request for bids, reports its progress, and at the deadline takes the lowest bid or gets the refund. */
async function runAuction(parameters: TakeLeaseParameters, maxPricePerGpuHour: bigint): Promise<TakenLease> {
  const { publicClient, walletClient, deployment, manifest } = parameters;
  const emit = parameters.onEvent ?? (() => {});
  const pollMs = Math.max(parameters.pollMs ?? 250, 250);
  const maxPricePerSecond = auctionPricePerSecond(maxPricePerGpuHour, manifest.resources.gpu.count);
  if (maxPricePerSecond === 0n) {
    throw new OcxNoMatchError(
      `a price limit of ${formatMoney(maxPricePerGpuHour, paymentUnit(deployment))} per GPU-hour is below 1 wei per second: no provider can bid; raise --max-price`,
    );
  }
  const deposit = maxLeaseDeposit({ kind: "auction", maxPricePerGpuHour, reasons: [] }, manifest, parameters);
  await ensureAllowance(walletClient, { deployment, spender: deployment.marketplace, amount: deposit });
  // The deadline is checked against the block that includes the request; on an idle chain the latest block is old,
  // so count from whichever is later, the chain's time or this machine's.
  const blockTime = (await publicClient.getBlock()).timestamp;
  const wallTime = BigInt(Math.floor(Date.now() / 1000));
  const window = BigInt(Math.max(parameters.biddingSeconds ?? 60, 60));
  const biddingDeadline = (blockTime > wallTime ? blockTime : wallTime) + window + 1n;
  const hash = manifestHash(manifest);
  const { receipt: posted, event: request } = await postRequestSync(walletClient, {
    deployment,
    requirements: {
      gpuModel: toLabel(manifest.resources.gpu.models.length === 1 ? (manifest.resources.gpu.models[0] as string) : ""),
      region: toLabel(manifest.placement.regions.length === 1 ? (manifest.placement.regions[0] as string) : ""),
      gpuCount: manifest.resources.gpu.count,
      gpuVramMiB: manifest.resources.gpu.minVramMiB,
      cpuMillicores: manifest.resources.cpuMillicores,
      memoryMiB: manifest.resources.memoryMiB,
      diskMiB: manifest.resources.diskMiB,
    },
    maxPricePerSecond,
    deposit,
    biddingDeadline: Number(biddingDeadline),
    manifestHash: hash,
  });
  const { requestId } = request;
  const deadline = BigInt(request.biddingDeadline);
  emit({ type: "request", requestId, maxPricePerSecond, deadline });

  // Bidding runs until the deadline: by this machine's clock (an idle chain makes no blocks), or the chain's.
  for (;;) {
    const [onChain, block] = await Promise.all([
      getRequest(publicClient, { deployment, requestId }),
      publicClient.getBlock(),
    ]);
    const secondsLeft = Number(deadline) - Math.floor(Date.now() / 1000);
    const hasBid = onChain.bestBidder !== "0x0000000000000000000000000000000000000000";
    emit({
      type: "auction",
      requestId,
      bestPrice: hasBid ? onChain.bestPrice : null,
      bestBidder: hasBid ? onChain.bestBidder : null,
      secondsLeft: Math.max(secondsLeft, 0),
    });
    if (onChain.state !== RequestState.Open || secondsLeft <= 0 || block.timestamp >= deadline) break;
    await sleep(Math.min(pollMs * 4, Math.max(secondsLeft * 1000, 50)));
  }
  await closeAtDeadline(parameters, requestId, deadline);

  const onChain = await getRequest(publicClient, { deployment, requestId });
  if (onChain.state === RequestState.Cancelled) {
    emit({ type: "refunded", requestId, refund: deposit });
    throw new OcxNoMatchError(
      `no provider bid on request #${requestId} by its deadline; the deposit of ${formatMoney(deposit, paymentUnit(deployment))} came back: ` +
        "raise --max-price, ask for less, or try later",
    );
  }
  const [closed] = await publicClient.getContractEvents({
    address: deployment.marketplace,
    abi: marketplaceAbi,
    eventName: "RequestClosed",
    args: { requestId },
    fromBlock: posted.blockNumber,
    strict: true,
  });
  if (!closed) throw new OcxError(`request #${requestId} is closed but its RequestClosed event was not found`);
  return {
    leaseId: closed.args.leaseId,
    offerId: 0n,
    requestId,
    provider: closed.args.winner,
    ...(await apiOf(parameters, closed.args.winner)),
    pricePerSecond: closed.args.pricePerSecond,
    deposit,
    fromBlock: closed.blockNumber,
    via: "auction",
  };
}

/** How far behind this machine's clock the latest block may be before the chain counts as idle (no blocks). */
const IDLE_CHAIN_SECONDS = 3n;
/** How long to wait for the chain's time to pass the deadline before giving up on closing. */
const CHAIN_CATCH_UP_MS = 60_000;

/**
 * Closes the auction unless someone (the winning provider, say) already has. The contract checks the deadline
 * against the block's time: on an idle chain (no block for a few seconds: a devnet) one empty transaction makes a
 * block at this machine's time; on a live chain the next blocks get there. If closing fails for another reason
 * (a pause), the request is cancelled so the deposit comes back.
 */
async function closeAtDeadline(parameters: TakeLeaseParameters, requestId: bigint, deadline: bigint): Promise<void> {
  const { publicClient, walletClient, deployment } = parameters;
  const open = async () => (await getRequest(publicClient, { deployment, requestId })).state === RequestState.Open;
  if (!(await open())) return;
  let giveUpAt = Number.POSITIVE_INFINITY;
  let nudgedAt = 0;
  for (;;) {
    const blockTime = (await publicClient.getBlock()).timestamp;
    if (blockTime >= deadline) break;
    // Wait out the last second on this clock, so a block made now is past the deadline.
    const wait = (Number(deadline) + 1) * 1000 - Date.now();
    if (wait > 0) {
      await sleep(wait);
      continue;
    }
    if (giveUpAt === Number.POSITIVE_INFINITY) giveUpAt = Date.now() + CHAIN_CATCH_UP_MS;
    if (Date.now() > giveUpAt) {
      throw new OcxError(
        `the chain's time is still before request #${requestId}'s deadline ${CHAIN_CATCH_UP_MS / 1000} s after it ` +
          `passed on this machine: check this machine's clock; the request stays open: run \`ocx market close ${requestId}\` ` +
          `once the chain's time has passed the deadline, or \`ocx market cancel ${requestId}\` to take the deposit back`,
      );
    }
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (now - blockTime > IDLE_CHAIN_SECONDS && Date.now() - nudgedAt > 5_000) {
      nudgedAt = Date.now();
      const hash = await walletClient.sendTransaction({ to: walletClient.account.address, value: 0n });
      await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 });
      continue;
    }
    await sleep(500);
  }
  try {
    await closeAuctionSync(walletClient, { deployment, requestId });
  } catch (closeError) {
    if (!(await open())) return; // someone closed it first
    try {
      await cancelRequestSync(walletClient, { deployment, requestId });
    } catch {
      throw new OcxError(
        `request #${requestId} could not be closed (${toOcxError(closeError).shortMessage}); its deposit stays ` +
          `locked until it is: run \`ocx market close ${requestId}\` or \`ocx market cancel ${requestId}\``,
        { cause: closeError },
      );
    }
  }
}
