// Runs a job on OCX end to end: the cheapest matching offer (or a reverse auction when none
// matches), escrow, upload, live logs, verified results, and the lease's final cost.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Account, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import { closeAuctionSync } from "../actions/marketplace/closeAuction.js";
import { postRequestSync } from "../actions/marketplace/postRequest.js";
import { takeOfferSync } from "../actions/marketplace/takeOffer.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import type { Deployment } from "../deployment.js";
import { marketplaceAbi, providerRegistryAbi } from "../generated/abis.js";
import { canonicalManifest, manifestHash } from "../manifest/canonical.js";
import type { Manifest } from "../manifest/types.js";
import { createProviderClient, ProviderApiError, type ProviderLeaseStatus } from "../provider/client.js";
import { toLabel } from "../units.js";
import { cheapestMatch, type OfferTerms, offerMismatches, offerPricePerGpuHour } from "./match.js";
import { listOffers } from "./offers.js";

/** What `runJob` reports as it goes, for progress displays and agents. */
export type RunJobEvent =
  | { type: "offer"; offer: OfferTerms; pricePerGpuHour: bigint }
  | { type: "request"; requestId: bigint; maxPricePerSecond: bigint; deadline: bigint }
  | { type: "lease"; leaseId: bigint; provider: `0x${string}`; deposit: bigint; endpoint: string }
  | { type: "uploaded"; files: number; bytes: number }
  | { type: "started" }
  | { type: "log"; stream: "stdout" | "stderr"; chunk: Uint8Array }
  | { type: "finished"; status: ProviderLeaseStatus }
  | { type: "results"; path: string; sha256: `0x${string}`; bytes: number };

export interface RunJobParameters {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The buyer's key, which signs requests to the provider. */
  account: LocalAccount;
  deployment: Deployment;
  /** The job, with inputs resolved (`resolveInputs`) so each has its sha256. */
  manifest: Manifest;
  /** Folder the inputs' `source` paths are relative to. */
  baseDir: string;
  /** Take this offer instead of the cheapest match. */
  offerId?: bigint;
  /** Escrow to deposit; default: the job's maximum duration at the offer's price. */
  deposit?: bigint;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** Folder to write the verified `lease-<id>.tar.gz` into; default: none (the bytes are checked, not kept). */
  resultsDir?: string;
  onEvent?: (event: RunJobEvent) => void;
  /**
   * "offer": only take offers. "auto" (default): when no offer matches and the job has a price
   * limit, post a request and take the lowest bid (a reverse auction).
   */
  market?: "offer" | "auto";
  /** How long an auction takes bids, in seconds (at least 60). Default: 60. */
  biddingSeconds?: number;
  /** How often to poll the provider while waiting, in ms. Default: 100. */
  pollMs?: number;
}

export interface RunJobReturnType {
  leaseId: bigint;
  offerId: bigint;
  provider: `0x${string}`;
  status: ProviderLeaseStatus;
  exitCode: number;
  resultHash: `0x${string}` | null;
  resultsPath?: string;
  /** What the lease cost: `paid` (to the provider, fee included) = pricePerSecond × seconds; `refund` came back. */
  cost: { pricePerSecond: bigint; seconds: bigint; paid: bigint; fee: bigint; refund: bigint };
}

/** No offer meets the job's needs; `reasons` says, per offer, which need excludes it. */
export class NoMatchingOfferError extends Error {
  override name = "NoMatchingOfferError";
  constructor(readonly reasons: { offerId: bigint; why: string[] }[]) {
    super(
      reasons.length === 0
        ? "no offer is posted on this market yet"
        : `no offer matches the job:\n${reasons.map((r) => `  #${r.offerId}: ${r.why.join("; ")}`).join("\n")}`,
    );
  }
}

const FINAL = ["completed", "cancelled", "closed", "exhausted", "failed"];

/**
 * Runs `manifest` on the cheapest matching offer and returns once the results are verified.
 * @example
 * const manifest = await resolveInputs(parseManifest(yaml), ".");
 * const run = await runJob({ publicClient, walletClient, account, deployment, manifest, baseDir: "." ,
 *   onEvent: (e) => e.type === "log" && process.stdout.write(e.chunk) });
 * console.log(run.exitCode, run.cost.paid);
 */
