// The validator's signing key: from an encrypted keystore (password in OCX_PASSWORD), or from the
// environment variable the config names. Never from the config file itself.
import { readFile } from "node:fs/promises";
import { decryptKeystore } from "@ocx/sdk";
import type { ValidatorConfig } from "./config.js";

/** Returns the validator's private key as 0x-hex, or throws saying where it was looked for. */
export async function validatorKey(config: Pick<ValidatorConfig, "wallet">): Promise<`0x${string}`> {
  if (config.wallet.keystore) {
    const password = process.env.OCX_PASSWORD;
    if (password === undefined) throw new Error(`set OCX_PASSWORD to open the keystore ${config.wallet.keystore}`);
    return (await decryptKeystore(await readFile(config.wallet.keystore, "utf8"), password)) as `0x${string}`;
  }
  const key = process.env[config.wallet.privateKeyEnv];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error(
      `no validator key: set ${config.wallet.privateKeyEnv} to the validator's private key (0x + 64 hex), or set wallet.keystore in the config`,
    );
  }
  return key as `0x${string}`;
}
