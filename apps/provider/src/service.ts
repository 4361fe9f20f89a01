// The provider node: the wiring of its components, started in order and torn down in reverse —
// store → chain (clients, transaction sender) → hardware and executor → identity and stake →
// offers, leases, bids → recovery → chain events → timers → HTTP API.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { chmod, mkdir, statfs } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Gauge, type Logger, listenApi, openChainAccess, splitListen } from "@ocx/node-kit";
import {
  approveSync,
  getAllowance,
  getEarnings,
  getProvider,
  getRegistryParameters,
  isProviderActive,
  type Manifest,
  parseCanonicalManifest,
  registerProviderSync,
  type ServiceUrl,
  stakeSync,
  toLabel,
  updateProviderSync,
  withdrawEarningsSync,
} from "@ocx/sdk";
import { type Account, formatEther, keccak256, type LocalAccount, maxUint256, toHex } from "viem";
import { type ApiOptions, createApi } from "./api/server.js";
import { spotCheckAccess } from "./api/spotchecks.js";
import type { ChainAccess } from "./chain/client.js";
import { followEvents } from "./chain/events.js";
import { challengesComponent } from "./challenges/component.js";
import { type Common, type Component, createCommon, createComponents, startAll } from "./common.js";
import type { ProviderConfig } from "./config.js";
import { describeHardware, gpuIds, type Hardware } from "./hardware.js";
import { createLeaseBackend, manifestPortOptions, startIngress } from "./ingress/index.js";
import { GpuAllocator } from "./leases/allocation.js";
import { createLeaseService, type LeaseService } from "./leases/service.js";
import { type LeaseRecord, ProviderStore } from "./leases/store.js";
import { createBidEngine } from "./market/bids.js";
import { createOfferBook, desiredOffers, type OfferBook } from "./market/offers.js";
import { pricingFrom } from "./market/pricing.js";
import { createQuoter } from "./market/quotes.js";
import { socketPath } from "./services/runtime.js";
import { createBwrapExecutor } from "./workload/bwrap.js";
import { createDockerExecutor } from "./workload/docker.js";
import { createImageStore, type ImageStore } from "./workload/image/index.js";
import { createProcessExecutor } from "./workload/process.js";
import type { Executor } from "./workload/types.js";

export const VERSION = "0.1.0";
/** Leases settled per withdrawal transaction. */
const WITHDRAW_BATCH = 50;
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

/**
 * Starts a provider node for `config` with the given account. A failure while starting stops
 * whatever had started (in reverse) and closes the database before it rethrows.
 * @example
 * const node = await startProvider(config, { account: privateKeyToAccount(key) });
 * console.log(node.url);
 */
