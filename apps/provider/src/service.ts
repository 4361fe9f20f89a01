// The provider node: wires hardware detection, the chain, offers, the bid engine, leases and the
// API together in order, and tears them down in reverse.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { createLogger, createMetrics, createShutdown, createTxSender, Gauge, type Logger } from "@ocx/node-kit";
import {
  type Deployment,
  loadDeploymentFile,
  marketplaceAbi,
  ocxTokenAbi,
  providerRegistryAbi,
  toLabel,
} from "@ocx/sdk";
import {
  type Account,
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  http,
  keccak256,
  maxUint256,
  type PublicClient,
  toHex,
} from "viem";
import { createApi } from "./api/server.js";
import { followEvents } from "./chain/events.js";
import type { ProviderConfig } from "./config.js";
import { describeHardware, gpuIds, type Hardware } from "./hardware.js";
import { GpuAllocator } from "./leases/allocation.js";
import { createLeaseService } from "./leases/service.js";
import { ProviderStore } from "./leases/store.js";
import { createBidEngine } from "./market/bids.js";
import { createOfferBook, desiredOffers } from "./market/offers.js";
import { pricingFrom } from "./market/pricing.js";
import { createBwrapExecutor } from "./workload/bwrap.js";
import { createDockerExecutor } from "./workload/docker.js";
import { createProcessExecutor } from "./workload/process.js";
import type { Executor } from "./workload/types.js";

export const VERSION = "0.1.0";
/** How often the node re-reads nvidia-smi to notice GPUs that vanished or came back. */
const HARDWARE_RECHECK_MS = 60_000;

export interface ProviderNode {
  /** The API's base URL. */
  url: string;
  address: `0x${string}`;
  hardware: Hardware;
  /** Stops the node: API, chain following, timers. Workloads keep running and are re-attached on the next start. */
  close(): Promise<void>;
  /** Resolves when the node has stopped (after `close` or a signal). */
  done: Promise<void>;
}

function executorFor(config: ProviderConfig): Executor {
  if (config.executor === "docker") return createDockerExecutor();
  if (config.executor === "process") return createProcessExecutor();
  // Inside the sandbox the whole state folder is hidden (other jobs, logs, the database); only the
  // lease's own job folder is bound in, at /job.
  return createBwrapExecutor({ hidePaths: [config.stateDir] });
}

/**
 * The folder for job folders. bwrap opens a job folder as the unprivileged sandbox user, so every
 * folder above it must let that user pass; a state folder under a private home (mode 700) does
 * not, and then jobs go under the system's temporary folder instead — said in the log.
 */
async function chooseJobsDir(config: ProviderConfig, log: Logger): Promise<string> {
  const wanted = config.jobsDir ?? path.join(config.stateDir, "jobs");
  const sandboxed = config.executor === "bwrap" && process.getuid?.() === 0;
  const blocker = sandboxed ? untraversable(path.dirname(wanted)) : undefined;
  let dir = wanted;
  if (blocker) {
    if (config.jobsDir) {
      throw new Error(
        `jobsDir ${wanted} is not reachable by the sandbox user: ${blocker} has no o+x; chmod o+x ${blocker}`,
      );
    }
    dir = path.join(os.tmpdir(), `ocx-jobs-${createHash("sha256").update(config.stateDir).digest("hex").slice(0, 12)}`);
    log.info("job folders go under the temporary folder: the sandbox user cannot pass through the state folder", {
      jobsDir: dir,
      blockedAt: blocker,
      fix: `chmod o+x ${blocker}, or set jobsDir`,
    });
  }
  await mkdir(dir, { recursive: true });
  // The sandbox user may pass through to its own job folder, but list nothing.
  if (sandboxed) await chmod(dir, 0o711);
  return dir;
}

/** The first folder from `dir` up to / that others cannot pass through, if any. */
function untraversable(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (d === "/") return undefined;
  }
}

