// Deploys a service manifest on OCX: the job steps up to the start (find an offer, take a lease, upload,
// start) — the same exported steps `runJob` takes, not a copy — then, instead of following an exit, waits for
// the services to be healthy and returns the lease with its public URLs from the provider's signed status.
import type { Account, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import type { Deployment } from "../deployment.js";
import { OcxUsageError } from "../errors.js";
import type { Manifest } from "../manifest/types.js";
import { connectProvider } from "../run/connect.js";
import type { OnRunJobEvent, RunJobEvent } from "../run/events.js";
import { findOffer } from "../run/findOffer.js";
import { startJob } from "../run/startJob.js";
import { takeLease } from "../run/takeLease.js";
import { uploadJob } from "../run/uploadJob.js";
import { type GetServiceStatusReturnType, getServiceStatus } from "./getServiceStatus.js";
import type { ServiceUrl } from "./types.js";
import { type ServiceWaitEvent, waitForServices } from "./waitForServices.js";

/** An event of `deployService`: the job steps' events, then the services' states as they change. */
export type DeployServiceEvent = RunJobEvent | ServiceWaitEvent;

/** Parameters of `deployService`. */
export interface DeployServiceParameters {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The buyer's key, which signs requests to the provider. */
  account: LocalAccount;
  deployment: Deployment;
  /** A service manifest (`kind: service`; from `parseManifest` or `fromAkashSdl`), inputs resolved (`resolveInputs`). */
  manifest: Manifest;
  /** Folder the inputs' `source` paths are relative to. */
  baseDir: string;
  /** Take this offer instead of the cheapest match. */
  offerId?: bigint;
  /** Escrow to deposit; default: the manifest's duration at the price, within the offer's bounds. */
  deposit?: bigint;
  /** Fund this many hours instead of the manifest's duration. */
  hours?: number;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** Wait until every service is healthy (default), or return once the services are started. */
  waitForHealthy?: boolean;
  /** How long to wait for health, in ms. Default: 120 s. */
  healthTimeoutMs?: number;
  /** How often to poll, in ms. Default: 250. */
  pollMs?: number;
  /** How long to keep retrying a provider that cannot be reached, in ms. Default: 60 s. */
  providerRetryMs?: number;
  onEvent?: (event: DeployServiceEvent) => void;
}

/** What `deployService` returns. */
export interface DeployServiceReturnType {
  leaseId: bigint;
  offerId: bigint;
  provider: `0x${string}`;
  /** The provider's API. */
  endpoint: string;
  pricePerSecond: bigint;
  deposit: bigint;
  /** How to reach each public port, from the provider's signed status. */
  urls: ServiceUrl[];
  /** The services as the provider last reported them. */
  status: GetServiceStatusReturnType;
}

/**
 * Deploys a service manifest: `findOffer`, `takeLease`, `uploadJob`, `startJob`, then `waitForServices`. The lease
 * runs until it is closed (`closeService`) or its escrow is spent; nothing here waits for an exit.
 * @example
 * const manifest = await resolveInputs(parseManifest(await readFile("webapp.yaml", "utf8")), ".");
 * const deployed = await deployService({ publicClient, walletClient, account, deployment, manifest, baseDir: "." });
 * console.log(deployed.leaseId, deployed.urls.map((u) => `${u.service}:${u.port} ${u.url}`));
 */
export async function deployService(parameters: DeployServiceParameters): Promise<DeployServiceReturnType> {
  const { publicClient, deployment, manifest } = parameters;
  if (manifest.kind !== "service") {
    throw new OcxUsageError(`manifest "${manifest.name}" is a batch job (kind: ${manifest.kind}), not a service`, {
      hint: "give `kind: service` and `services:` to deploy it, or run a job with runJob / `ocx job submit`",
    });
  }
  const onEvent = parameters.onEvent ?? (() => {});
  const pollMs = parameters.pollMs ?? 250;
  const retryMs = parameters.providerRetryMs ?? 60_000;
  const found = await findOffer(publicClient, {
    deployment,
    manifest,
    market: "offer",
    ...(parameters.offerId !== undefined ? { offerId: parameters.offerId } : {}),
    ...(parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {}),
  });
  const lease = await takeLease({
    publicClient,
    walletClient: parameters.walletClient,
    account: parameters.account,
    deployment,
    manifest,
    found,
    ...(parameters.deposit !== undefined ? { deposit: parameters.deposit } : {}),
    ...(parameters.hours !== undefined ? { hours: parameters.hours } : {}),
    pollMs,
    onEvent: onEvent as OnRunJobEvent,
  });
  const { leaseId, endpoint: url } = lease;
  onEvent({ type: "lease", leaseId, provider: lease.provider, deposit: lease.deposit, endpoint: url });
  const client = connectProvider({ publicClient, deployment, account: parameters.account, lease });
  await uploadJob(client, { leaseId, url, manifest, baseDir: parameters.baseDir, retryMs, onEvent });
  await startJob(client, { leaseId, url, retryMs, onEvent });
  const status =
    parameters.waitForHealthy === false
      ? await getServiceStatus(client, { leaseId })
      : await waitForServices(client, {
          leaseId,
          url,
          pollMs,
          onEvent,
          ...(parameters.healthTimeoutMs !== undefined ? { timeoutMs: parameters.healthTimeoutMs } : {}),
        });
  return {
    leaseId,
    offerId: lease.offerId,
    provider: lease.provider,
    endpoint: url,
    pricePerSecond: lease.pricePerSecond,
    deposit: lease.deposit,
    urls: status.urls,
    status,
  };
}