export async function startProvider(
  config: ProviderConfig,
  options: { account: Account; log?: Logger; signals?: boolean },
): Promise<ProviderNode> {
  const common = createCommon(config, options);
  const components = createComponents(common);
  return startAll(common, async () => {
    await mkdir(config.stateDir, { recursive: true });
    const jobsDir = await chooseJobsDir(config, common.log);
    const store = await components.start("store", () => storeComponent(common));
    const chain = await components.start("chain", () =>
      openChainAccess(config.chain, { account: options.account, store: store.store.db, log: common.log }),
    );
    const machine = await components.start("hardware", () => hardwareComponent(common));
    await components.start("identity", () => identityComponent(common, chain, machine.hardware));
    const allocator = new GpuAllocator(gpuIds(machine.hardware));
    const offers = await components.start("offers", () => offersComponent(common, chain, allocator));
    const onCapacityChange = () => void offers.book.refresh();
    let ingressEnding: ((id: bigint) => Promise<void>) | undefined;
    const leases = await components.start("leases", () =>
      leasesComponent(common, {
        store: store.store,
        chain,
        executor: machine.executor,
        allocator,
        jobsDir,
        onCapacityChange,
        // The ingress starts later (it routes to the leases): a lease that ends before it is up has no connections.
        onServiceLeaseEnding: async (id) => ingressEnding?.(id),
      }),
    );
    const bids = await components.start("bids", () =>
      bidsComponent(common, { store: store.store, chain, hardware: machine.hardware, allocator, onCapacityChange }),
    );
    await leases.service.recover();
    await offers.book.sync(desiredOffers(config, machine.hardware, common.log));
    const events = await components.start("events", () =>
      eventsComponent(
        common,
        chain,
        store.store,
        async (event) => {
          await leases.service.handleEvent(event);
          await bids.engine?.handleEvent(event);
        },
        () => leases.service.afterEvents(),
      ),
    );
    await events.start();
    const challenges = await components.start("challenges", () => challengesComponent(common, chain, store.store));
    await components.start("timers", () =>
      timersComponent(common, {
        leases: leases.service,
        bidsTick: bids.engine?.tick,
        recheckGpus: () => recheckGpus(common, machine.hardware, allocator, offers.book),
        withdraw: () => withdrawEarnings(common, chain, store.store),
      }),
    );
    const ingress = await components.start("ingress", () =>
      ingressComponent(common, { store: store.store, leases: leases.service }),
    );
    ingressEnding = ingress.endLease;
    const api = await components.start("api", () =>
      apiComponent(common, {
        chain,
        store: store.store,
        leases: leases.service,
        offers: offers.book,
        allocator,
        machine,
        findLease: async (id) => {
          await events.follower.poll().catch(() => {});
          return store.store.getLease(id);
        },
        status: () => components.status(),
        challengeOpening: async (id) => challenges.responder?.opening(id),
        spotChecks: spotCheckAccess(chain, { stateDir: config.stateDir, jobsDir }),
        ingressUrls: ingress.urlsOf,
        // The registered apiSigner is the provider's own key: it signs every answer of the signed routes.
        ...(options.account.type === "local" ? { answerSigner: options.account } : {}),
      }),
    );
    common.log.info("provider node is up", {
      api: api.url,
      ...(ingress.url ? { ingress: ingress.url } : {}),
      provider: chain.address,
      offers: offers.book.offers.length,
    });
    return {
      url: api.url,
      address: chain.address,
      hardware: machine.hardware,
      close: () => common.shutdown.run("close"),
      done: common.shutdown.done,
    };
  });
}

// ------------------------------------------------------------------ components

/** The SQLite state. */
function storeComponent(common: Common) {
  const store = new ProviderStore(path.join(common.config.stateDir, "provider.db"));
  return {
    store,
    status: () => ({ file: path.join(common.config.stateDir, "provider.db") }),
    close: () => store.close(),
  };
}

/** The machine: its GPUs and CPU, and the executor that runs jobs on it. */
async function hardwareComponent(common: Common) {
  const { config, log } = common;
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
  const check = await executor.check();
  if (!check.ok) throw new Error(`the ${executor.name} executor cannot run here: ${check.reason}`);
  return {
    hardware,
    executor,
    status: () => ({
      executor: executor.name,
      gpus: hardware.gpus.map((g) => ({ index: g.index, model: g.modelId, name: g.name, vramMiB: g.vramMiB })),
      skipped: hardware.skipped,
      cpu: { cores: hardware.cpu.cores, memoryMiB: hardware.cpu.memoryMiB, diskFreeMiB: hardware.cpu.diskFreeMiB },
      driverVersion: hardware.driverVersion,
      cudaVersion: hardware.cudaVersion,
    }),
    close: () => {},
  };
}

/** The executor the config names: bubblewrap (default), docker, or the unsandboxed process executor. */
export function executorFor(config: ProviderConfig): Executor {
  if (config.executor === "docker") return createDockerExecutor();
  if (config.executor === "process") return createProcessExecutor();
  // Inside the sandbox the whole state folder is hidden (other jobs, logs, the database); only the
  // lease's own job folder is bound in, at /job.
  return createBwrapExecutor({
    hidePaths: [config.stateDir],
    images: imageStoreFor(config),
    imageFallbackToHostRoot: config.images.fallbackToHostRoot,
  });
}

const imageStores = new Map<string, ImageStore>();

/**
 * The node's image cache (one per cache folder). The sandbox user must pass through to it, so a
 * state folder it cannot pass through puts the cache under the temporary folder, as for jobs.
 */
export function imageStoreFor(config: ProviderConfig): ImageStore {
  const sandboxed = config.executor === "bwrap" && process.getuid?.() === 0;
  const wanted = config.images.dir ?? path.join(config.stateDir, "images");
  const dir =
    !config.images.dir && sandboxed && untraversable(config.stateDir)
      ? path.join(os.tmpdir(), `ocx-images-${createHash("sha256").update(config.stateDir).digest("hex").slice(0, 12)}`)
      : wanted;
  let store = imageStores.get(dir);
  if (!store) {
    store = createImageStore({
      dir,
      layouts: config.images.layouts,
      pull: config.images.pull,
      insecureRegistries: config.images.insecureRegistries,
      maxImageBytes: config.images.maxImageMiB * 1024 * 1024,
    });
    imageStores.set(dir, store);
  }
  return store;
}

