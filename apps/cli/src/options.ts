// The options every `ocx` command accepts. Kept free of viem and the SDK so that `ocx --help`
// and `ocx --version` load nothing but commander.
import type { Command } from "commander";

/** The options every command accepts (registered once on the program). */
export interface GlobalOptions {
  rpcUrl: string;
  deployments: string;
  wallet: string;
  devAccount?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Adds the global options to the program. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      "--rpc-url <url|network>",
      "the chain's JSON-RPC URL, or a network name: local, base, base-sepolia, arbitrum, arbitrum-sepolia (env OCX_RPC_URL)",
      process.env.OCX_RPC_URL ?? "http://127.0.0.1:8545",
    )
    .option(
      "--deployments <dir>",
      "folder holding <chainId>.json (env OCX_DEPLOYMENTS)",
      process.env.OCX_DEPLOYMENTS ?? "deployments",
    )
    .option("--wallet <name>", "keystore wallet to act with (env OCX_WALLET)", process.env.OCX_WALLET ?? "default")
    .option("--dev-account <index>", "act as anvil's test account 0–9 (local chain 31337 only)")
    .option("--json", "print machine-readable JSON instead of text")
    .option("--verbose", "on failure, print the error's details and causes, not only its one-line summary");
}

/** JSON.stringify replacer printing bigints as decimal strings. */
export const jsonReplacer = (_: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);
