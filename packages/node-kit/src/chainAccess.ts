// A daemon's one path to the chain (the provider node's, the validator's): the SDK's typed actions, read through a public client and
// written through the crash-safe transaction sender. The sender plugs in beneath the actions as the
// client's `writeContract` (viem's actions look an override up on the client first), so an action
// simulates, then the sender records, signs, broadcasts and awaits the transaction under a key.

import { type acknowledgeLease, chainFor, type Deployment, type getLease, loadDeploymentFile } from "@ocx/sdk";
import {
  type Abi,
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hash,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { Logger } from "./logger.js";
import { createTxSender, type TxSender, type TxSenderOptions } from "./txsender.js";

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

/** A daemon's read side of the chain: the deployment, and a public client checked to be on its chain. */
export interface ConnectedChain {
  deployment: Deployment;
  chain: Chain;
  chainId: number;
  publicClient: PublicClient;
}

/**
 * Reads the deployments file and connects to `rpcUrl`, refusing an RPC that cannot be reached or serves another
 * chain than the file's (naming both).
 * @example
 * const { deployment, publicClient } = await connectChain({ rpcUrl: "http://127.0.0.1:8545", deploymentFile: "deployments/31337.json" });
 */
export async function connectChain(options: {
  rpcUrl: string;
  deploymentFile: string;
  /** How often viem polls (receipts, events); default: viem's. */
  pollIntervalMs?: number;
}): Promise<ConnectedChain> {
  const { rpcUrl, deploymentFile } = options;
  const deployment = await loadDeploymentFile(deploymentFile);
  const chain = chainFor(deployment.chainId, rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport: http(rpcUrl, { retryCount: 3 }),
    ...(options.pollIntervalMs !== undefined ? { pollingInterval: options.pollIntervalMs } : {}),
  }) as PublicClient;
  const chainId = await publicClient.getChainId().catch((error: Error) => {
    throw new Error(`cannot reach the chain at ${rpcUrl}: ${error.message.split("\n")[0]}`);
  });
  if (chainId !== deployment.chainId) {
    throw new Error(
      `the RPC at ${rpcUrl} is chain ${chainId}, but ${deploymentFile} is for chain ${deployment.chainId}`,
    );
  }
  return { deployment, chain, chainId, publicClient };
}

/** A started chain component: the chain access, with what it reports under /status. */
export interface ChainComponent extends ChainAccess, ConnectedChain {
  status(): { chainId: number; rpcUrl: string };
  close(): void;
}

/**
 * The chain component of a daemon that signs (the provider node, the validator), from its config's `chain` section
 * (node-kit's `chainSection`): connected and checked as {@link connectChain}, writing through a crash-safe
 * transaction sender over `store`, which first resumes what an earlier process left in flight.
 * @example
 * const chain = await components.start("chain", () => openChainAccess(config.chain, { account, store: db, log }));
 * await acknowledgeLeaseSync(chain.writer(`ack:${leaseId}`), { deployment: chain.deployment, leaseId });
 */
export async function openChainAccess(
  section: { rpcUrl: string; deployment: string; pollIntervalMs: number },
  options: { account: Account; store: TxSenderOptions["store"]; log: Logger },
): Promise<ChainComponent> {
  const { rpcUrl } = section;
  const connected = await connectChain({
    rpcUrl,
    deploymentFile: section.deployment,
    // Receipts are polled at least every 250 ms, so a mined transaction is seen promptly whatever the daemon's own pace.
    pollIntervalMs: Math.min(section.pollIntervalMs, 250),
  });
  const walletClient = createWalletClient({
    chain: connected.chain,
    transport: http(rpcUrl),
    account: options.account,
  });
  const tx = createTxSender({
    publicClient: connected.publicClient,
    walletClient,
    store: options.store,
    log: options.log.child({ component: "tx" }),
  });
  await tx.resume();
  const access = createChainAccess({
    deployment: connected.deployment,
    publicClient: connected.publicClient,
    walletClient,
    tx,
  });
  return { ...connected, ...access, status: () => ({ chainId: connected.chainId, rpcUrl }), close: () => {} };
}
