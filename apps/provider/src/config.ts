// The provider's configuration file (YAML): what it sells, at what price, and how it runs jobs.
// Every field is documented in docs/provider.md.
import path from "node:path";
import {
  ConfigError,
  type ConfigOverride,
  chainSection,
  loadDaemonConfig,
  parseDaemonConfig,
  walletSection,
} from "@ocx/node-kit";
import { parseEther } from "viem";
import { z } from "zod";

export { ConfigError };

/**
 * A price per GPU-hour in the market's payment token, 18 decimals, read exactly: dollars of credits on a market that
 * settles in credits (the default: "1.20" or "$1.20" is $1.20 per GPU-hour), OCX on one deployed without credits.
 * The offer's per-second price is this × GPUs ÷ 3,600 rounded down to whole wei (in the buyer's favour: "1.20" is
 * 333,333,333,333,333 wei per second, $1.1999999999999988 per hour). A figure written with "OCX" (a config from
 * before the market settled in credits) is refused, naming the field, so an OCX price is never read as dollars.
 */
const decimalOcx = z
  .string()
  .refine((v) => !/ocx/i.test(v), {
    message:
      'prices are in the market\'s payment token, dollars of credits ($1 each): write "1.20" for $1.20 per GPU-hour, without "OCX" (convert an OCX price at the OCX/USD price: `ocx credits price`)',
  })
  .regex(/^\$?\d+(\.\d{1,18})?$/, 'a decimal amount of dollars such as "1.20" (or "$1.20")')
  .transform((v) => parseEther(v.replace(/^\$/, "")));
const label = z.string().regex(/^[\x20-\x7e]{1,31}$/, "at most 31 printable ASCII characters");

const offerSchema = z
  .object({
    /** GPUs per lease; 0 sells CPU compute. */
    gpus: z.number().int().min(0).max(64).default(1),
    /** GPU model id to sell (e.g. "nvidia-h100-80gb"); default: the machine's most common model. */
    gpuModel: z.string().optional(),
    /** Price per GPU-hour (per hour for CPU offers), in dollars of credits (OCX on a market without credits). */
    pricePerGpuHour: decimalOcx,
    /** How many leases of this bundle run at once. Default: as many as the free GPUs allow. */
    maxLeases: z.number().int().min(1).max(65535).optional(),
    minDuration: z.number().int().min(0).default(60),
    maxDuration: z
      .number()
      .int()
      .min(1)
      .default(24 * 3600),
    /** CPU cores, memory and disk per lease. */
    cpu: z.number().positive().default(2),
    memoryMiB: z.number().int().positive().default(4096),
    diskMiB: z.number().int().positive().default(10240),
  })
  .strict();

const pricingSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("fixed"),
      pricePerGpuHour: decimalOcx,
      /** Adds this fraction of the price per unit of utilization (0.5 → +50 % when full). */
      utilizationMarkup: z.number().min(0).max(10).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal("script"),
      /** Executable given the request as JSON on stdin; prints a price per GPU-hour in dollars of credits, or "skip". */
      command: z.string().min(1),
      timeoutMs: z.number().int().positive().default(2000),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    /** The chain, and milliseconds between polls for new events. */
    chain: chainSection({ pollIntervalMs: 500 }),
    /** The provider's key: a keystore file (decrypted with OCX_PASSWORD) or an environment variable. */
    wallet: walletSection("OCX_PROVIDER_KEY"),
    api: z
      .object({
        listen: z.string().default("127.0.0.1:8443"),
        /** The URL buyers reach this node at; registered on-chain. */
        publicUrl: z.string().url().optional(),
        maxUploadMiB: z.number().int().positive().default(512),
        /** Seconds a signed request stays valid. */
        maxSignatureAgeSeconds: z.number().int().positive().default(60),
      })
      .strict()
      .default({ listen: "127.0.0.1:8443", maxUploadMiB: 512, maxSignatureAgeSeconds: 60 }),
    region: label.default("local"),
    /** OCX to keep staked; the node tops up to this on start. */
    stake: decimalOcx.default(parseEther("0")),
    stateDir: z.string().default(".ocx/provider"),
    /** Where job folders live; default: <stateDir>/jobs (or a folder under /tmp when the sandbox user cannot reach that). */
    jobsDir: z.string().optional(),
    executor: z.enum(["bwrap", "process", "docker"]).default("bwrap"),
    /** Container images for the bwrap executor (workload/image): the cache, preloaded OCI layouts, registry pulls. */
    images: z
      .object({
        /** The image cache; default <stateDir>/images (or a folder under /tmp when the sandbox user cannot reach that). */
        dir: z.string().optional(),
        /** OCI image layouts (folders or .tar archives) looked in before any registry. */
        layouts: z.array(z.string()).default([]),
        /** Pull images from their registries when no layout has them. */
        pull: z.boolean().default(true),
        /** Registries (host[:port]) reached over plain HTTP. */
        insecureRegistries: z.array(z.string()).default([]),
        /** Largest unpacked image, MiB. */
        maxImageMiB: z.number().int().min(1).default(32_768),
        /**
         * When true, an image that cannot be had (not preloaded, registry unreachable) runs the job's
         * command in the host-root sandbox instead, with a warning in the lease's log. Off by default: a
         * buyer who names an image gets that image or a refusal saying why, never other programs
         * (docs/images.md). `ocx devnet` turns it on for offline development machines.
         */
        fallbackToHostRoot: z.boolean().default(false),
      })
      .strict()
      .default({ layouts: [], pull: true, insecureRegistries: [], maxImageMiB: 32_768, fallbackToHostRoot: false }),
    /** Must be true to use the unsandboxed `process` executor. */
    allowUnsandboxed: z.boolean().default(false),
    gpus: z
      .object({
        /** GPU indexes or UUIDs never to offer. */
        exclude: z.array(z.union([z.string(), z.number().int()])).default([]),
        /** A card above this utilization (percent) is busy and not offered. */
        busyUtilizationPct: z.number().min(0).max(100).default(10),
      })
      .strict()
      .default({ exclude: [], busyUtilizationPct: 10 }),
    offers: z.array(offerSchema).default([]),
    bidding: z
      .object({ enabled: z.boolean().default(false), pricing: pricingSchema.optional() })
      .strict()
      .default({ enabled: false }),
    /** Seconds between withdrawals of earnings. */
    withdrawIntervalSeconds: z.number().int().min(10).default(3600),
    /** What ended leases leave on disk (job folder, logs, results) is removed after this. */
    retention: z
      .object({
        /** Hours an ended lease's files are kept for the buyer to download (fractions allowed). */
        keepEndedLeasesHours: z.number().min(0).default(72),
        /** Minutes between sweeps. */
        sweepIntervalMinutes: z.number().positive().default(10),
        /** The most a service lease keeps of what its services `retain` past its end (MiB); the rest is listed as omitted. */
        retainedMaxMiB: z.number().int().min(0).default(256),
      })
      .strict()
      .default({ keepEndedLeasesHours: 72, sweepIntervalMinutes: 10, retainedMaxMiB: 256 }),
    disk: z
      .object({
        /** New jobs are refused while the disk holding stateDir has less than this free (MiB): jobs must not fill the database's disk. */
        reserveMiB: z.number().int().min(0).default(2048),
      })
      .strict()
      .default({ reserveMiB: 2048 }),
    /** Provider-signed quotes (`POST /quotes`): a buyer takes the quote in one transaction, already acknowledged. */
    quotes: z
      .object({
        enabled: z.boolean().default(true),
        /** Seconds a signed quote stays valid. */
        expirySeconds: z.number().int().min(10).max(3600).default(120),
      })
      .strict()
      .default({ enabled: true, expirySeconds: 120 }),
    /**
     * The public ingress of service leases (docs/deploy.md): an HTTP/WebSocket listener routing to public
     * ports by host name or by /l/<lease>/<port>/, and forwarded TCP ports.
     */
    ingress: z
      .object({
        enabled: z.boolean().default(true),
        /** host:port to listen on; default: the API's host with the API's port + 1 (port 0 stays 0, any free port). */
        listen: z
          .string()
          .regex(/^.*:\d{1,5}$/, "host:port, e.g. 0.0.0.0:8444")
          .optional(),
        /** The base URL buyers reach the listener at (behind NAT or a proxy); default: http://<listen host>:<port>. */
        publicUrl: z.string().url().optional(),
        /** With a wildcard DNS record *.<domain> pointing here, service URLs are http://l<lease>-<port>.<domain>/. */
        domain: z
          .string()
          .regex(
            /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i,
            "a DNS name such as ingress.example.com",
          )
          .optional(),
        /** Host ports for plain TCP public ports, stable per lease. */
        tcpPorts: z
          .string()
          .regex(/^\d{1,5}-\d{1,5}$/, 'a range of ports such as "30000-30999"')
          .refine((v) => {
            const [lo, hi] = v.split("-").map(Number) as [number, number];
            return lo >= 1 && hi <= 65535 && lo <= hi;
          }, "low ≤ high, within 1–65535")
          .default("30000-30999"),
        /** Open requests, WebSockets and TCP connections one lease may hold at once; beyond: 503 / refused. */
        maxConnectionsPerLease: z.number().int().min(1).max(100_000).default(256),
        /** Limits for public HTTP ports whose manifest sets none (Akash's http_options defaults). */
        http: z
          .object({
            maxBodyBytes: z
              .number()
              .int()
              .min(0)
              .default(1024 * 1024),
            readTimeoutMs: z.number().int().min(1).default(60_000),
            sendTimeoutMs: z.number().int().min(1).default(60_000),
            nextTries: z.number().int().min(1).max(10).default(3),
          })
          .strict()
          .default({ maxBodyBytes: 1024 * 1024, readTimeoutMs: 60_000, sendTimeoutMs: 60_000, nextTries: 3 }),
      })
      .strict()
      .default({
        enabled: true,
        tcpPorts: "30000-30999",
        maxConnectionsPerLease: 256,
        http: { maxBodyBytes: 1024 * 1024, readTimeoutMs: 60_000, sendTimeoutMs: 60_000, nextTries: 3 },
      }),
    /** Proof-of-compute challenges from validators (ProofOfCompute): answered automatically. */
    challenges: z
      .object({
        /** Answer challenges (off only for a node that accepts being faulted for missed deadlines). */
        enabled: z.boolean().default(true),
        /**
         * auto: ts for the "cpu" model, python-torch for GPU models; ts: the TypeScript prover (CPU, small n);
         * python-torch: python prove.py on the GPU; python-numpy: the same on the CPU.
         */
        prover: z.enum(["auto", "ts", "python-torch", "python-numpy"]).default("auto"),
        /** The Python interpreter for the python provers. */
        python: z.string().default("python3"),
        /** TEST ONLY: answer dishonestly (skipping half the rows, or faking them) so validators' tests can catch it; needs OCX_ALLOW_CHEATING=1. */
        cheat: z.enum(["skipping", "faking"]).optional(),
      })
      .strict()
      .default({ enabled: true, prover: "auto", python: "python3" }),
  })
  .strict();

