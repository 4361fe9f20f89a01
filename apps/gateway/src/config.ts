// The gateway's configuration file (YAML, overridable by OCX_GATEWAY_* environment variables): where it
// listens, which chain and key, which endpoints it may route to, how it routes and retries, and what it
// charges. Every field is documented in docs/gateway.md.
import path from "node:path";
import {
  ConfigError,
  type ConfigOverride,
  envOverrides,
  loadDaemonConfig,
  parseDaemonConfig,
  walletSection,
} from "@ocx/node-kit";
import { z } from "zod";

export { ConfigError };

const units = z
  .union([z.string().regex(/^\d+$/, "a whole number of the payment token's smallest units"), z.number().int().min(0)])
  .transform((v) => BigInt(v));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address");

/** An endpoint's price terms, in the payment token's smallest units. */
export const pricingSchema = z
  .object({
    perRequest: units.default(0n),
    per1kInputTokens: units.default(0n),
    per1kOutputTokens: units.default(0n),
  })
  .strict();

/** An endpoint named in the config (routed to alongside the InferenceRegistry's). */
export const staticEndpointSchema = z
  .object({
    /** Base URL; the gateway calls `${url}/v1/chat/completions`. */
    url: z.string().url(),
    model: z.string().min(1),
    pricing: pricingSchema.default({ perRequest: 0n, per1kInputTokens: 0n, per1kOutputTokens: 0n }),
    /** Requests it takes at once; the gateway never sends more. */
    capacity: z.number().int().min(1).default(4),
    /** Who is paid there (the registrant); reputation is read for it when the chain is configured. */
    payee: address.optional(),
    /** Whether its hardware is verified (the registry's endpoints: read from the chain). */
    verified: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    api: z
      .object({
        listen: z.string().default("127.0.0.1:8560"),
        /** Largest request body accepted, bytes (checked before it is read). */
        maxBodyBytes: z.number().int().min(1024).default(1_048_576),
      })
      .strict()
      .default({ listen: "127.0.0.1:8560", maxBodyBytes: 1_048_576 }),
    /** The chain: needed for the InferenceRegistry, reputation and payments; absent, only `endpoints` are used, unpaid. */
    chain: z
      .object({
        rpcUrl: z.string().url(),
        /** Path of deployments/<chainId>.json. */
        deployment: z.string(),
      })
      .strict()
      .optional(),
    /** The gateway's key: payee of buyers' channels and payer of its own channels to endpoints. */
    wallet: walletSection("OCX_GATEWAY_KEY"),
    stateDir: z.string().default(".ocx/gateway"),
    discovery: z
      .object({
        /** Read endpoints from the InferenceRegistry (needs `chain`). */
        registry: z.boolean().default(true),
        /** Milliseconds between reads of the registry, reputation and verified status. */
        refreshIntervalMs: z.number().int().min(100).default(15_000),
        /** Milliseconds between health probes (GET /health) of each endpoint. */
        probeIntervalMs: z.number().int().min(100).default(5_000),
        /** A probe that takes longer fails. */
        probeTimeoutMs: z.number().int().min(10).default(1_000),
        endpoints: z.array(staticEndpointSchema).default([]),
      })
      .strict()
      .default({
        registry: true,
        refreshIntervalMs: 15_000,
        probeIntervalMs: 5_000,
        probeTimeoutMs: 1_000,
        endpoints: [],
      }),
    routing: z
      .object({
        /** L in the score: an endpoint this many ms slower than instant costs as much as doubling its price. */
        latencyScaleMs: z.number().positive().default(200),
        /** Multiplies an unverified endpoint's score (>= 1: it must be this much cheaper/faster to win). */
        unverifiedPenalty: z.number().min(1).default(2),
        /** Weight of the newest latency sample in the moving average. */
        ewmaAlpha: z.number().gt(0).max(1).default(0.3),
        /** Endpoints tried per request, at most. */
        maxTries: z.number().int().min(1).max(20).default(3),
        /** Milliseconds from a request's arrival by which some endpoint must have started answering. */
        deadlineMs: z.number().int().min(10).default(2_000),
        /** Milliseconds one try may take to its first byte before the next endpoint is tried. */
        tryTimeoutMs: z.number().int().min(10).default(1_000),
        /** Milliseconds of silence within a streaming answer after which it counts as failed. */
        idleTimeoutMs: z.number().int().min(100).default(30_000),
        /** Tokens assumed for the answer when a request sets no max_tokens (bounds the price quoted up front). */
        defaultMaxTokens: z.number().int().min(1).default(256),
      })
      .strict()
      .default({
        latencyScaleMs: 200,
        unverifiedPenalty: 2,
        ewmaAlpha: 0.3,
        maxTries: 3,
        deadlineMs: 2_000,
        tryTimeoutMs: 1_000,
        idleTimeoutMs: 30_000,
        defaultMaxTokens: 256,
      }),
    payments: z
      .object({
        /** Charge buyers by x402 vouchers and pay endpoints the same way (needs `chain`). */
        enabled: z.boolean().default(true),
        /** The gateway's fee on top of what the endpoint charged, basis points, rounded up. */
        feeBps: z.number().int().min(0).max(10_000).default(0),
        /** The most the gateway signs to endpoints in all, smallest units. */
        capTotal: units.default(10n ** 24n),
        /** The most it signs for one request. */
        capPerRequest: units.optional(),
        /** Deposit this much into a channel to an endpoint that has none (0: never deposit). */
        autoDeposit: units.default(0n),
        /** Milliseconds between redemptions of buyers' vouchers. */
        redeemIntervalMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .default({ enabled: true, feeBps: 0, capTotal: 10n ** 24n, autoDeposit: 0n, redeemIntervalMs: 60_000 }),
  })
  .strict();

export type GatewayConfig = z.infer<typeof configSchema>;
export type StaticEndpoint = z.infer<typeof staticEndpointSchema>;
export type Pricing = z.infer<typeof pricingSchema>;

/** Environment variables that override the file (for containers), and the fields they set. */
export const ENV_OVERRIDES = {
  OCX_GATEWAY_LISTEN: "api.listen",
  OCX_GATEWAY_RPC_URL: "chain.rpcUrl",
  OCX_GATEWAY_DEPLOYMENT: "chain.deployment",
  OCX_GATEWAY_FEE_BPS: "payments.feeBps",
} as const;

/**
 * Parses and validates a gateway config; the environment's {@link ENV_OVERRIDES} and then `overrides` (flags) are
 * laid over the file. Relative paths resolve against `baseDir`.
 * @example
 * const config = parseConfig("discovery:\n  registry: false\n  endpoints: [{ url: http://127.0.0.1:9000, model: tiny }]\npayments:\n  enabled: false\n");
 */
export function parseConfig(
  text: string,
  options: { source?: string; baseDir?: string; env?: NodeJS.ProcessEnv; overrides?: readonly ConfigOverride[] } = {},
): GatewayConfig {
  const source = options.source ?? "config";
  const config = parseDaemonConfig(configSchema, text, {
    source,
    overrides: [...envOverrides(options.env ?? process.env, ENV_OVERRIDES), ...(options.overrides ?? [])],
  });
  if (!config.chain && config.discovery.registry) {
    throw new ConfigError(
      `${source}: discovery.registry reads the InferenceRegistry and needs chain.rpcUrl and chain.deployment; add them or set discovery.registry: false`,
    );
  }
  if (!config.chain && config.payments.enabled) {
    throw new ConfigError(
      `${source}: payments need the chain (chain.rpcUrl, chain.deployment) for the payment channels; add them or set payments.enabled: false`,
    );
  }
  if (config.routing.tryTimeoutMs > config.routing.deadlineMs) {
    throw new ConfigError(
      `${source}: routing.tryTimeoutMs (${config.routing.tryTimeoutMs}) exceeds routing.deadlineMs (${config.routing.deadlineMs}); one try must fit in the deadline`,
    );
  }
  const base = options.baseDir ?? process.cwd();
  config.stateDir = path.resolve(base, config.stateDir);
  if (config.chain) config.chain.deployment = path.resolve(base, config.chain.deployment);
  if (config.wallet.keystore) config.wallet.keystore = path.resolve(base, config.wallet.keystore);
  return config;
}

/** Reads and parses a config file, with the environment's and `overrides` (flags) laid over it. */
export async function loadConfig(
  file: string,
  options: { overrides?: readonly ConfigOverride[] } = {},
): Promise<GatewayConfig> {
  return loadDaemonConfig(file, parseConfig, { ...options, initCommand: `ocx-gateway init --out ${file}` });
}

/**
 * A commented gateway.yaml that parses with `parseConfig` as written (a test holds it to that).
 * @example
 * await writeFile("gateway.yaml", configTemplate({ rpcUrl: "http://127.0.0.1:8545" }));
 */
export function configTemplate(options: { rpcUrl?: string; deployment?: string; stateDir?: string } = {}): string {
  return `# OCX inference gateway configuration (written by \`ocx-gateway init\`); every field is in docs/gateway.md.
# Start it with:  OCX_GATEWAY_KEY=0x… ocx-gateway start --config gateway.yaml

api:
  listen: 127.0.0.1:8560          # /v1/chat/completions /v1/models /health /ready /status /metrics
  maxBodyBytes: 1048576

chain:                            # the InferenceRegistry, reputation and payment channels
  rpcUrl: ${options.rpcUrl ?? "http://127.0.0.1:8545"}
  deployment: ${options.deployment ?? "deployments/31337.json"}

wallet:
  privateKeyEnv: OCX_GATEWAY_KEY  # or keystore: ~/.ocx/wallets/gateway.json (password in OCX_PASSWORD)

stateDir: ${options.stateDir ?? ".ocx/gateway"}

discovery:
  registry: true                  # route to the InferenceRegistry's endpoints
  refreshIntervalMs: 15000        # re-read the registry, reputation and verified status
  probeIntervalMs: 5000           # GET /health on each endpoint
  probeTimeoutMs: 1000
  endpoints: []                   # extra endpoints: [{ url, model, pricing: { perRequest, per1kInputTokens, per1kOutputTokens }, capacity, payee }]

routing:                          # score = cost × (1 + latency/L) / (0.5 + reputation) × (verified ? 1 : penalty), lowest wins
  latencyScaleMs: 200             # L
  unverifiedPenalty: 2
  ewmaAlpha: 0.3                  # latency moving average
  maxTries: 3                     # endpoints tried per request
  deadlineMs: 2000                # some endpoint must start answering within this
  tryTimeoutMs: 1000              # one try's time to first byte
  idleTimeoutMs: 30000            # silence mid-stream that counts as failure
  defaultMaxTokens: 256           # bounds the price quoted when a request sets no max_tokens

payments:
  enabled: true                   # buyers pay by vouchers (x402); the gateway pays endpoints the same way
  feeBps: 0                       # on top of what the endpoint charged, rounded up
  capTotal: "1000000000000000000000000"   # the most the gateway ever signs to endpoints
  autoDeposit: "0"                # deposit this into a new channel to an endpoint (0: never)
  redeemIntervalMs: 60000         # redeem buyers' vouchers this often
`;
}