/** Registration and stake, made to match the config and the hardware (idempotent: a restart changes nothing that is already right). */
async function identityComponent(common: Common, chain: ChainAccess, hardware: Hardware): Promise<Component> {
  const { config, log } = common;
  const { deployment, address, reader } = chain;
  const [host, port] = splitListen(config.api.listen);
  const endpoint = config.api.publicUrl ?? `http://${host}:${port}`;
  const region = toLabel(config.region);
  const metadataHash = keccak256(
    toHex(JSON.stringify({ version: VERSION, gpus: hardware.gpus.map((g) => g.modelId), cpu: hardware.cpu.cores })),
  );
  const profile = { deployment, endpoint, region, metadataHash, apiSigner: address };
  const registered = await getProvider(reader, { deployment, provider: address });
  if (!registered.registered) {
    await registerProviderSync(chain.writer(`register:${address}`), profile);
    log.info("registered on-chain", { endpoint, region: config.region });
  } else if (
    registered.endpoint !== endpoint ||
    registered.region !== region ||
    registered.metadataHash !== metadataHash ||
    registered.apiSigner.toLowerCase() !== address.toLowerCase()
  ) {
    await updateProviderSync(chain.writer(`update:${endpoint}:${config.region}:${metadataHash}`), profile);
    log.info("updated the on-chain registration", { endpoint, region: config.region });
  }

  const desired = desiredOffers(config, hardware, log);
  // A bid must be covered by stake on top of what the offers commit (the registry checks
  // committed + bid units): with bidding on, stake for every GPU (one unit on a CPU machine) as well.
  const bidUnits = config.bidding.enabled ? BigInt(Math.max(hardware.gpus.length, 1)) : 0n;
  const units = desired.reduce((n, o) => n + BigInt(Math.max(o.resources.gpuCount, 1) * o.maxLeases), 0n) + bidUnits;
  const params = await getRegistryParameters(reader, { deployment });
  const required = units * params.minStakePerGpu;
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
  const target = config.stake > required ? config.stake : required;
  const current = (await getProvider(reader, { deployment, provider: address })).stake;
  if (current < target) {
    const amount = target - current;
    const allowance = await getAllowance(reader, { deployment, owner: address, spender: deployment.registry });
    if (allowance < amount) {
      await approveSync(chain.writer(`approve:registry:${Date.now()}`), {
        deployment,
        spender: deployment.registry,
        value: maxUint256,
      });
    }
    await stakeSync(chain.writer(`stake:${target}:${current}`), { deployment, amount });
    log.info("topped up stake", {
      staked: formatEther(target),
      added: formatEther(amount),
      required: formatEther(required),
    });
  }
  return { status: () => ({ endpoint, region: config.region, stakeTarget: target.toString() }), close: () => {} };
}

function offersComponent(common: Common, chain: ChainAccess, allocator: GpuAllocator) {
  const book = createOfferBook({ chain, allocator, log: common.log.child({ component: "offers" }) });
  return {
    book,
    status: () =>
      book.offers.map((o) => ({
        offerId: o.offerId.toString(),
        model: o.model,
        gpus: o.resources.gpuCount,
        pricePerSecond: o.pricePerSecond.toString(),
        maxLeases: o.maxLeases,
        state: o.state,
      })),
    close: () => {},
  };
}

