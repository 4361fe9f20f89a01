// The validator's configuration file (YAML): which chain, which key, how often it challenges, and
// how much it keeps staked. Every field is documented in docs/validator.md.
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

const decimalOcx = z
  .string()
  .regex(/^\d+(\.\d{1,18})?$/, 'a decimal amount of OCX such as "2.5"')
  .transform((v) => parseEther(v));

/** How a validator can be made to accuse an honest provider, for tests of failed accusations only. */
export const FALSE_ACCUSATIONS = ["none", "demand-row", "dispute-products"] as const;
export type FalseAccusation = (typeof FALSE_ACCUSATIONS)[number];

/** The environment variable that must be "1" before `test.falseAccusation` is honoured. */
export const ALLOW_FALSE_ACCUSATION_ENV = "OCX_ALLOW_FALSE_ACCUSATION";

export const configSchema = z
  .object({
    /** The chain, and milliseconds between looks at it (offers, challenges). */
    chain: chainSection({ pollIntervalMs: 1000 }),
    /** The validator's key: a keystore file (decrypted with OCX_PASSWORD) or an environment variable. */
    wallet: walletSection("OCX_VALIDATOR_KEY"),
    api: z
      .object({ listen: z.string().default("127.0.0.1:8550") })
      .strict()
      .default({ listen: "127.0.0.1:8550" }),
    /**
     * OCX to keep staked; the daemon tops up to the larger of this and what its challenges in flight
     * need (the registry's minStake plus one challengeBond per challenge in flight).
     */
    stake: decimalOcx.default(parseEther("0")),
    stateDir: z.string().default(".ocx/validator"),
    challenges: z
      .object({
        enabled: z.boolean().default(true),
        /** Mean seconds between two challenges of one GPU (exponentially distributed, so unpredictable). */
        meanIntervalSeconds: z
          .number()
          .positive()
          .default(6 * 3600),
        /** A GPU is never challenged again sooner than this after its last challenge ended. */
        minIntervalSeconds: z.number().min(0).default(60),
        /** Re-challenge at the latest this many seconds before the current attestation expires. */
        renewBeforeExpirySeconds: z.number().min(0).default(1800),
        /** At most this many challenges in flight at once (each locks one challengeBond). */
        maxInFlight: z.number().int().min(1).max(256).default(8),
        /** Only challenge these providers (addresses); empty: every provider with an active offer. */
        providers: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address")).default([]),
        /** Seconds to keep asking the provider's API for its opening before demanding a row on-chain. */
        openingPatienceSeconds: z.number().min(0).default(20),
      })
      .strict()
      .default({
        enabled: true,
        meanIntervalSeconds: 6 * 3600,
        minIntervalSeconds: 60,
        renewBeforeExpirySeconds: 1800,
        maxInFlight: 8,
        providers: [],
        openingPatienceSeconds: 20,
      }),
    verify: z
      .object({
        /** Above this matrix side the opening is checked by `python prove.py --verify` (numpy/torch) instead of in TypeScript. */
        pythonAboveN: z.number().int().min(0).default(4096),
        /** The Python interpreter for large checks. */
        python: z.string().default("python3"),
      })
      .strict()
      .default({ pythonAboveN: 4096, python: "python3" }),
    /** Spot checks of work (docs/trust.md): re-execute a sample of completed deterministic leases. */
    spotChecks: z
      .object({
        enabled: z.boolean().default(false),
        /** The environment variable holding the key that pays for re-execution leases (an account of its own). */
        payerKeyEnv: z.string().default("OCX_VALIDATOR_PAYER_KEY"),
        /** Milliseconds between passes of the spot-check loop. */
        intervalMs: z.number().int().min(100).default(2000),
        /** Only these providers' leases; empty: all. */
        providers: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address")).default([]),
      })
      .strict()
      .default({ enabled: false, payerKeyEnv: "OCX_VALIDATOR_PAYER_KEY", intervalMs: 2000, providers: [] }),
    /** Test hooks. Refused unless OCX_ALLOW_FALSE_ACCUSATION=1 is set: never on a real validator. */
    test: z
      .object({
        /** Accuse every provider after its response, whatever the opening says. */
        falseAccusation: z.enum(FALSE_ACCUSATIONS).default("none"),
      })
      .strict()
      .default({ falseAccusation: "none" }),
  })
  .strict();

