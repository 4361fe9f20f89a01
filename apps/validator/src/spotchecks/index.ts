// Spot checks of work, as a component of the validator daemon: re-executes a sample of completed deterministic
// leases and lets the SpotChecks contract decide by majority (docs/trust.md).
import type { Logger } from "@ocx/node-kit";
import type { Account, Chain, LocalAccount, Transport, WalletClient } from "viem";
import type { ChainAccess } from "../chain/client.js";
import { createHttpBundleSource } from "./bundle.js";
import { createSpotCheckEngine, type SpotCheckStatus } from "./engine.js";
import type { BundleSource, ReExecutor } from "./ports.js";
import { createRunJobReExecutor } from "./reexecute.js";

export { createHttpBundleSource, type HttpBundleSourceOptions } from "./bundle.js";
export { createSpotCheckEngine, QUOTE_WRONG, type SpotCheckEngineOptions, type SpotCheckStatus } from "./engine.js";
export type { BundleSource, CompletedLease, JobBundle, ReExecution, ReExecutor } from "./ports.js";
export { createRunJobReExecutor, type RunJobReExecutorOptions } from "./reexecute.js";

/** Options of the spot-check component. */
export interface SpotCheckComponentOptions {
  chain: Pick<ChainAccess, "deployment" | "reader" | "writer" | "address">;
  bundles: BundleSource;
  reExecutor: ReExecutor;
  log: Logger;
  /** How often the loop runs, in ms. */
  intervalMs: number;
  /** Check only these providers' leases (all when omitted). */
  providers?: readonly `0x${string}`[];
}

/**
 * Starts the spot-check loop on a timer; `close()` stops it and waits for the pass in flight.
 * @example
 * const spotChecks = createSpotCheckComponent({
 *   chain,
 *   bundles: createHttpBundleSource({ account, chainId, marketplace: chain.deployment.marketplace }),
 *   reExecutor: createRunJobReExecutor({ publicClient, walletClient: payer, account: payerAccount, deployment }),
 *   log,
 *   intervalMs: 2_000,
 * });
 * // later
 * await spotChecks.close();
 */
export function createSpotCheckComponent(options: SpotCheckComponentOptions): {
  status(): SpotCheckStatus;
  close(): Promise<void>;
  /** Runs one pass now (tests, and a manual nudge). */
  tick(): Promise<void>;
} {
  const engine = createSpotCheckEngine(options);
  let closed = false;
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (closed) return;
    inFlight = engine.tick().catch((error: Error) => {
      options.log.warn("spot-check pass failed", { error: error.message });
    });
  }, options.intervalMs);
  timer.unref?.();
  return {
    status: () => engine.status(),
    tick: () => engine.tick(),
    async close() {
      closed = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}

/**
 * The component with its defaults, for the daemon's wiring: jobs fetched from providers' /spotchecks route (requests
 * signed by the validator's key) and re-executed through runJob on another provider, paid by `payer` (an account of
 * its own, so its transactions never race the daemon's sender for a nonce).
 * @example
 * const spotChecks = await components.start("spotchecks", () =>
 *   createDefaultSpotCheckComponent({ chain, validatorAccount: account, payer, log: common.log, intervalMs: 2_000 }),
 * );
 */
export function createDefaultSpotCheckComponent(options: {
  chain: ChainAccess;
  /** The validator's own key (signs the requests to providers). */
  validatorAccount: LocalAccount;
  /** Pays for re-execution leases: a wallet client with a local account of its own. */
  payer: WalletClient<Transport, Chain, Account> & { account: LocalAccount };
  log: Logger;
  intervalMs: number;
  providers?: readonly `0x${string}`[];
}) {
  const { chain } = options;
  return createSpotCheckComponent({
    chain,
    bundles: createHttpBundleSource({
      account: options.validatorAccount,
      chainId: chain.deployment.chainId,
      marketplace: chain.deployment.marketplace,
    }),
    reExecutor: createRunJobReExecutor({
      publicClient: chain.reader,
      walletClient: options.payer,
      account: options.payer.account,
      deployment: chain.deployment,
    }),
    log: options.log.child({ component: "spotchecks" }),
    intervalMs: options.intervalMs,
    ...(options.providers ? { providers: options.providers } : {}),
  });
}