export type ProviderConfig = z.infer<typeof configSchema>;
export type OfferConfig = z.infer<typeof offerSchema>;
export type PricingConfig = z.infer<typeof pricingSchema>;

/**
 * Parses and validates a provider config. Relative paths are resolved against `baseDir`.
 * @example
 * const config = parseConfig(await readFile("provider.yaml", "utf8"), { source: "provider.yaml" });
 */
export function parseConfig(
  text: string,
  options: { source?: string; baseDir?: string; overrides?: readonly ConfigOverride[] } = {},
): ProviderConfig {
  const source = options.source ?? "config";
  const config = parseDaemonConfig(configSchema, text, options);
  if (config.executor === "process" && !config.allowUnsandboxed) {
    throw new ConfigError(
      `${source}: executor "process" runs buyers' code without a sandbox; set allowUnsandboxed: true to accept that`,
    );
  }
  if (config.challenges.cheat && process.env.OCX_ALLOW_CHEATING !== "1") {
    throw new ConfigError(
      `${source}: challenges.cheat "${config.challenges.cheat}" makes the node a cheating prover, for tests only; remove it, or set OCX_ALLOW_CHEATING=1 in a test`,
    );
  }
  const base = options.baseDir ?? process.cwd();
  config.stateDir = path.resolve(base, config.stateDir);
  if (config.jobsDir) config.jobsDir = path.resolve(base, config.jobsDir);
  if (config.images.dir) config.images.dir = path.resolve(base, config.images.dir);
  config.images.layouts = config.images.layouts.map((layout) => path.resolve(base, layout));
  config.chain.deployment = path.resolve(base, config.chain.deployment);
  if (config.wallet.keystore) config.wallet.keystore = path.resolve(base, config.wallet.keystore);
  return config;
}

/** Reads and parses a config file, with `overrides` (flags) laid over it. */
export async function loadConfig(
  file: string,
  options: { overrides?: readonly ConfigOverride[] } = {},
): Promise<ProviderConfig> {
  return loadDaemonConfig(file, parseConfig, { ...options, initCommand: "ocx provider init" });
}

/**
 * A commented provider.yaml for this machine, built from its detected hardware: one offer of one
 * GPU of the most common model (as many leases as GPUs), or a CPU offer on a machine without GPUs.
 * It parses with `parseConfig` as written (a test holds it to that).
 * @example
 * const text = configTemplate(await describeHardware(defaults), { rpcUrl: "http://127.0.0.1:8545" });
 */
