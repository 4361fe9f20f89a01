// What every `ocx` command that talks to a chain shares: the chain and deployment it points at,
// the wallet it acts with, and how it reports (plain text for people, --json for scripts).
import { ANVIL_KEYS } from "@ocx/node-kit";
import { chainFor, type Deployment, OcxUsageError } from "@ocx/sdk";
import type { Command } from "commander";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { resolveNetwork } from "./network.js";
import { type GlobalOptions, jsonReplacer } from "./options.js";
import { loadWalletKey } from "./wallets.js";

/** The chain context of a command: clients and the deployment, created on first use. */
export interface Context {
  options: GlobalOptions;
  json: boolean;
  publicClient: PublicClient;
  chain: Chain;
  deployment: Deployment;
  /** The acting account (asks for the keystore password if needed). */
  account(): Promise<LocalAccount>;
  walletClient(): Promise<WalletClient<Transport, Chain, Account>>;
  /** Prints a result: `text` for people, `data` as JSON with --json. */
  print(text: string, data?: unknown): void;
  /** A progress line on stderr (silent with --json). */
  progress(text: string): void;
}

/**
 * How often to poll the chain for receipts and events, in ms: a local chain mines at once and answers in a
 * millisecond, so waiting on it is polling latency alone; a remote RPC is asked less often.
 */
export function pollingIntervalFor(chainId: number): number {
  return chainId === LOCAL_CHAIN_ID ? 20 : 100;
}

/** anvil's chain id: the local chain of `ocx devnet`. */
export const LOCAL_CHAIN_ID = 31337;

/** The key of anvil's test account `index` (0–9), or a usage error naming the value given. */
export function devAccountKey(index: string): Hex {
  const key = /^\d$/.test(index) ? ANVIL_KEYS[Number(index)] : undefined;
  if (!key) throw new OcxUsageError(`--dev-account must be a number from 0 to 9, got "${index}"`);
  return key;
}

/** Builds the context from the program's global options; checks the chain and the deployment. */
export async function createContext(command: Command): Promise<Context> {
  const { options, chainId, deployment } = await resolveNetwork(command);
  const chain = chainFor(chainId, options.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport: http(options.rpcUrl),
    pollingInterval: pollingIntervalFor(chainId),
  }) as PublicClient;
  let account: LocalAccount | undefined;
  const json = Boolean(options.json);
  const context: Context = {
    options,
    json,
    publicClient,
    chain,
    deployment,
    async account() {
      if (account) return account;
      if (options.devAccount !== undefined) {
        if (chainId !== LOCAL_CHAIN_ID) {
          throw new OcxUsageError(
            `--dev-account only works on the local chain (31337), not on chain ${chainId}; use --wallet`,
          );
        }
        account = privateKeyToAccount(devAccountKey(options.devAccount));
      } else {
        account = privateKeyToAccount((await loadWalletKey(options.wallet)) as Hex);
      }
      return account;
    },
    async walletClient() {
      // The SDK's `…Sync` actions wait for receipts through this client: poll as often as the public one.
      return createWalletClient({
        chain,
        transport: http(options.rpcUrl),
        account: await context.account(),
        pollingInterval: pollingIntervalFor(chainId),
      });
    },
    print(text, data) {
      if (json) process.stdout.write(`${JSON.stringify(data ?? { message: text }, jsonReplacer)}\n`);
      else process.stdout.write(`${text}\n`);
    },
    progress(text) {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
  return context;
}
