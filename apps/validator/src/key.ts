// The validator's signing key: from an encrypted keystore (password in OCX_PASSWORD), or from the
// environment variable the config names (node-kit's readDaemonKey). Never from the config file itself.
import { readDaemonKey } from "@ocx/node-kit";
import type { ValidatorConfig } from "./config.js";

/** Returns the validator's private key as 0x-hex, or throws saying where it was looked for. */
export const validatorKey = (config: Pick<ValidatorConfig, "wallet">): Promise<`0x${string}`> =>
  readDaemonKey(config.wallet, "validator");