export type ValidatorConfig = z.infer<typeof configSchema>;

/**
 * Parses and validates a validator config. Relative paths are resolved against `baseDir`.
 * @example
 * const config = parseConfig(await readFile("validator.yaml", "utf8"), { source: "validator.yaml" });
 */
export function parseConfig(
  text: string,
  options: { source?: string; baseDir?: string; env?: NodeJS.ProcessEnv; overrides?: readonly ConfigOverride[] } = {},
): ValidatorConfig {
  const source = options.source ?? "config";
  const config = parseDaemonConfig(configSchema, text, options);
  const env = options.env ?? process.env;
  if (config.test.falseAccusation !== "none" && env[ALLOW_FALSE_ACCUSATION_ENV] !== "1") {
    throw new ConfigError(
      `${source}: test.falseAccusation "${config.test.falseAccusation}" makes this validator accuse honest providers and lose its bond; it is for tests only (set ${ALLOW_FALSE_ACCUSATION_ENV}=1 to allow it)`,
    );
  }
  const base = options.baseDir ?? process.cwd();
  config.stateDir = path.resolve(base, config.stateDir);
  config.chain.deployment = path.resolve(base, config.chain.deployment);
  if (config.wallet.keystore) config.wallet.keystore = path.resolve(base, config.wallet.keystore);
  return config;
}

/** Reads and parses a config file, with `overrides` (flags) laid over it. */
export async function loadConfig(
  file: string,
  options: { overrides?: readonly ConfigOverride[] } = {},
): Promise<ValidatorConfig> {
  return loadDaemonConfig(file, parseConfig, { ...options, initCommand: `ocx-validator init --out ${file}` });
}

/**
 * A commented validator.yaml. It parses with `parseConfig` as written (a test holds it to that).
 * @example
 * await writeFile("validator.yaml", configTemplate({ rpcUrl: "http://127.0.0.1:8545" }));
 */
export function configTemplate(options: { rpcUrl?: string; deployment?: string; stateDir?: string } = {}): string {
  return `# OCX validator configuration (written by \`ocx-validator init\`).
# Every field is documented in docs/validator.md. Start the daemon with:
#   OCX_VALIDATOR_KEY=0x… ocx-validator start --config validator.yaml
# The key's address must be admitted by the ValidatorRegistry's VALIDATOR_ADMIN_ROLE first.

chain:
  rpcUrl: ${options.rpcUrl ?? "http://127.0.0.1:8545"}
  deployment: ${options.deployment ?? "deployments/31337.json"}   # deployments/<chainId>.json
  pollIntervalMs: 1000

# The validator's key: an environment variable (default), or an encrypted keystore opened with
# OCX_PASSWORD (e.g. one made by \`ocx wallet new --name validator\`).
wallet:
  privateKeyEnv: OCX_VALIDATOR_KEY
  # keystore: ~/.ocx/wallets/validator.json

api:
  listen: 127.0.0.1:8550          # /health /ready /status /metrics

stake: "0"                        # OCX to keep staked (topped up to at least minStake + bonds in flight)
stateDir: ${options.stateDir ?? ".ocx/validator"}

challenges:
  enabled: true
  meanIntervalSeconds: 21600      # mean time between challenges of one GPU (exponential: unpredictable)
  minIntervalSeconds: 60
  renewBeforeExpirySeconds: 1800  # re-challenge before the attestation expires
  maxInFlight: 8                  # each challenge in flight locks one challengeBond
  providers: []                   # only these providers; empty: all with an active offer
  openingPatienceSeconds: 20      # then demand a row on-chain

verify:
  pythonAboveN: 4096              # larger challenges are checked by python prove.py --verify
  python: python3

spotChecks:
  enabled: false                  # re-execute a sample of deterministic jobs (docs/trust.md)
  payerKeyEnv: OCX_VALIDATOR_PAYER_KEY   # pays the re-execution leases: an account of its own
  intervalMs: 2000
  providers: []
`;
}
