// Waiting for a provider to acknowledge a new lease: the one place `runJob` and `ocx job submit` do it.
import type { ReadClient } from "../actions/internal/contract.js";
import { getLease } from "../actions/marketplace/getLease.js";
import type { Deployment } from "../deployment.js";
import { OcxError, OcxProviderError } from "../errors.js";
import { LeaseState } from "../generated/enums.js";
import { sleep } from "./retry.js";

/** Parameters of `waitForAcknowledgement`. */
export interface WaitForAcknowledgementParameters {
  deployment: Pick<Deployment, "marketplace">;
  leaseId: bigint;
  /** The provider's API URL, named if it never acknowledges. */
  url?: string;
  /** How often to read the lease, in ms. Default: 250. */
  pollMs?: number;
  /** Called once, when the lease is still pending, with its acknowledgement deadline (unix seconds). */
  onWait?: (ackDeadline: bigint) => void;
}

/**
 * Resolves once lease `leaseId` is acknowledged (Active on-chain); a lease from a provider's quote already is.
 * Throws `OcxProviderError` when the deadline passes on this machine's clock without an acknowledgement (the buyer
 * can then cancel it for a full refund), and `OcxError` when the lease was closed meanwhile.
 * @example
 * await waitForAcknowledgement(publicClient, { deployment, leaseId, onWait: (d) => console.log("ack by", d) });
 */
export async function waitForAcknowledgement(
  client: ReadClient,
  parameters: WaitForAcknowledgementParameters,
): Promise<void> {
  const { deployment, leaseId } = parameters;
  let told = false;
  for (;;) {
    const lease = await getLease(client, { deployment, leaseId });
    if (lease.state === LeaseState.Active) return;
    if (lease.state === LeaseState.Closed) {
      throw new OcxError(`lease #${leaseId} was closed before the provider acknowledged it; its deposit was refunded`);
    }
    if (lease.state !== LeaseState.Pending) {
      throw new OcxError(`lease #${leaseId} does not exist on marketplace ${deployment.marketplace}`);
    }
    const deadline = BigInt(lease.ackDeadline);
    if (BigInt(Math.floor(Date.now() / 1000)) > deadline) {
      throw new OcxProviderError(
        `the provider${parameters.url ? ` at ${parameters.url}` : ""} did not acknowledge lease #${leaseId} by its ` +
          `deadline (${new Date(Number(deadline) * 1000).toISOString()}): get a full refund with \`ocx job cancel ${leaseId}\``,
        { url: parameters.url ?? "", retryable: false },
      );
    }
    if (!told) {
      parameters.onWait?.(deadline);
      told = true;
    }
    await sleep(parameters.pollMs ?? 250);
  }
}
