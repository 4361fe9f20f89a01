// Deploys a service manifest on OCX: `launchLease` (find an offer, take a lease, upload, start), the same step
// `runJob` takes, then, instead of following an exit, waits for the services to be healthy and returns the lease
// with its public URLs from the provider's signed status.
import { OcxUsageError } from "../errors.js";
import type { Manifest } from "../manifest/types.js";
import type { OnRunJobEvent, RunJobEvent } from "../run/events.js";
import { type LaunchLeaseParameters, launchLease } from "../run/launchLease.js";
import { type GetServiceStatusReturnType, getServiceStatus } from "./getServiceStatus.js";
import type { ServiceUrl } from "./types.js";
import { type ServiceWaitEvent, waitForServices } from "./waitForServices.js";

/** An event of `deployService`: the job steps' events, then the services' states as they change. */
export type DeployServiceEvent = RunJobEvent | ServiceWaitEvent;

/** Parameters of `deployService`: those of `launchLease` (offers only: a service is not auctioned), and the wait for health. */
export interface DeployServiceParameters extends Omit<LaunchLeaseParameters, "market" | "biddingSeconds" | "onEvent"> {
  /** A service manifest (`kind: service`; from `parseManifest` or `fromAkashSdl`), inputs resolved (`resolveInputs`). */
  manifest: Manifest;
  /** Wait until every service is healthy (default), or return once the services are started. */
  waitForHealthy?: boolean;
  /** How long to wait for health, in ms. Default: 120 s. */
  healthTimeoutMs?: number;
  /** How often to poll, in ms. Default: 250. */
  pollMs?: number;
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
 * Deploys a service manifest: `launchLease` (`findOffer`, `takeLease`, `uploadJob`, `startJob`), then
 * `waitForServices`. The lease
 * runs until it is closed (`closeService`) or its escrow is spent; nothing here waits for an exit.
 * @example
 * const manifest = await resolveInputs(parseManifest(await readFile("webapp.yaml", "utf8")), ".");
 * const deployed = await deployService({ publicClient, walletClient, account, deployment, manifest, baseDir: "." });
 * console.log(deployed.leaseId, deployed.urls.map((u) => `${u.service}:${u.port} ${u.url}`));
 */
export async function deployService(parameters: DeployServiceParameters): Promise<DeployServiceReturnType> {
  const { manifest } = parameters;
  if (manifest.kind !== "service") {
    throw new OcxUsageError(`manifest "${manifest.name}" is a batch job (kind: ${manifest.kind}), not a service`, {
      hint: "give `kind: service` and `services:` to deploy it, or run a job with runJob / `ocx job submit`",
    });
  }
  const onEvent = parameters.onEvent ?? (() => {});
  const pollMs = parameters.pollMs ?? 250;
  const { lease, provider: client } = await launchLease({
    ...parameters,
    market: "offer",
    pollMs,
    onEvent: onEvent as OnRunJobEvent,
  });
  const { leaseId, endpoint: url } = lease;
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
