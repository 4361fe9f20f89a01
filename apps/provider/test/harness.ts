// A whole market on one machine for the provider's tests: a real anvil with the real contracts,
// a real provider node (bubblewrap sandbox), and a buyer that signs its requests.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, freePort, type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  canonicalManifest,
  createProviderClient,
  type Manifest,
  manifestHash,
  marketplaceAbi,
  ocxTokenAbi,
  parseManifest,
  resolveInputs,
  writeDeployment,
} from "@ocx/sdk";
import { maxUint256, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ProviderConfig, parseConfig } from "../src/config.js";
import { type ProviderNode, startProvider } from "../src/service.js";

export const PROVIDER = 1;
export const BUYER = 2;

export interface Market {
  net: Localnet;
  dir: string;
  deploymentFile: string;
  config: ProviderConfig;
  node: ProviderNode;
  restart(): Promise<ProviderNode>;
  stop(): Promise<void>;
}

/** Starts anvil, the contracts and a provider node configured by `yaml` (merged over a CPU offer). */
export async function startMarket(yaml = "", options: { ackWindow?: number } = {}): Promise<Market> {
  const net = await startLocalnet({ deploy: { ackWindow: options.ackWindow ?? 60 } });
  const dir = await mkdtemp(path.join(tmpdir(), "ocx-provider-test-"));
  await chmod(dir, 0o711); // the sandbox user must pass through to the job folders
  const deploymentFile = await writeDeployment(net.deployment, dir);
  const port = await freePort();
  const config = parseConfig(
    `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${port}" }
stateDir: state
region: test
${
  yaml ||
  `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }`
}
`,
    { baseDir: dir },
  );
  const account = privateKeyToAccount(net.key(PROVIDER));
  const log = createLogger({ level: process.env.OCX_TEST_LOG ? "debug" : "error" });
  const market: Market = {
    net,
    dir,
    deploymentFile,
    config,
    node: await startProvider(config, { account, log }),
    async restart() {
      market.node = await startProvider(config, { account, log });
      return market.node;
    },
    async stop() {
      await market.node.close();
      await net.stop();
    },
  };
  return market;
}

/** The buyer side: builds a manifest, takes an offer, talks to the provider. */
export function buyer(market: Market, index = BUYER) {
  const { net } = market;
  const wallet = net.wallet(index);
  const account = privateKeyToAccount(net.key(index));
  const marketplace = { address: net.deployment.marketplace, abi: marketplaceAbi } as const;
  const client = createProviderClient({
    url: market.node.url,
    account,
    chainId: net.deployment.chainId,
    marketplace: net.deployment.marketplace,
  });
  const send = async (hash: `0x${string}`) => {
    const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  return {
    account,
    wallet,
    client,
    async manifest(
      yaml: string,
      files: Record<string, string> = {},
    ): Promise<{ manifest: Manifest; json: string; hash: `0x${string}` }> {
      const base = await mkdtemp(path.join(tmpdir(), "ocx-buyer-"));
      for (const [name, content] of Object.entries(files)) await writeFile(path.join(base, name), content);
      const manifest = await resolveInputs(parseManifest(yaml), base);
      return { manifest, json: canonicalManifest(manifest), hash: manifestHash(manifest) };
    },
    balance: () =>
      net.publicClient.readContract({
        address: net.deployment.token,
        abi: ocxTokenAbi,
        functionName: "balanceOf",
        args: [account.address],
      }),
    async approve() {
      await send(
        await wallet.writeContract({
          address: net.deployment.token,
          abi: ocxTokenAbi,
          functionName: "approve",
          args: [net.deployment.marketplace, maxUint256],
        }),
      );
    },
    /** Takes offer `offerId` with `deposit`, returning the lease id. */
    async take(offerId: bigint, hash: `0x${string}`, deposit: bigint, maxPrice = 10n ** 30n) {
      const receipt = await send(
        await wallet.writeContract({
          ...marketplace,
          functionName: "takeOffer",
          args: [offerId, maxPrice as never, hash, deposit as never],
        }),
      );
      const [created] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "LeaseCreated" });
      if (!created) throw new Error("no LeaseCreated event");
      return created.args.leaseId;
    },
    async write(functionName: "close" | "cancel" | "settle", leaseId: bigint) {
      return send(await wallet.writeContract({ ...marketplace, functionName, args: [leaseId] }));
    },
    /** Polls the provider until the lease reaches one of `phases`. */
    async waitFor(leaseId: bigint, phases: string[], timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await client.status(leaseId).catch(() => undefined);
        if (status && phases.includes(status.phase)) return status;
        if (Date.now() > deadline)
          throw new Error(`lease ${leaseId} did not reach ${phases.join("/")}; last: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The first offer the node published. */
export function firstOfferId(market: Market): Promise<bigint> {
  return market.net.publicClient
    .getContractEvents({
      address: market.net.deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "OfferPosted",
      fromBlock: 0n,
      strict: true,
    })
    .then((events) => {
      const first = events[0];
      if (!first) throw new Error("the provider posted no offer");
      return first.args.offerId;
    });
}