/**
 * Starts a provider node for `config` with the given account.
 * @example
 * const node = await startProvider(config, { account: privateKeyToAccount(key) });
 * console.log(node.url);
 */
export async function startProvider(
  config: ProviderConfig,
  options: { account: Account; log?: Logger; signals?: boolean },
): Promise<ProviderNode> {
  const log = options.log ?? createLogger();
  const shutdown = createShutdown({
    signals: options.signals ?? false,
    onError: (name, error) => log.error("stopping a component failed", { name, error: (error as Error).message }),
  });
  const account = options.account;
  const address = account.address;
  await mkdir(config.stateDir, { recursive: true });
  const jobsDir = await chooseJobsDir(config, log);

  // Chain
  const deployment: Deployment = await loadDeploymentFile(config.chain.deployment);
  const chain = defineChain({
    id: deployment.chainId,
    name: `chain ${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.chain.rpcUrl] } },
  });
  const publicClient = createPublicClient({
    chain,
    transport: http(config.chain.rpcUrl, { retryCount: 3 }),
    pollingInterval: Math.min(config.chain.pollIntervalMs, 250),
  }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport: http(config.chain.rpcUrl), account });
  const chainId = await publicClient.getChainId().catch((error: Error) => {
    throw new Error(`cannot reach the chain at ${config.chain.rpcUrl}: ${error.message}`);
  });
  if (chainId !== deployment.chainId) {
    throw new Error(
      `the RPC at ${config.chain.rpcUrl} is chain ${chainId}, but ${config.chain.deployment} is for chain ${deployment.chainId}`,
    );
  }

  // State
  const store = new ProviderStore(`${config.stateDir}/provider.db`);
  shutdown.add("store", () => store.close());
  const tx = createTxSender({ publicClient, walletClient, store: store.db, log: log.child({ component: "tx" }) });
  await tx.resume();

  // Hardware and executor
  const hardware = await describeHardware(config);
  log.info("hardware detected", {
    gpus: hardware.gpus.map((g) => `${g.index}:${g.modelId}`).join(",") || "none",
    skipped: hardware.skipped.length,
    cpuCores: hardware.cpu.cores,
    memoryMiB: hardware.cpu.memoryMiB,
    ...(hardware.noGpuReason ? { cpuOnly: hardware.noGpuReason } : {}),
  });
  for (const s of hardware.skipped) log.info("not offering a GPU", { index: s.index, name: s.name, reason: s.reason });
  const executor = executorFor(config);
  const executorCheck = await executor.check();
  if (!executorCheck.ok) throw new Error(`the ${executor.name} executor cannot run here: ${executorCheck.reason}`);

  // Identity and stake (idempotent: a restart changes nothing that is already right)
  const registry = { address: deployment.registry, abi: providerRegistryAbi } as const;
  const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;
  const [host, port] = splitListen(config.api.listen);
  const publicUrl = config.api.publicUrl ?? `http://${host}:${port}`;
  const metadataHash = keccak256(
    toHex(JSON.stringify({ version: VERSION, gpus: hardware.gpus.map((g) => g.modelId), cpu: hardware.cpu.cores })),
  );
  const registered = await publicClient.readContract({ ...registry, functionName: "getProvider", args: [address] });
  const profile = [publicUrl, toLabel(config.region), metadataHash, address] as const;
  if (!registered.registered) {
    await tx.write(`register:${address}`, { ...registry, functionName: "register", args: profile });
    log.info("registered on-chain", { endpoint: publicUrl, region: config.region });
  } else if (
    registered.endpoint !== publicUrl ||
    registered.region !== profile[1] ||
    registered.metadataHash !== metadataHash ||
    registered.apiSigner.toLowerCase() !== address.toLowerCase()
  ) {
    await tx.write(`update:${publicUrl}:${config.region}:${metadataHash}`, {
      ...registry,
      functionName: "update",
      args: profile,
    });
    log.info("updated the on-chain registration", { endpoint: publicUrl, region: config.region });
  }

  const desired = desiredOffers(config, hardware, log);
  // A bid must be covered by stake on top of what the offers commit (the registry checks
  // committed + bid units): with bidding on, stake for every GPU (one unit on a CPU machine) as well.
  const bidUnits = config.bidding.enabled ? BigInt(Math.max(hardware.gpus.length, 1)) : 0n;
  const units = desired.reduce((n, o) => n + BigInt(Math.max(o.resources.gpuCount, 1) * o.maxLeases), 0n) + bidUnits;
  const params = await publicClient.readContract({ ...registry, functionName: "parameters" });
  const required = units * params.minStakePerGpu;
  // The larger of the two (bigints: Math.max does not take them).
  const target = config.stake > required ? config.stake : required;
  const current = (await publicClient.readContract({ ...registry, functionName: "getProvider", args: [address] }))
    .stake;
  if (current < target) {
    const amount = target - current;
    const allowance = await publicClient.readContract({
      address: deployment.token,
      abi: ocxTokenAbi,
      functionName: "allowance",
      args: [address, deployment.registry],
    });
    if (allowance < amount) {
      await tx.write(`approve:registry:${Date.now()}`, {
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "approve",
        args: [deployment.registry, maxUint256],
      });
    }
    await tx.write(`stake:${target}:${current}`, { ...registry, functionName: "stake", args: [amount] });
    log.info("topped up stake", {
      staked: formatEther(target),
      added: formatEther(amount),
      required: formatEther(required),
    });
  }

  // Market and leases
  const allocator = new GpuAllocator(gpuIds(hardware));
  const offers = createOfferBook({
    publicClient,
    tx,
    deployment,
    provider: address,
    allocator,
    log: log.child({ component: "offers" }),
  });
  const onCapacityChange = () => void offers.refresh();
  const leases = createLeaseService({
    store,
    tx,
    publicClient,
    deployment,
    provider: address,
    executor,
    allocator,
    stateDir: config.stateDir,
    jobsDir,
    log: log.child({ component: "leases" }),
    onCapacityChange,
  });
  const bids =
    config.bidding.enabled && config.bidding.pricing
      ? createBidEngine({
          publicClient,
          tx,
          deployment,
          provider: address,
          region: config.region,
          hardware,
          allocator,
          store,
          pricing: pricingFrom(config.bidding.pricing),
          log,
          onCapacityChange,
        })
      : undefined;
  bids?.recover();
  await leases.recover();
  await offers.sync(desired);

  const events = followEvents({
    publicClient,
    marketplace: deployment.marketplace,
    store,
    startBlock: BigInt(deployment.startBlock),
    pollIntervalMs: config.chain.pollIntervalMs,
    log: log.child({ component: "events" }),
    handle: async (event) => {
      await leases.handleEvent(event);
      await bids?.handleEvent(event);
    },
  });
  await events.poll();
  events.start();
  shutdown.add("events", () => events.stop());

  // Escrow watch, auction closes and scheduled withdrawals
  let lastWithdraw = Date.now();
  let lastDetection = Date.now();
  let ticking = false;
  const timer = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      await leases.tick();
      await bids?.tick();
      if (Date.now() - lastDetection >= HARDWARE_RECHECK_MS) {
        lastDetection = Date.now();
        await recheckGpus();
      }
      if (Date.now() - lastWithdraw >= config.withdrawIntervalSeconds * 1000) {
        lastWithdraw = Date.now();
        await withdrawEarnings();
      }
    } catch (error) {
      log.warn("periodic work failed; will retry", { error: (error as Error).message });
    } finally {
      ticking = false;
    }
  }, 1000);
  shutdown.add("timers", () => clearInterval(timer));

  /** A GPU that vanished (driver fault, taken for other work) is no longer sold: offers needing it pause. */
  const recheckGpus = async () => {
    if (hardware.gpus.length === 0) return;
    const now = await describeHardware(config);
    const ids = gpuIds(now);
    const gone = gpuIds(hardware).filter((id) => !ids.includes(id));
    const back = ids.filter((id) => !gpuIds(hardware).includes(id));
    if (gone.length === 0 && back.length === 0) return;
    log.warn("the GPUs on offer changed; adjusting offers", { gone: gone.join(","), back: back.join(",") });
    hardware.gpus = now.gpus;
    allocator.setGpus(ids);
    await offers.refresh();
  };

  const withdrawEarnings = async () => {
    const live = store
      .liveLeases()
      .filter((l) => l.phase === "running" || l.phase === "acknowledged")
      .map((l) => l.id);
    const earned = await publicClient.readContract({ ...market, functionName: "earningsOf", args: [address] });
    if (earned === 0n && live.length === 0) return;
    await tx
      .write(`withdraw:${Date.now()}`, { ...market, functionName: "withdraw", args: [live] })
      .then(() => log.info("withdrew earnings", { leases: live.length }))
      .catch((error: Error) => log.info("nothing withdrawn", { reason: error.message }));
  };

  // Metrics and API
  const metrics = createMetrics("ocx_provider_");
  new Gauge({
    name: "ocx_provider_gpus_free",
    help: "GPUs not held by a lease or a bid reservation",
    registers: [metrics],
    collect() {
      this.set(allocator.free.length);
    },
  });
  new Gauge({
    name: "ocx_provider_leases",
    help: "Leases by phase",
    labelNames: ["phase"],
    registers: [metrics],
    collect() {
      this.reset();
      for (const l of store.allLeases()) this.inc({ phase: l.phase });
    },
  });
  const findLease = async (id: bigint) => {
    await events.poll().catch(() => {});
    return store.getLease(id);
  };
  const app = createApi({
    deployment,
    store,
    leases,
    metrics,
    maxUploadBytes: config.api.maxUploadMiB * 1024 * 1024,
    maxSignatureAgeSeconds: config.api.maxSignatureAgeSeconds,
    findLease,
    notReady: async () => {
      const reasons: string[] = [];
      if (
        !(await publicClient
          .readContract({ ...registry, functionName: "isActive", args: [address] })
          .catch(() => false))
      ) {
        reasons.push("the provider is not active on-chain (jailed or under-staked)");
      }
      if (offers.offers.length === 0) reasons.push("no offer is published");
      return reasons;
    },
    status: async () => ({
      version: VERSION,
      provider: address,
      region: config.region,
      executor: executor.name,
      hardware: {
        gpus: hardware.gpus.map((g) => ({ index: g.index, model: g.modelId, name: g.name, vramMiB: g.vramMiB })),
        skipped: hardware.skipped,
        cpu: { cores: hardware.cpu.cores, memoryMiB: hardware.cpu.memoryMiB, diskFreeMiB: hardware.cpu.diskFreeMiB },
        driverVersion: hardware.driverVersion,
        cudaVersion: hardware.cudaVersion,
      },
      offers: offers.offers.map((o) => ({
        offerId: o.offerId.toString(),
        model: o.model,
        gpus: o.resources.gpuCount,
        pricePerSecond: o.pricePerSecond.toString(),
        maxLeases: o.maxLeases,
        state: o.state,
      })),
      capacity: { gpus: allocator.total, freeGpus: allocator.free.length },
      leases: leases.status(),
    }),
  });
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  shutdown.add("http", () => new Promise<void>((resolve) => server.close(() => resolve())));
  shutdown.add("leases", () => leases.close());
  const address_ = server.address();
  const url = typeof address_ === "object" && address_ ? `http://${host}:${address_.port}` : publicUrl;
  log.info("provider node is up", { api: url, provider: address, offers: offers.offers.length });

  return { url, address, hardware, close: () => shutdown.run("close"), done: shutdown.done };
}

function splitListen(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new Error(`api.listen must be host:port, got "${listen}"`);
  return [match[1] as string, Number(match[2])];
}