function leasesComponent(
  common: Common,
  deps: {
    store: ProviderStore;
    chain: ChainAccess;
    executor: Executor;
    allocator: GpuAllocator;
    jobsDir: string;
    onCapacityChange: () => void;
    onServiceLeaseEnding?: (id: bigint) => Promise<void>;
  },
) {
  const { config } = common;
  const service = createLeaseService({
    ...deps,
    stateDir: config.stateDir,
    log: common.log.child({ component: "leases" }),
    metrics: common.metrics,
    retentionMs: config.retention.keepEndedLeasesHours * 3600_000,
    retainedMaxBytes: config.retention.retainedMaxMiB * 1024 * 1024,
    cannotStart: () => diskReserveProblem(config),
    // Services run in bwrap only; those that name an image run in the same image store as jobs.
    ...(deps.executor.name === "bwrap" ? { images: imageStoreFor(config) } : {}),
  });
  new Gauge({
    name: "ocx_provider_leases",
    help: "Leases by phase",
    labelNames: ["phase"],
    registers: [common.metrics],
    collect() {
      this.reset();
      for (const l of deps.store.allLeases()) this.inc({ phase: l.phase });
    },
  });
  new Gauge({
    name: "ocx_provider_gpus_free",
    help: "GPUs not held by a lease or a bid reservation",
    registers: [common.metrics],
    collect() {
      this.set(deps.allocator.free.length);
    },
  });
  return { service, status: () => service.status(), close: () => service.close() };
}

/**
 * Why the node refuses new jobs now: the disk holding its state folder (and database) has less
 * free than `disk.reserveMiB`. Undefined when it has enough.
 */
export async function diskReserveProblem(
  config: Pick<ProviderConfig, "stateDir" | "disk">,
): Promise<string | undefined> {
  const stats = await statfs(config.stateDir);
  const freeMiB = Math.floor((stats.bavail * stats.bsize) / (1024 * 1024));
  if (freeMiB >= config.disk.reserveMiB) return undefined;
  return `the disk holding ${config.stateDir} has ${freeMiB} MiB free, below the reserve of ${config.disk.reserveMiB} MiB (disk.reserveMiB); free space or lower the reserve`;
}

function bidsComponent(
  common: Common,
  deps: {
    store: ProviderStore;
    chain: ChainAccess;
    hardware: Hardware;
    allocator: GpuAllocator;
    onCapacityChange: () => void;
  },
) {
  const { config } = common;
  const engine =
    config.bidding.enabled && config.bidding.pricing
      ? createBidEngine({
          ...deps,
          region: config.region,
          pricing: pricingFrom(config.bidding.pricing),
          log: common.log,
          metrics: common.metrics,
        })
      : undefined;
  engine?.recover();
  return { engine, status: () => ({ enabled: engine !== undefined }), close: () => {} };
}

function eventsComponent(
  common: Common,
  chain: ChainAccess,
  store: ProviderStore,
  handle: Parameters<typeof followEvents>[0]["handle"],
  afterBatch: () => Promise<void>,
) {
  const follower = followEvents({
    publicClient: chain.reader,
    marketplace: chain.deployment.marketplace,
    store,
    startBlock: BigInt(chain.deployment.startBlock),
    pollIntervalMs: common.config.chain.pollIntervalMs,
    log: common.log.child({ component: "events" }),
    handle,
    afterBatch,
  });
  return {
    follower,
    async start() {
      await follower.poll();
      follower.start();
    },
    status: () => ({ cursor: follower.cursor.toString() }),
    close: () => follower.stop(),
  };
}

/**
 * The node's periodic work. The escrow watch runs on its own short timer and touches no RPC, so a
 * slow or absent chain never delays stopping a lease at its paid-until time.
 */
function timersComponent(
  common: Common,
  work: {
    leases: LeaseService;
    bidsTick?: () => Promise<void>;
    recheckGpus: () => Promise<void>;
    withdraw: () => Promise<void>;
  },
) {
  const { config, log } = common;
  const guarded = (name: string, task: () => Promise<void>) => {
    let busy = false;
    return async () => {
      if (busy) return;
      busy = true;
      try {
        await task();
      } catch (error) {
        log.warn(`${name} failed; will retry`, { error: (error as Error).message });
      } finally {
        busy = false;
      }
    };
  };
  let lastWithdraw = Date.now();
  let lastDetection = Date.now();
  let lastSweep = 0;
  const enforce = setInterval(guarded("the escrow watch", work.leases.enforce), 250);
  const chainWork = setInterval(
    guarded("periodic chain work", async () => {
      await work.leases.tick();
      await work.bidsTick?.();
      if (Date.now() - lastDetection >= HARDWARE_RECHECK_MS) {
        lastDetection = Date.now();
        await work.recheckGpus();
      }
      if (Date.now() - lastWithdraw >= config.withdrawIntervalSeconds * 1000) {
        lastWithdraw = Date.now();
        await work.withdraw();
      }
    }),
    1000,
  );
  const sweep = setInterval(
    guarded("the retention sweep", async () => {
      if (Date.now() - lastSweep < config.retention.sweepIntervalMinutes * 60_000) return;
      lastSweep = Date.now();
      await work.leases.sweep();
    }),
    1000,
  );
  return {
    status: () => ({}),
    close() {
      clearInterval(enforce);
      clearInterval(chainWork);
      clearInterval(sweep);
    },
  };
}