export async function runJob(parameters: RunJobParameters): Promise<RunJobReturnType> {
  const { publicClient, walletClient, account, deployment, manifest } = parameters;
  const emit = parameters.onEvent ?? (() => {});
  const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;
  const pollMs = parameters.pollMs ?? 100;

  // 1. A lease: take the cheapest offer that meets every need, or run a reverse auction.
  const hash = manifestHash(manifest);
  const leased =
    (await takeCheapestOffer()) ??
    (await auction()) ??
    (() => {
      throw new Error("unreachable");
    })();
  const { leaseId, provider, pricePerSecond, fromBlock } = leased;

  async function takeCheapestOffer() {
    const offers = await listOffers(publicClient, deployment);
    const options =
      parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {};
    const reasons = (o: OfferTerms) => offerMismatches(manifest, o, options).map((m) => m.message);
    let offer: OfferTerms | undefined;
    if (parameters.offerId !== undefined) {
      offer = offers.find((o) => o.offerId === parameters.offerId);
      const why = offer ? reasons(offer) : ["no such offer"];
      if (!offer || why.length > 0) throw new NoMatchingOfferError([{ offerId: parameters.offerId, why }]);
    } else {
      const candidates = offers.filter((o) => o.state !== 3);
      offer = cheapestMatch(manifest, candidates, options);
      if (!offer) {
        const error = new NoMatchingOfferError(candidates.map((o) => ({ offerId: o.offerId, why: reasons(o) })));
        if (parameters.market === "offer" || maxPricePerGpuHour() === undefined) throw error;
        return undefined; // on to the auction
      }
    }
    emit({ type: "offer", offer, pricePerGpuHour: offerPricePerGpuHour(offer) });
    // Escrow: the job's maximum duration at this price, within the offer's bounds.
    const seconds = Math.max(Math.min(manifest.maxDurationSeconds, offer.maxDuration), offer.minDuration);
    const deposit = parameters.deposit ?? offer.pricePerSecond * BigInt(seconds);
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
      provider: event.provider,
      pricePerSecond: offer.pricePerSecond,
      deposit,
      offerId: offer.offerId,
      fromBlock: receipt.blockNumber,
    };
  }

  /** Posts a request for bids and takes the lowest bid when bidding ends. */
  async function auction() {
    const limit = maxPricePerGpuHour() as bigint;
    const gpus = BigInt(Math.max(manifest.resources.gpu.count, 1));
    const maxPricePerSecond = (limit * gpus) / 3600n;
    const deposit = parameters.deposit ?? maxPricePerSecond * BigInt(manifest.maxDurationSeconds);
    await ensureAllowance(walletClient, { deployment, spender: deployment.marketplace, amount: deposit });
    const now = (await publicClient.getBlock()).timestamp;
    const window = BigInt(Math.max(parameters.biddingSeconds ?? 60, 60));
    const requirements = {
      gpuModel: toLabel(manifest.resources.gpu.models.length === 1 ? (manifest.resources.gpu.models[0] as string) : ""),
      region: toLabel(manifest.placement.regions.length === 1 ? (manifest.placement.regions[0] as string) : ""),
      gpuCount: manifest.resources.gpu.count,
      gpuVramMiB: manifest.resources.gpu.minVramMiB,
      cpuMillicores: manifest.resources.cpuMillicores,
      memoryMiB: manifest.resources.memoryMiB,
      diskMiB: manifest.resources.diskMiB,
    };
    const { receipt: posted, event: request } = await postRequestSync(walletClient, {
      deployment,
      requirements,
      maxPricePerSecond,
      deposit,
      biddingDeadline: Number(now + window),
      manifestHash: hash,
    });
    const requestId = request.requestId;
    emit({ type: "request", requestId, maxPricePerSecond, deadline: now + window });
    // Bidding is open until the deadline; the chain's clock decides when it is over.
    for (;;) {
      const block = await publicClient.getBlock();
      if (block.timestamp >= now + window) break;
      await sleep(Math.max(pollMs, 500));
    }
    // Anyone may close the auction now, the leading provider too: close it unless someone already has.
    const onChain = await publicClient.readContract({ ...market, functionName: "getRequest", args: [requestId] });
    if (onChain.state === 1) {
      await closeAuctionSync(walletClient, { deployment, requestId }).catch(async (error: unknown) => {
        const again = await publicClient.readContract({ ...market, functionName: "getRequest", args: [requestId] });
        if (again.state === 1) throw error;
      });
    }
    const [created] = await publicClient
      .getContractEvents({
        ...market,
        eventName: "LeaseCreated",
        fromBlock: posted.blockNumber,
        strict: true,
      })
      .then((events) => events.filter((e) => e.args.requestId === requestId));
    if (!created) throw new NoMatchingOfferError([]); // no provider bid: the deposit came back
    return {
      leaseId: created.args.leaseId,
      provider: created.args.provider,
      pricePerSecond: created.args.pricePerSecond,
      deposit,
      offerId: 0n,
      fromBlock: posted.blockNumber,
    };
  }

  function maxPricePerGpuHour() {
    return parameters.maxPricePerGpuHour ?? manifest.maxPricePerGpuHour;
  }

  const { endpoint } = await publicClient.readContract({
    address: deployment.registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [provider],
  });
  emit({ type: "lease", leaseId, provider, deposit: leased.deposit, endpoint });

  // 3. Hand over the job: manifest, inputs, start (once the provider has acknowledged).
  const client = createProviderClient({
    url: endpoint,
    account,
    chainId: deployment.chainId,
    marketplace: deployment.marketplace,
  });
  await client.uploadManifest(leaseId, canonicalManifest(manifest));
  let bytes = 0;
  for (const input of manifest.inputs) {
    const content = await readFile(path.resolve(parameters.baseDir, input.source ?? input.path));
    bytes += content.byteLength;
    await client.uploadInput(leaseId, input.path, content);
  }
  emit({ type: "uploaded", files: manifest.inputs.length, bytes });
  for (;;) {
    try {
      await client.start(leaseId);
      break;
    } catch (error) {
      // 409 while the provider has not acknowledged yet: wait for it, within the ack window.
      if (!(error instanceof ProviderApiError) || error.status !== 409 || !/not acknowledged/.test(error.message))
        throw error;
      await sleep(pollMs);
    }
  }
  emit({ type: "started" });

  // 4. Live logs, until the job ends.
  const follow = async (stream: "stdout" | "stderr") => {
    let offset = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        for await (const chunk of client.logs(leaseId, { stream, offset, follow: true })) {
          offset += chunk.byteLength;
          emit({ type: "log", stream, chunk });
        }
        return;
      } catch {
        await sleep(200 * (attempt + 1)); // dropped: resume from the byte we reached
      }
    }
  };
  await Promise.all([follow("stdout"), follow("stderr")]);
  let status = await client.status(leaseId);
  while (!FINAL.includes(status.phase)) {
    await sleep(pollMs);
    status = await client.status(leaseId);
  }
  emit({ type: "finished", status });

  // 5. Results, checked against the hash the provider recorded on-chain.
  let resultsPath: string | undefined;
  if (status.resultHash) {
    const results = await client.results(leaseId);
    if (results.sha256 !== status.resultHash) {
      throw new Error(`results hash ${results.sha256} differs from the lease's ${status.resultHash}`);
    }
    if (parameters.resultsDir) {
      await mkdir(parameters.resultsDir, { recursive: true });
      resultsPath = path.join(parameters.resultsDir, `lease-${leaseId}.tar.gz`);
      await writeFile(resultsPath, results.bytes);
    }
    emit({ type: "results", path: resultsPath ?? "", sha256: results.sha256, bytes: results.bytes.byteLength });
  }

  // 6. The bill, from the chain's own records.
  const events = await publicClient.getContractEvents({
    ...market,
    args: { leaseId } as never,
    fromBlock,
    strict: true,
  });
  let paid = 0n;
  let fee = 0n;
  let refund = 0n;
  for (const e of events) {
    if (e.eventName === "LeaseSettled" && e.args.leaseId === leaseId) {
      paid += e.args.paid;
      fee += e.args.fee;
    }
    if (e.eventName === "LeaseClosed" && e.args.leaseId === leaseId) refund = e.args.refund;
  }
  return {
    leaseId,
    offerId: leased.offerId,
    provider,
    status,
    exitCode: status.exitCode ?? -1,
    resultHash: status.resultHash,
    ...(resultsPath ? { resultsPath } : {}),
    cost: { pricePerSecond, seconds: paid / pricePerSecond, paid, fee, refund },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
