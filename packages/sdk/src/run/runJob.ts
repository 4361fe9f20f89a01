// Runs a job on OCX end to end: the cheapest matching offer (or a reverse auction when none
// matches), escrow, upload, live logs, verified results, and the lease's final cost.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type Account,
  type Chain,
  type LocalAccount,
  maxUint256,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from "viem";
import type { Deployment } from "../deployment.js";
import { decodeContractError } from "../errors.js";
import { marketplaceAbi, ocxTokenAbi, providerRegistryAbi } from "../generated/abis.js";
import { canonicalManifest, manifestHash } from "../manifest/canonical.js";
import type { Manifest } from "../manifest/types.js";
import { createProviderClient, ProviderApiError, type ProviderLeaseStatus } from "../provider/client.js";
import { type OfferTerms, offerMismatches, offerPricePerGpuHour } from "./match.js";
import { listOffers } from "./offers.js";

/** What `runJob` reports as it goes, for progress displays and agents. */
export type RunJobEvent =
  | { type: "offer"; offer: OfferTerms; pricePerGpuHour: bigint }
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

  // 1. The offer: the cheapest that meets every need.
  const offers = await listOffers(publicClient, deployment);
  const options =
    parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {};
  let offer: OfferTerms | undefined;
  if (parameters.offerId !== undefined) {
    offer = offers.find((o) => o.offerId === parameters.offerId);
    const why = offer ? offerMismatches(manifest, offer, options) : ["no such offer"];
    if (!offer || why.length > 0) throw new NoMatchingOfferError([{ offerId: parameters.offerId, why }]);
  } else {
    const candidates = offers
      .map((o) => ({ offer: o, why: offerMismatches(manifest, o, options) }))
      .filter((c) => c.offer.state !== 3);
    const matching = candidates.filter((c) => c.why.length === 0).map((c) => c.offer);
    matching.sort((a, b) => (a.pricePerSecond < b.pricePerSecond ? -1 : a.pricePerSecond > b.pricePerSecond ? 1 : 0));
    offer = matching[0];
    if (!offer) throw new NoMatchingOfferError(candidates.map((c) => ({ offerId: c.offer.offerId, why: c.why })));
  }
  emit({ type: "offer", offer, pricePerGpuHour: offerPricePerGpuHour(offer) });

  // 2. Escrow: the job's maximum duration at this price, within the offer's bounds.
  const seconds = Math.max(Math.min(manifest.maxDurationSeconds, offer.maxDuration), offer.minDuration);
  const deposit = parameters.deposit ?? offer.pricePerSecond * BigInt(seconds);
  const allowance = await publicClient.readContract({
    address: deployment.token,
    abi: ocxTokenAbi,
    functionName: "allowance",
    args: [account.address, deployment.marketplace],
  });
  if (allowance < deposit) {
    await send(publicClient, walletClient, {
      address: deployment.token,
      abi: ocxTokenAbi,
      functionName: "approve",
      args: [deployment.marketplace, maxUint256],
    });
  }
  const hash = manifestHash(manifest);
  const receipt = await send(publicClient, walletClient, {
    ...market,
    functionName: "takeOffer",
    args: [offer.offerId, offer.pricePerSecond, hash, deposit],
  });
  const [created] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "LeaseCreated" });
  if (!created) throw new Error(`takeOffer (${receipt.transactionHash}) emitted no LeaseCreated event`);
  const leaseId = created.args.leaseId;
  const provider = created.args.provider;
  const { endpoint } = await publicClient.readContract({
    address: deployment.registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [provider],
  });
  emit({ type: "lease", leaseId, provider, deposit, endpoint });

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
    fromBlock: receipt.blockNumber,
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
    offerId: offer.offerId,
    provider,
    status,
    exitCode: status.exitCode ?? -1,
    resultHash: status.resultHash,
    ...(resultsPath ? { resultsPath } : {}),
    cost: { pricePerSecond: offer.pricePerSecond, seconds: paid / offer.pricePerSecond, paid, fee, refund },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Simulates (decoding a revert into a readable error), sends, and waits for a successful receipt. */
async function send(
  publicClient: PublicClient,
  walletClient: WalletClient<Transport, Chain, Account>,
  request: { address: `0x${string}`; abi: readonly unknown[]; functionName: string; args: readonly unknown[] },
) {
  try {
    const { request: prepared } = await publicClient.simulateContract({
      ...request,
      account: walletClient.account,
    } as never);
    const hash = await walletClient.writeContract(prepared as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${request.functionName} reverted in ${hash}`);
    return receipt;
  } catch (error) {
    throw decodeContractError(error);
  }
}
