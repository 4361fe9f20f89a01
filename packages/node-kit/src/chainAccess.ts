// A daemon's one path to the chain (the provider node's, the validator's): the SDK's typed actions, read through a public client and
// written through the crash-safe transaction sender. The sender plugs in beneath the actions as the
// client's `writeContract` (viem's actions look an override up on the client first), so an action
// simulates, then the sender records, signs, broadcasts and awaits the transaction under a key.

import type { acknowledgeLease, Deployment, getLease } from "@ocx/sdk";
import type { Abi, Account, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import type { TxSender } from "./txsender.js";

/** A client the SDK's write actions take (an account and a chain). */
export type WriteClient = Parameters<typeof acknowledgeLease>[0];
/** A client the SDK's read actions take. */
export type ReadClient = Parameters<typeof getLease>[0];

/** What every component that touches the chain is given. */
export interface ChainAccess {
  deployment: Deployment;
  /** For the SDK's read actions (`getLease(chain.reader, …)`). */
  reader: PublicClient;
  /**
   * A client for one of the SDK's write actions whose transaction goes through the sender under
   * `key`: a key already mined returns its transaction again instead of sending a second one, so
   * keys name what a transaction is for (`ack:7`), with a fresh suffix where repeating is wanted.
   */
  writer(key: string): WriteClient;
  /** The daemon's own address. */
  address: `0x${string}`;
}

/**
 * Builds the chain access over a public client, the daemon's wallet client and its sender.
 * @example
 * const chain = createChainAccess({ deployment, publicClient, walletClient, tx });
 * await acknowledgeLeaseSync(chain.writer(`ack:${leaseId}`), { deployment, leaseId });
 * const lease = await getLease(chain.reader, { deployment, leaseId });
 */
export function createChainAccess(options: {
  deployment: Deployment;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  tx: TxSender;
}): ChainAccess {
  const { deployment, publicClient, walletClient, tx } = options;
  return {
    deployment,
    reader: publicClient,
    address: walletClient.account.address,
    writer(key) {
      // What the action hands over after its own simulation: the contract, function and arguments.
      const writeContract = async (request: {
        address: `0x${string}`;
        abi: Abi;
        functionName: string;
        args?: readonly unknown[];
      }): Promise<Hash> => {
        // The action simulated (and decoded any revert) just now: the sender does not simulate again.
        const receipt = await tx.write(
          key,
          {
            address: request.address,
            abi: request.abi,
            functionName: request.functionName,
            args: (request.args ?? []) as never,
          } as never,
          { simulated: true },
        );
        return receipt.transactionHash;
      };
      return walletClient.extend(() => ({ writeContract }) as never) as unknown as WriteClient;
    },
  };
}
