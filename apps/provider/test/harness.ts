// A whole market on one machine for the provider's tests: a real anvil with the real contracts,
// a real provider node (bubblewrap sandbox), and a buyer that signs its requests.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, freePort, type Localnet, type Logger, startLocalnet } from "@ocx/node-kit";
import {
  approveSync,
  cancelLeaseSync,
  canonicalManifest,
  closeLeaseSync,
  createProviderClient,
  getLease,
  getRegistryParameters,
  getTokenBalance,
  type Manifest,
  manifestHash,
  marketplaceAbi,
  parseManifest,
  registerProviderSync,
  resolveInputs,
  settleLeaseSync,
  stakeSync,
  takeOfferSync,
  toLabel,
  writeDeployment,
} from "@ocx/sdk";
import { createTestClient, http, keccak256, maxUint256, parseEventLogs, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ProviderConfig, parseConfig } from "../src/config.js";
import { workloadTagOf } from "../src/leases/context.js";
import { type LeaseRecord, ProviderStore } from "../src/leases/store.js";
import { type ProviderNode, startProvider } from "../src/service.js";
import { reapServiceLeftovers } from "../src/services/reap.js";
import { createBwrapExecutor } from "../src/workload/bwrap.js";
import { detectCgroupHost } from "../src/workload/cgroup.js";

export const PROVIDER = 1;
export const BUYER = 2;

export interface Market {
  net: Localnet;
  dir: string;
  deploymentFile: string;
  config: ProviderConfig;
  node: ProviderNode;
  /** The node's log lines (JSON objects), when started with `captureLogs`. */
  logs: Record<string, unknown>[];
  /** The RPC proxy between the node and anvil, when started with `rpcProxy`: close it to make the chain unreachable. */
  proxy?: RpcProxy;
  restart(): Promise<ProviderNode>;
  stop(): Promise<void>;
}

/** A TCP proxy in front of anvil that a test can cut (an RPC outage) and restore. */
export interface RpcProxy {
  url: string;
  /** Refuses new connections and drops open ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
}

/** Starts a proxy on a free port that forwards to `target` (host:port). */
export async function startRpcProxy(target: URL): Promise<RpcProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    async cut() {
      const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      server = undefined;
    },
    restore: listen,
  };
}

/** Starts anvil, the contracts and a provider node configured by `yaml` (merged over a CPU offer). */
export async function startMarket(
  yaml = "",
  options: { ackWindow?: number; rpcProxy?: boolean; captureLogs?: boolean } = {},
): Promise<Market> {
  const net = await startLocalnet({ deploy: { ackWindow: options.ackWindow ?? 60 } });
  const proxy = options.rpcProxy ? await startRpcProxy(new URL(net.anvil.rpcUrl)) : undefined;
  const dir = await mkdtemp(path.join(tmpdir(), "ocx-provider-test-"));
  await chmod(dir, 0o711); // the sandbox user must pass through to the job folders
  const deploymentFile = await writeDeployment(net.deployment, dir);
  const port = await freePort();
  const config = parseConfig(
    `chain: { rpcUrl: "${proxy?.url ?? net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${port}" }
stateDir: state
region: test
${/^disk:/m.test(yaml) ? "" : "disk: { reserveMiB: 0 }"}
${
  yaml ||
  `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }`
}
`,
    { baseDir: dir },
  );
  const account = privateKeyToAccount(net.key(PROVIDER));
  const logs: Record<string, unknown>[] = [];
  const log: Logger = options.captureLogs
    ? createLogger({
        json: true,
        level: "info",
        write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
      })
    : createLogger({ level: process.env.OCX_TEST_LOG ? "debug" : "error" });
  const market: Market = {
    net,
    dir,
    deploymentFile,
    config,
    logs,
    ...(proxy ? { proxy } : {}),
    node: await startProvider(config, { account, log }),
    async restart() {
      market.node = await startProvider(config, { account, log });
      return market.node;
    },
    async stop() {
      await market.node.close();
      await proxy?.cut();
      await net.stop();
      await reapWorkloads(config.stateDir, account.address);
    },
  };
  return market;
}