/** A GPU that vanished (driver fault, taken for other work) is no longer sold: offers needing it pause. */
async function recheckGpus(common: Common, hardware: Hardware, allocator: GpuAllocator, offers: OfferBook) {
  if (hardware.gpus.length === 0) return;
  const now = await describeHardware(common.config);
  const ids = gpuIds(now);
  const gone = gpuIds(hardware).filter((id) => !ids.includes(id));
  const back = ids.filter((id) => !gpuIds(hardware).includes(id));
  if (gone.length === 0 && back.length === 0) return;
  common.log.warn("the GPUs on offer changed; adjusting offers", { gone: gone.join(","), back: back.join(",") });
  hardware.gpus = now.gpus;
  allocator.setGpus(ids);
  await offers.refresh();
}

/** Withdraws earnings, settling the running leases in the same transaction. */
async function withdrawEarnings(common: Common, chain: ChainAccess, store: ProviderStore) {
  const live = store
    .liveLeases()
    .filter((l) => l.phase === "running" || l.phase === "acknowledged")
    .map((l) => l.id);
  const earned = await getEarnings(chain.reader, { deployment: chain.deployment, provider: chain.address });
  if (earned === 0n && live.length === 0) return;
  // In batches of WITHDRAW_BATCH leases, so a provider with many leases stays within a block's gas.
  const batches = live.length === 0 ? [[]] : chunk(live, WITHDRAW_BATCH);
  for (const [i, leaseIds] of batches.entries()) {
    await withdrawEarningsSync(chain.writer(`withdraw:${Date.now()}:${i}`), { deployment: chain.deployment, leaseIds })
      .then(() => common.log.info("withdrew earnings", { leases: leaseIds.length }))
      .catch((error: Error) => common.log.info("nothing withdrawn", { reason: error.message }));
  }
}

async function apiComponent(
  common: Common,
  deps: {
    chain: ChainAccess;
    store: ProviderStore;
    leases: LeaseService;
    offers: OfferBook;
    allocator: GpuAllocator;
    machine: Awaited<ReturnType<typeof hardwareComponent>>;
    findLease: (id: bigint) => Promise<ReturnType<ProviderStore["getLease"]>>;
    status: () => Promise<Record<string, unknown>>;
    challengeOpening: ApiOptions["challengeOpening"];
    spotChecks: ApiOptions["spotChecks"];
    /** How buyers reach a service lease's public ports: added to the lease's status. */
    ingressUrls: (leaseId: bigint) => ServiceUrl[];
    answerSigner?: LocalAccount;
  },
) {
  const { config } = common;
  const { chain, offers, allocator, machine } = deps;
  const app = createApi({
    deployment: chain.deployment,
    store: deps.store,
    leases: {
      ...deps.leases,
      // A service lease's status carries its public URLs (docs/deploy.md).
      statusOf: async (id: bigint) => {
        const status = await deps.leases.statusOf(id);
        const urls = status ? deps.ingressUrls(id) : [];
        return status && urls.length > 0 ? Object.assign(status, { urls }) : status;
      },
    },
    metrics: common.metrics,
    maxUploadBytes: config.api.maxUploadMiB * 1024 * 1024,
    maxSignatureAgeSeconds: config.api.maxSignatureAgeSeconds,
    findLease: deps.findLease,
    ...(deps.challengeOpening ? { challengeOpening: deps.challengeOpening } : {}),
    ...(deps.spotChecks ? { spotChecks: deps.spotChecks } : {}),
    ...(deps.answerSigner ? { answerSigner: deps.answerSigner } : {}),
    ...(deps.answerSigner && config.quotes.enabled
      ? {
          quote: createQuoter({
            chain,
            chainId: chain.deployment.chainId,
            store: deps.store,
            signer: deps.answerSigner,
            offers,
            allocator,
            expirySeconds: config.quotes.expirySeconds,
            log: common.log.child({ component: "quotes" }),
          }),
        }
      : {}),
    notReady: async () => {
      const reasons: string[] = [];
      const active = await isProviderActive(chain.reader, {
        deployment: chain.deployment,
        provider: chain.address,
      }).catch(() => false);
      if (!active) reasons.push("the provider is not active on-chain (jailed or under-staked)");
      if (offers.offers.length === 0) reasons.push("no offer is published");
      const disk = await diskReserveProblem(config);
      if (disk) reasons.push(disk);
      return reasons;
    },
    status: async () => {
      const components = await deps.status();
      const hardware = components.hardware as ReturnType<typeof machine.status>;
      return {
        version: VERSION,
        provider: chain.address,
        region: config.region,
        executor: machine.executor.name,
        hardware: { ...hardware, executor: undefined },
        offers: components.offers,
        capacity: { gpus: allocator.total, freeGpus: allocator.free.length },
        leases: components.leases,
        components,
      };
    },
  });
  const server = await listenApi(app, { listen: config.api.listen });
  return { url: server.url, status: () => ({ url: server.url }), close: server.close };
}