export function configTemplate(
  hardware: {
    gpus: { modelId: string; name: string }[];
    cpu: { cores: number; memoryMiB: number; diskFreeMiB: number };
    noGpuReason?: string;
  },
  options: { rpcUrl?: string; deployment?: string; stateDir?: string } = {},
): string {
  const gpuCount = hardware.gpus.length;
  const perLease = Math.max(gpuCount, 1);
  const cores = Math.max(1, Math.floor(hardware.cpu.cores / perLease / 2));
  const memoryMiB = Math.max(1024, Math.floor(hardware.cpu.memoryMiB / perLease / 2 / 1024) * 1024);
  const diskMiB = Math.max(1024, Math.min(51_200, Math.floor(hardware.cpu.diskFreeMiB / perLease / 2 / 1024) * 1024));
  const models = [...new Set(hardware.gpus.map((g) => g.name))].join(", ");
  const offer =
    gpuCount > 0
      ? `  # Found ${gpuCount} GPU(s): ${models}.
  - gpus: 1                        # GPUs per lease
    # gpuModel: ${hardware.gpus[0]?.modelId}   # default: the machine's most common model
    pricePerGpuHour: "2.00"        # dollars per GPU-hour (credits)
    maxLeases: ${gpuCount}                   # leases at once (default: as many as the free GPUs allow)
    cpu: ${cores}                         # cores per lease
    memoryMiB: ${memoryMiB}
    diskMiB: ${diskMiB}`
      : `  # No GPU found (${hardware.noGpuReason ?? "nvidia-smi listed none"}): this machine sells CPU compute.
  - gpus: 0                        # 0 = a CPU offer
    pricePerGpuHour: "0.05"        # dollars per hour for a CPU bundle
    maxLeases: 2
    cpu: ${cores}                         # cores per lease
    memoryMiB: ${memoryMiB}
    diskMiB: ${diskMiB}`;
  return `# OCX provider node configuration (written by \`ocx-provider init\`).
# Every field is documented in docs/provider.md. Start the node with:
#   OCX_PROVIDER_KEY=0x… ocx provider start --config provider.yaml

chain:
  rpcUrl: ${options.rpcUrl ?? "http://127.0.0.1:8545"}
  deployment: ${options.deployment ?? "deployments/31337.json"}   # deployments/<chainId>.json
  pollIntervalMs: 500

# The provider's key: an environment variable (default), or an encrypted keystore opened with
# OCX_PASSWORD (e.g. one made by \`ocx wallet new --name provider\`).
wallet:
  privateKeyEnv: OCX_PROVIDER_KEY
  # keystore: ~/.ocx/wallets/provider.json

api:
  listen: 127.0.0.1:8443
  # publicUrl: https://gpu.example.com   # the URL buyers reach; registered on-chain
  maxUploadMiB: 512

region: local                   # short region code buyers filter on, e.g. eu-west
stake: "0"                      # OCX to keep staked; the node tops up to this on start
stateDir: ${options.stateDir ?? ".ocx/provider"}
executor: bwrap                 # bwrap (sandbox, default) | docker | process (no sandbox: needs allowUnsandboxed)

gpus:
  exclude: []                   # GPU indexes or UUIDs never to offer
  busyUtilizationPct: 10

offers:
${offer}

bidding:
  enabled: false                # bid on buyers' requests too
  # pricing: { type: fixed, pricePerGpuHour: "2.2", utilizationMarkup: 0.5 }

withdrawIntervalSeconds: 3600

retention:
  keepEndedLeasesHours: 72      # ended leases' job folders, logs and results are removed after this
  sweepIntervalMinutes: 10
  retainedMaxMiB: 256           # the most a service lease keeps of what its services retain (services.<name>.retain)

disk:
  reserveMiB: 2048              # refuse new jobs while the state folder's disk has less free than this

quotes:
  enabled: true                 # sign quotes buyers take in one transaction, already acknowledged
  expirySeconds: 120

# Public URLs of service leases (docs/deploy.md): http://<host>:<port>/l/<lease>/<port>/ always,
# http://l<lease>-<port>.<domain>/ with a wildcard DNS record, and TCP ports from tcpPorts.
ingress:
  enabled: true
  # listen: 0.0.0.0:8444          # default: the API's host, with the API's port + 1
  # publicUrl: http://gpu.example.com:8444
  # domain: ingress.example.com   # needs DNS *.ingress.example.com pointing at this machine
  tcpPorts: 30000-30999
  maxConnectionsPerLease: 256
`;
}
