// The table of `ocx` commands. Each command's module (and with it viem and the SDK) is imported
// only when that command runs, so `ocx --help` and `ocx --version` start as fast as node itself.
import type { Command } from "commander";

/** One top-level command: what the program's help shows, and how to build the command when it runs. */
export interface CommandEntry {
  name: string;
  /** How the program's help lists it, e.g. "run [options] <command...>". */
  usage: string;
  description: string;
  load: () => Promise<Command>;
  /**
   * Subcommands that can be built alone, without the whole command's module: `ocx market offers` loads only its own
   * light module, so that answering from the indexer does not first load every `ocx market` subcommand's imports.
   * Each sets up the `Command` it is given (named after it), so that such a module needs commander's types only.
   */
  subcommands?: Readonly<Record<string, (command: Command) => Promise<Command>>>;
}

/** Every top-level command, in the order `ocx --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "devnet",
    usage: "devnet [options]",
    description:
      "start a local OCX network: anvil with the contracts, funded accounts, a provider node, and a first job",
    load: async () => (await import("./devnet.js")).devnetCommand(),
  },
  {
    name: "wallet",
    usage: "wallet <command>",
    description: "create, import and inspect encrypted wallets (keystore files)",
    load: async () => (await import("./wallet.js")).walletCommand(),
  },
  {
    name: "faucet",
    usage: "faucet [options] [address]",
    description: "send OCX and 10 ETH to an address on the local chain (31337)",
    load: async () => (await import("./faucet.js")).faucetCommand(),
  },
  {
    name: "credits",
    usage: "credits <command>",
    description:
      "compute credits ($1 each): mint by burning OCX at the oracle price, redeem for OCX, the OCX/USD price",
    load: async () => (await import("./credits.js")).creditsCommand(),
  },
  {
    name: "stats",
    usage: "stats [options]",
    description: "the network's headline figures (utilization, GPU-hours, revenue, burns, jobs) from the indexer",
    load: async () => (await import("./stats.js")).statsCommand(),
  },
  {
    name: "market",
    usage: "market <command>",
    description: "browse the market: offers, requests, and why a job finds no match; cancel or close your requests",
    load: async () => (await import("./market.js")).marketCommand(),
    subcommands: { offers: async (command) => (await import("./marketOffers.js")).marketOffersCommand(command) },
  },
  {
    name: "deploy",
    usage: "deploy [options] <file>",
    description: "deploy long-running services (a service manifest or an Akash SDL) and print their public URLs",
    load: async () => (await import("./deploy.js")).deployCommand(),
  },
  {
    name: "job",
    usage: "job <command>",
    description: "run a job on rented compute and manage its lease",
    load: async () => (await import("./job.js")).jobCommand(),
  },
  {
    name: "provider",
    usage: "provider <command>",
    description: "sell this machine's compute: config, node, stake, earnings",
    load: async () => (await import("./provider.js")).providerCommand(),
  },
  {
    name: "gov",
    usage: "gov <command>",
    description: "governance: delegate votes, propose parameter changes, vote, queue and execute proposals",
    load: async () => (await import("./gov.js")).govCommand(),
  },
  {
    name: "inference",
    usage: "inference <command>",
    description: "inference endpoints: register a model server you run (you are its payee), list them, deregister",
    load: async () => (await import("./inference.js")).inferenceCommand(),
  },
  {
    name: "channels",
    usage: "channels <command>",
    description: "payment channels for pay-per-request endpoints (x402): deposit for a payee, status, unlock, withdraw",
    load: async () => (await import("./channels.js")).channelsCommand(),
  },
  {
    name: "run",
    usage: "run [options] <command...>",
    description: "run a command on the cheapest matching offer, with live logs; exits with the command's exit code",
    load: async () => (await import("./run.js")).runCommand(),
  },
  {
    name: "mcp",
    usage: "mcp [options]",
    description: "serve OCX to an AI agent over MCP (stdio), within a budget and an allow-list of tools",
    load: async () => (await import("./mcp.js")).mcpCommand(),
  },
];
