// What every component of the provider node is given: @ocx/node-kit's daemon context over the provider node's
// config, and its components started in order and closed in reverse (see node-kit's daemon.ts).
import { createDaemonCommon, type Common as DaemonCommon, type Logger } from "@ocx/node-kit";
import type { ProviderConfig } from "./config.js";

export { type Component, type Components, createComponents, startAll } from "@ocx/node-kit";

/** The provider node's shared context. */
export type Common = DaemonCommon<ProviderConfig>;

/**
 * Builds the provider node's shared context; its metrics are named `ocx_provider_…`.
 * @example
 * const common = createCommon(config, { log });
 */
export function createCommon(config: ProviderConfig, options: { log?: Logger; signals?: boolean } = {}): Common {
  return createDaemonCommon(config, { ...options, metricsPrefix: "ocx_provider_" });
}
