// Ends a service lease: the buyer closes it on-chain (settled to this second, the rest refunded); its
// provider sees LeaseClosed and stops the services and deletes their volumes.
import type { Account, Chain, Transport, WalletClient } from "viem";
import { closeLeaseSync } from "../actions/marketplace/closeLease.js";
import type { Deployment } from "../deployment.js";

/** Parameters of `closeService`. */
export interface CloseServiceParameters {
  deployment: Pick<Deployment, "marketplace">;
  leaseId: bigint;
}

/** What `closeService` returns. */
export interface CloseServiceReturnType {
  leaseId: bigint;
  /** The escrow that came back to the buyer, in wei. */
  refund: bigint;
  transactionHash: `0x${string}`;
}

/**
 * Closes a service lease and returns the refund. The provider stops the services when it reads the event (its
 * persistent volumes go with the lease).
 * @example
 * const { refund } = await closeService(walletClient, { deployment, leaseId: 12n });
 */
export async function closeService(
  walletClient: WalletClient<Transport, Chain, Account>,
  parameters: CloseServiceParameters,
): Promise<CloseServiceReturnType> {
  const { receipt, event } = await closeLeaseSync(walletClient, {
    deployment: parameters.deployment,
    leaseId: parameters.leaseId,
  });
  return { leaseId: parameters.leaseId, refund: event.refund, transactionHash: receipt.transactionHash };
}
