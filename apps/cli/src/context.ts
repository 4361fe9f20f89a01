// What every `ocx` command shares: the global options, the chain and deployment they point at,
// the wallet they act with, and how they report (plain text for people, --json for scripts).
import { ANVIL_KEYS } from "@ocx/node-kit";
import {
  chainFor,
  type Deployment,
  DeploymentError,
  loadDeployment,
  OcxContractError,
  OcxTransactionRevertedError,
  ProviderApiError,
  resolveRpcUrl,
} from "@ocx/sdk";
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
import { loadWalletKey } from "./wallets.js";

/** Exit codes of `ocx`, so scripts can tell failures apart. `ocx run` exits with the workload's own code. */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** Bad arguments, a malformed manifest or config. */
  usage: 2,
  /** The chain or RPC cannot be reached, or has no OCX deployment. */
  chain: 3,
  /** A contract refused the transaction (the message names the custom error). */
  rejected: 4,
  /** A provider's API refused the request. */
  provider: 5,
  /** Nothing on the market matches. */
  noMatch: 6,
} as const;

/** An error that ends the command with a given exit code and a message for the user. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/** The options every command accepts (registered once on the program). */
export interface GlobalOptions {
  rpcUrl: string;
  deployments: string;
  wallet: string;
  devAccount?: string;
  json?: boolean;
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
    .option("--json", "print machine-readable JSON instead of text");
}

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

/** Builds the context from the program's global options; checks the chain and the deployment. */
export async function createContext(command: Command): Promise<Context> {
  const options = command.optsWithGlobals() as GlobalOptions;
  try {
    options.rpcUrl = resolveRpcUrl(options.rpcUrl);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const probe = createPublicClient({ transport: http(options.rpcUrl, { retryCount: 1 }) });
  const chainId = await probe.getChainId().catch((error: Error) => {
    throw new CliError(
      `cannot reach the chain at ${options.rpcUrl} (${error.message.split("\n")[0]}); start one with \`ocx devnet\` or pass --rpc-url`,
      EXIT.chain,
    );
  });
  const deployment = await loadDeployment(chainId, options.deployments).catch((error: unknown) => {
    if (error instanceof DeploymentError) throw new CliError(error.message, EXIT.chain);
    throw error;
  });
  const chain = chainFor(chainId, options.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport: http(options.rpcUrl),
    pollingInterval: 100,
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
        if (chainId !== 31337) throw new CliError("--dev-account only works on the local chain (31337)", EXIT.usage);
        const key = ANVIL_KEYS[Number(options.devAccount)];
        if (!key) throw new CliError(`--dev-account must be 0–9, got "${options.devAccount}"`, EXIT.usage);
        account = privateKeyToAccount(key);
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
        pollingInterval: 100,
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

/** JSON.stringify replacer printing bigints as decimal strings. */
export const jsonReplacer = (_: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** The exit code and message for any error a command throws. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  // Refused in simulation (a decoded custom error) or when mined: either way the chain said no.
  if (error instanceof OcxContractError || error instanceof OcxTransactionRevertedError) {
    return { message: error.message, exitCode: EXIT.rejected };
  }
  if (error instanceof ProviderApiError) return { message: error.message, exitCode: EXIT.provider };
  if (error instanceof Error && /ManifestError|SdlError|ConfigError|QuantityError/.test(error.name)) {
    return { message: error.message, exitCode: EXIT.usage };
  }
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.failure };
}
