// A lease's history as the marketplace logged it, and what only its events still hold (the manifest hash).
import type { Hex, Log } from "viem";
import { getContractEvents } from "viem/actions";
import { getAction } from "viem/utils";
import type { Deployment } from "../deployment.js";
import { marketplaceAbi } from "../generated/abis.js";
import { OcxEventNotFoundError } from "./errors.js";
import type { ReadClient } from "./internal/contract.js";

/** The marketplace events that carry a `leaseId`, from creation to close. */
export const LEASE_EVENT_NAMES = [
  "LeaseCreated",
  "LeaseAcknowledged",
  "LeaseSettled",
  "LeaseToppedUp",
  "LeaseCompleted",
  "ProviderNoShow",
  "LeaseClosed",
] as const;

/** The name of a lease event. */
export type LeaseEventName = (typeof LEASE_EVENT_NAMES)[number];

/** One logged lease event, told apart by `eventName`, with its block, transaction and decoded `args`. */
export type LeaseEvent = {
  [name in LeaseEventName]: Log<bigint, number, false, undefined, true, typeof marketplaceAbi, name>;
}[LeaseEventName];

/** Parameters of `getLeaseEvents`: the deployment (events are read from its `startBlock`) and the lease. */
export interface GetLeaseEventsParameters {
  deployment: Pick<Deployment, "marketplace" | "startBlock">;
  leaseId: bigint;
}

/** The lease's events in the order the chain logged them. */
export type GetLeaseEventsReturnType = LeaseEvent[];

/**
 * Reads lease `leaseId`'s events (created, acknowledged, settled, topped up, completed, no-show, closed) from the
 * deployment's start block, in chain order. An unknown lease has none. Each event is filtered by its indexed
 * `leaseId` on the node, so only this lease's logs travel.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getLeaseEvents, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const events = await getLeaseEvents(client, { deployment, leaseId: 1n });
 * events.map((e) => e.eventName);
 * // ["LeaseCreated", "LeaseAcknowledged", "LeaseSettled", "LeaseCompleted", "LeaseClosed"]
 */
export async function getLeaseEvents(
  client: ReadClient,
  parameters: GetLeaseEventsParameters,
): Promise<GetLeaseEventsReturnType> {
  const { deployment, leaseId } = parameters;
  const read = getAction(client, getContractEvents, "getContractEvents");
  // One query per event: a node filters an indexed argument only for a single event signature.
  const batches = await Promise.all(
    LEASE_EVENT_NAMES.map((eventName) =>
      read({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName,
        args: { leaseId },
        fromBlock: BigInt(deployment.startBlock),
        strict: true,
      }),
    ),
  );
  const events = batches.flat() as LeaseEvent[];
  return events.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
}

/** Parameters of `getManifestHash`: the deployment (events are read from its `startBlock`) and the lease. */
export type GetManifestHashParameters = GetLeaseEventsParameters;
/** The canonical hash of the lease's job manifest. */
export type GetManifestHashReturnType = Hex;

/**
 * Reads the manifest hash of lease `leaseId` from its `LeaseCreated` event, which keeps it whatever the `Lease`
 * struct stores. Throws `OcxEventNotFoundError` when the marketplace never created that lease.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { canonicalManifestHash, getManifestHash, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const expected = await getManifestHash(client, { deployment, leaseId: 1n });
 * canonicalManifestHash(receivedBody) === expected; // the manifest is the one the buyer paid for
 */
export async function getManifestHash(
  client: ReadClient,
  parameters: GetManifestHashParameters,
): Promise<GetManifestHashReturnType> {
  const { deployment, leaseId } = parameters;
  const [created] = await getAction(
    client,
    getContractEvents,
    "getContractEvents",
  )({
    address: deployment.marketplace,
    abi: marketplaceAbi,
    eventName: "LeaseCreated",
    args: { leaseId },
    fromBlock: BigInt(deployment.startBlock),
    strict: true,
  });
  if (!created) {
    throw new OcxEventNotFoundError(
      ["LeaseCreated"],
      deployment.marketplace,
      undefined,
      `lease ${leaseId} was not created on this marketplace since block ${deployment.startBlock}: ` +
        "check the lease id and the deployment",
    );
  }
  return created.args.manifestHash;
}