/** The buyer side: builds a manifest, takes an offer, talks to the provider. */
export function buyer(market: Market, index = BUYER) {
  const { net } = market;
  const wallet = net.wallet(index);
  const account = privateKeyToAccount(net.key(index));
  const { deployment } = net;
  const client = createProviderClient({
    url: market.node.url,
    account,
    chainId: deployment.chainId,
    marketplace: deployment.marketplace,
  });
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
    /** The buyer's payment tokens (credits on a market that settles in them). */
    balance: () =>
      getTokenBalance(net.publicClient, { deployment, token: deployment.paymentToken, account: account.address }),
    async approve() {
      await approveSync(wallet, {
        deployment,
        token: deployment.paymentToken,
        spender: deployment.marketplace,
        value: maxUint256,
      });
    },
    /** Takes offer `offerId` with `deposit`, returning the lease id. */
    async take(offerId: bigint, hash: `0x${string}`, deposit: bigint, maxPrice = 10n ** 30n) {
      const { event } = await takeOfferSync(wallet, {
        deployment,
        offerId,
        maxPricePerSecond: maxPrice,
        manifestHash: hash,
        deposit,
      });
      return event.leaseId;
    },
    async write(functionName: "close" | "cancel" | "settle", leaseId: bigint) {
      const action = { close: closeLeaseSync, cancel: cancelLeaseSync, settle: settleLeaseSync }[functionName];
      return (await action(wallet, { deployment, leaseId })).receipt;
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

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs` saying what it waited for. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves anvil's clock forward by `seconds` and mines a block at the new time. */
export async function advanceTime(net: Localnet, seconds: number): Promise<void> {
  const test = createTestClient({ mode: "anvil", chain: net.chain, transport: http(net.anvil.rpcUrl) });
  await test.increaseTime({ seconds });
  await test.mine({ blocks: 1 });
}

/** The timestamp of the chain's latest block. */
export async function chainTime(net: Localnet): Promise<number> {
  return Number((await net.publicClient.getBlock({ blockTag: "latest" })).timestamp);
}

/** Every marketplace event of one lease, by name, with the block time of each. */
export async function leaseEvents(market: Pick<Market, "net">, leaseId: bigint) {
  const { publicClient, deployment } = market.net;
  const logs = await publicClient.getContractEvents({
    address: deployment.marketplace,
    abi: marketplaceAbi,
    fromBlock: 0n,
    strict: true,
  });
  const mine = logs.filter((l) => (l.args as { leaseId?: bigint }).leaseId === leaseId);
  const blockTime = async (blockNumber: bigint) => Number((await publicClient.getBlock({ blockNumber })).timestamp);
  const settled = parseEventLogs({ abi: marketplaceAbi, logs: mine, eventName: "LeaseSettled" });
  const closed = parseEventLogs({ abi: marketplaceAbi, logs: mine, eventName: "LeaseClosed" })[0];
  return {
    created: parseEventLogs({ abi: marketplaceAbi, logs: mine, eventName: "LeaseCreated" })[0],
    acknowledged: parseEventLogs({ abi: marketplaceAbi, logs: mine, eventName: "LeaseAcknowledged" })[0],
    completed: parseEventLogs({ abi: marketplaceAbi, logs: mine, eventName: "LeaseCompleted" })[0],
    closed,
    closedAt: closed ? await blockTime(closed.blockNumber) : undefined,
    paid: settled.reduce((sum, e) => sum + e.args.paid, 0n),
    fee: settled.reduce((sum, e) => sum + e.args.fee, 0n),
  };
}

/** The lease as the contract holds it now. */
export function chainLease(market: Pick<Market, "net">, leaseId: bigint) {
  return getLease(market.net.publicClient, { deployment: market.net.deployment, leaseId });
}

/** Registers anvil account `index` as a second provider and stakes enough for `units` GPU units. */
export async function registerProvider(net: Localnet, index: number, units = 1n) {
  const wallet = net.wallet(index);
  const { deployment } = net;
  const address = wallet.account.address;
  await registerProviderSync(wallet, {
    deployment,
    endpoint: "http://127.0.0.1:1",
    region: toLabel("test"),
    metadataHash: keccak256(toHex("competitor")),
    apiSigner: address,
  });
  const params = await getRegistryParameters(net.publicClient, { deployment });
  await approveSync(wallet, { deployment, spender: deployment.registry, value: maxUint256 });
  await stakeSync(wallet, { deployment, amount: params.minStakePerGpu * units });
  const send = async (hash: `0x${string}`) => {
    const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  };
  return { wallet, address, send };
}

/**
 * A chain with the contracts and a provider config file for it, without a node: for tests that
 * run the node in a child process. `yaml` is merged over the chain and API settings like startMarket's.
 */
export async function startChain(yaml: string, options: { ackWindow?: number } = {}) {
  const net = await startLocalnet({ deploy: { ackWindow: options.ackWindow ?? 60 } });
  const dir = await mkdtemp(path.join(tmpdir(), "ocx-provider-test-"));
  await chmod(dir, 0o711);
  const deploymentFile = await writeDeployment(net.deployment, dir);
  const port = await freePort();
  const configFile = path.join(dir, "provider.yaml");
  const text = `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${port}" }
stateDir: state
region: test
${/^disk:/m.test(yaml) ? "" : "disk: { reserveMiB: 0 }"}
${yaml}
`;
  await writeFile(configFile, text);
  return {
    net,
    dir,
    deploymentFile,
    configFile,
    url: `http://127.0.0.1:${port}`,
    config: parseConfig(text, { baseDir: dir }),
  };
}

/** The node's record of a lease, read from its SQLite state (a second connection; WAL lets it read while the node writes). */
export function leaseRecord(market: Pick<Market, "config">, leaseId: bigint): LeaseRecord {
  const store = new ProviderStore(path.join(market.config.stateDir, "provider.db"));
  try {
    const lease = store.getLease(leaseId);
    if (!lease) throw new Error(`lease ${leaseId} is not in the node's store`);
    return lease;
  } finally {
    store.close();
  }
}

/**
 * Ends every process and cgroup of the workloads of the node with this state folder and address. A node
 * leaves its workloads running when it closes (its next start re-attaches to them); a test has no next
 * start, so its teardown reaps them.
 */
export async function reapWorkloads(stateDir: string, provider: string): Promise<void> {
  const prefix = `${workloadTagOf(stateDir, provider)}-`;
  await reapServiceLeftovers(await detectCgroupHost(), () => false, { prefix });
  await createBwrapExecutor().reap(() => false, { prefix });
}
