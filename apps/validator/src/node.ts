// The validator daemon: the wiring of its components, started in order and torn down in reverse —
// store → chain (clients, transaction sender) → identity (admission, stake) → challenges → HTTP API.
import path from "node:path";
import { type Logger, listenApi, openChainAccess } from "@ocx/node-kit";
import { type Account, type Chain, createWalletClient, http, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createApi } from "./api.js";
import type { ChainAccess } from "./chain/client.js";
import { ensureStake, readStanding } from "./chain/identity.js";
import { createChallengePort } from "./chain/proofs.js";
import { type ChallengeEngine, createChallengeEngine } from "./challenges/engine.js";
import type { ChallengePort } from "./challenges/port.js";
import { type Common, type Component, createCommon, createComponents, startAll } from "./common.js";
import type { ValidatorConfig } from "./config.js";
import { createDefaultSpotCheckComponent } from "./spotchecks/index.js";
import { ValidatorStore } from "./store.js";

export const VERSION = "0.1.0";

/** A running validator daemon. */
export interface ValidatorNode {
  /** The API's base URL (/health, /ready, /status, /metrics). */
  url: string;
  address: `0x${string}`;
  /** Stops the daemon: API, challenge loop, chain; challenges in flight resume on the next start. */
  close(): Promise<void>;
  /** Resolves when the daemon has stopped (after `close` or a signal). */
  done: Promise<void>;
}

/**
 * Starts a validator daemon for `config` with the given account. A failure while starting stops
 * whatever had started (in reverse) and closes the database before it rethrows.
 * @example
 * const node = await startValidator(config, { account: privateKeyToAccount(key) });
 * console.log(`${node.url}/health`);
 */
export async function startValidator(
  config: ValidatorConfig,
  options: {
    account: Account;
    log?: Logger;
    signals?: boolean;
    /** Replaces the chain-and-API port of the challenge engine (tests). */
    port?: ChallengePort;
  },
): Promise<ValidatorNode> {
  const common = createCommon(config, options);
  const components = createComponents(common);
  return startAll(common, async () => {
    const store = await components.start("store", () => storeComponent(common));
    const chain = await components.start("chain", () =>
      openChainAccess(config.chain, { account: options.account, store: store.store.db, log: common.log }),
    );
    await components.start("identity", () => identityComponent(common, chain));
    const challenges = await components.start("challenges", () =>
      challengesComponent(common, {
        store: store.store,
        port: options.port ?? createChallengePort(chain),
      }),
    );
    if (config.spotChecks.enabled) {
      await components.start("spotchecks", () => spotChecksComponent(common, chain, options.account));
    }
    const api = await components.start("api", () =>
      apiComponent(common, {
        status: async () => ({ version: VERSION, validator: chain.address, components: await components.status() }),
        notReady: async () => {
          const standing = await readStanding(chain).catch((error: Error) => error);
          if (standing instanceof Error) return [`cannot read the validator's standing: ${standing.message}`];
          return standing.active
            ? []
            : [
                standing.admitted
                  ? `free stake ${standing.stake - standing.locked} is below the registry's minStake ${standing.minStake}`
                  : "not admitted in the ValidatorRegistry",
              ];
        },
      }),
    );
    challenges.start();
    common.log.info("validator is up", { api: api.url, validator: chain.address });
    return {
      url: api.url,
      address: chain.address,
      close: () => common.shutdown.run("close"),
      done: common.shutdown.done,
    };
  });
}

// ------------------------------------------------------------------ components

/** The SQLite state. */
function storeComponent(common: Common) {
  const file = path.join(common.config.stateDir, "validator.db");
  const store = new ValidatorStore(file);
  return { store, status: () => ({ file }), close: () => store.close() };
}

/** Admission and stake, checked and topped up on start. */
async function identityComponent(common: Common, chain: ChainAccess): Promise<Component> {
  const standing = await ensureStake(chain, {
    stake: common.config.stake,
    maxInFlight: common.config.challenges.maxInFlight,
    log: common.log,
  });
  return {
    status: async () => {
      const now = await readStanding(chain).catch(() => standing);
      return { admitted: now.admitted, active: now.active, stake: now.stake.toString(), locked: now.locked.toString() };
    },
    close: () => {},
  };
}

/** The challenge loop on its timer (the poll interval); the engine never runs two passes at once. */
function challengesComponent(common: Common, deps: { store: ValidatorStore; port: ChallengePort }) {
  const { config } = common;
  const engine: ChallengeEngine = createChallengeEngine({
    store: deps.store,
    port: deps.port,
    settings: {
      ...config.challenges,
      pythonAboveN: config.verify.pythonAboveN,
      python: config.verify.python,
      falseAccusation: config.test.falseAccusation,
    },
    log: common.log.child({ component: "challenges" }),
    metrics: common.metrics,
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    engine,
    start() {
      const run = () => {
        running = engine.tick();
      };
      run();
      timer = setInterval(run, config.chain.pollIntervalMs);
    },
    status: () => engine.status(),
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * T5's spot-check loop (apps/validator/src/spotchecks): re-executions are paid by a key of their own
 * (`spotChecks.payerKeyEnv`), so its transactions never race the daemon's sender for a nonce.
 */
function spotChecksComponent(common: Common, chain: ChainAccess & { chain: Chain }, account: Account) {
  const { config } = common;
  const key = process.env[config.spotChecks.payerKeyEnv];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error(
      `spotChecks.enabled needs a key that pays for re-executions: set ${config.spotChecks.payerKeyEnv} to a private key (0x + 64 hex) of an account other than the validator's, or disable spotChecks`,
    );
  }
  if (account.type !== "local")
    throw new Error("spot checks sign requests to providers: the validator's key must be local");
  const payerAccount = privateKeyToAccount(key as `0x${string}`);
  const payer = createWalletClient({ chain: chain.chain, transport: http(config.chain.rpcUrl), account: payerAccount });
  return createDefaultSpotCheckComponent({
    chain,
    validatorAccount: account as LocalAccount,
    payer: payer as typeof payer & { account: LocalAccount },
    log: common.log,
    intervalMs: config.spotChecks.intervalMs,
    ...(config.spotChecks.providers.length > 0
      ? { providers: config.spotChecks.providers.map((p) => p.toLowerCase() as `0x${string}`) }
      : {}),
  });
}

/** The HTTP API. */
async function apiComponent(
  common: Common,
  options: { status: () => Promise<Record<string, unknown>>; notReady: () => Promise<string[]> },
) {
  const app = createApi({ metrics: common.metrics, ...options });
  const server = await listenApi(app, { listen: common.config.api.listen });
  return { url: server.url, status: () => ({ url: server.url }), close: () => server.close() };
}
