// Spot checks of work, as a component of the validator daemon: re-executes a sample of completed deterministic
// leases and lets the SpotChecks contract decide by majority (docs/trust.md).
import type { Logger } from "@ocx/node-kit";
import type { ChainAccess } from "../chain/client.js";
import { createSpotCheckEngine, type SpotCheckStatus } from "./engine.js";
import type { BundleSource, ReExecutor } from "./ports.js";

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
