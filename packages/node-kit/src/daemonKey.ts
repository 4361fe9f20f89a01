// A daemon's signing key, from the config's `wallet` section: an encrypted keystore (password in OCX_PASSWORD), or
// the environment variable it names. Never from the config file itself.
import { readFile } from "node:fs/promises";
import { decryptKeystore } from "@ocx/sdk";
import type { Hex } from "viem";

/**
 * Returns the private key of the daemon `role` ("validator", "gateway") as 0x-hex, or throws saying where it was
 * looked for and how to provide it.
 * @example
 * const account = privateKeyToAccount(await readDaemonKey(config.wallet, "validator"));
 */
export async function readDaemonKey(
  wallet: { privateKeyEnv: string; keystore?: string | undefined },
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Hex> {
  if (wallet.keystore) {
    const password = env.OCX_PASSWORD;
    if (password === undefined) throw new Error(`set OCX_PASSWORD to open the keystore ${wallet.keystore}`);
    return (await decryptKeystore(await readFile(wallet.keystore, "utf8"), password)) as Hex;
  }
  const key = env[wallet.privateKeyEnv];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error(
      `no ${role} key: set ${wallet.privateKeyEnv} to the ${role}'s private key (0x + 64 hex), or set wallet.keystore in the config`,
    );
  }
  return key as Hex;
}
