// What every component of the validator daemon is given: @ocx/node-kit's daemon context over the validator daemon's
// config, and its components started in order and closed in reverse (see node-kit's daemon.ts).
import { createDaemonCommon, type Common as DaemonCommon, type Logger } from "@ocx/node-kit";
import type { ValidatorConfig } from "./config.js";

export { type Component, type Components, createComponents, startAll } from "@ocx/node-kit";

/** The validator daemon's shared context. */
export type Common = DaemonCommon<ValidatorConfig>;

/**
 * Builds the validator daemon's shared context; its metrics are named `ocx_validator_…`.
 * @example
 * const common = createCommon(config, { log });
 */
export function createCommon(config: ValidatorConfig, options: { log?: Logger; signals?: boolean } = {}): Common {
  return createDaemonCommon(config, { ...options, metricsPrefix: "ocx_validator_" });
}