/**
 * The public ingress of service leases: listens next to the API (its port + 1 unless `ingress.listen` says),
 * routes to the public ports of running service leases through their runtime's Unix sockets, and forwards
 * their TCP ports. The ports come from each lease's manifest, the services' states from its status.
 */
async function ingressComponent(common: Common, deps: { store: ProviderStore; leases: LeaseService }) {
  const { config, log } = common;
  if (!config.ingress.enabled) {
    log.info("ingress disabled (ingress.enabled: false): service leases' public ports are not reachable");
    return {
      url: undefined,
      urlsOf: (_id: bigint): ServiceUrl[] => [],
      endLease: async (_id: bigint) => {},
      status: () => ({ enabled: false }),
      close() {},
    };
  }
  const [apiHost, apiPort] = splitListen(config.api.listen);
  const listen = config.ingress.listen ?? `${apiHost}:${apiPort === 0 ? 0 : apiPort + 1}`;
  // A lease's manifest never changes: parsed once per lease while it runs.
  const manifests = new Map<string, Manifest | null>();
  const serviceManifest = (lease: LeaseRecord | undefined): Manifest | undefined => {
    if (!lease?.manifest || lease.phase !== "running") return undefined;
    let manifest = manifests.get(lease.id.toString());
    if (manifest === undefined) {
      try {
        manifest = parseCanonicalManifest(lease.manifest);
      } catch {
        manifest = null;
      }
      manifests.set(lease.id.toString(), manifest);
    }
    return manifest?.kind === "service" ? manifest : undefined;
  };
  const backend = createLeaseBackend({
    liveLeases: () => {
      const live = deps.store.liveLeases().filter((l) => serviceManifest(l) !== undefined);
      const keep = new Set(live.map((l) => l.id.toString()));
      for (const key of manifests.keys()) if (!keep.has(key)) manifests.delete(key);
      return live.map((l) => l.id);
    },
    endpoints: (id) => {
      const manifest = serviceManifest(deps.store.getLease(id));
      if (!manifest) return [];
      const root = deps.leases.files(id).root;
      return manifest.services.flatMap((s) =>
        s.ports.map((p) => ({
          service: s.name,
          port: p.port,
          protocol: p.protocol,
          expose: p.expose,
          socketPath: socketPath(root, s.name, p.port),
        })),
      );
    },
    portOptions: (id) => manifestPortOptions(serviceManifest(deps.store.getLease(id))?.services ?? []),
    states: async (id) =>
      (
        (await deps.leases.statusOf(id)) as
          | { services?: { name: string; state: string; reason?: string }[] }
          | undefined
      )?.services,
  });
  const ingress = await startIngress({
    listen,
    anyPortIfTaken: config.ingress.listen === undefined,
    ...(config.ingress.publicUrl ? { publicUrl: config.ingress.publicUrl } : {}),
    ...(config.ingress.domain ? { domain: config.ingress.domain } : {}),
    tcpPorts: config.ingress.tcpPorts,
    maxConnectionsPerLease: config.ingress.maxConnectionsPerLease,
    defaults: config.ingress.http,
    backend,
    db: deps.store.db,
    log: log.child({ component: "ingress" }),
    metrics: common.metrics,
  });
  return {
    url: ingress.url,
    urlsOf: ingress.urlsOf,
    endLease: ingress.endLease,
    status: ingress.status,
    close: ingress.close,
  };
}

// ------------------------------------------------------------------ folders

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

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
