// `ocx provider`: sell this machine's compute — write a config, run the provider node, and
// manage the stake and earnings that back it on-chain.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import {
  formatOcx,
  fromLabel,
  marketplaceAbi,
  OcxError,
  OcxUsageError,
  providerRegistryAbi,
  requestUnstakeSync,
  stakeSync,
  withdrawEarningsSync,
  withdrawUnbondedSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";
import { actingAddress, allowSpending, chainTime, parseAddress, parseOcxArgument } from "../chain.js";
import { createContext } from "../context.js";
import { formatRelative } from "../format.js";
import type { GlobalOptions } from "../options.js";

const require = createRequire(import.meta.url);

/** The GPUs nvidia-smi lists (name and MiB), or none when it is missing or finds nothing. */
export function detectNvidiaGpus(): { name: string; vramMiB: number }[] {
  const result = spawnSync("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.status !== 0 || typeof result.stdout !== "string") return [];
  return result.stdout
    .split("\n")
    .map((line) => line.split(",").map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 2 && cells[0])
    .map(([name, mib]) => ({ name: name as string, vramMiB: Number(mib) }));
}

/** A commented starter provider.yaml for this machine: one offer per GPU, or a CPU offer without GPUs. */
export function starterConfig(gpus: { name: string; vramMiB: number }[], options: GlobalOptions): string {
  const cores = Math.max(1, Math.floor(os.cpus().length / Math.max(gpus.length, 1) / 2));
  const memoryMiB = Math.max(1024, Math.floor(os.totalmem() / 2 ** 20 / Math.max(gpus.length, 1) / 2 / 1024) * 1024);
  const offer =
    gpus.length > 0
      ? `  # Found ${gpus.length} GPU(s): ${[...new Set(gpus.map((g) => g.name))].join(", ")}.
  - gpus: 1                        # GPUs per lease
    # gpuModel: nvidia-h100-80gb   # default: the machine's most common model
    pricePerGpuHour: "2.0"         # OCX per GPU-hour
    maxLeases: ${gpus.length}                   # leases at once (default: as many as the free GPUs allow)
    cpu: ${cores}                         # cores per lease
    memoryMiB: ${memoryMiB}
    diskMiB: 51200`
      : `  # nvidia-smi found no GPU: this machine sells CPU compute.
  - gpus: 0                        # 0 = a CPU offer
    pricePerGpuHour: "0.05"        # OCX per hour for a CPU bundle
    maxLeases: 2
    cpu: ${Math.max(1, Math.floor(os.cpus().length / 2))}                         # cores per lease
    memoryMiB: ${Math.max(1024, Math.floor(os.totalmem() / 2 ** 20 / 4 / 1024) * 1024)}
    diskMiB: 10240`;
  return `# OCX provider node configuration (written by \`ocx provider init\`).
# Every field is documented in docs/provider.md. Start the node with:
#   OCX_PROVIDER_KEY=0x… ocx provider start --config provider.yaml

chain:
  rpcUrl: ${options.rpcUrl}
  deployment: ${path.join(options.deployments, "31337.json")}   # deployments/<chainId>.json
  pollIntervalMs: 500

# The provider's key: an environment variable (default), or an encrypted keystore opened with
# OCX_PASSWORD (e.g. one made by \`ocx wallet new --name provider\`).
wallet:
  privateKeyEnv: OCX_PROVIDER_KEY
  # keystore: ~/.ocx/wallets/provider.json

api:
  listen: 127.0.0.1:8443
  # publicUrl: https://gpu.example.com   # the URL buyers reach; registered on-chain
  maxUploadMiB: 512

region: local                   # short region code buyers filter on, e.g. eu-west
stake: "0"                      # OCX to keep staked; the node tops up to this on start
stateDir: .ocx/provider
executor: bwrap                 # bwrap (sandbox, default) | docker | process (no sandbox: needs allowUnsandboxed)

gpus:
  exclude: []                   # GPU indexes or UUIDs never to offer
  busyUtilizationPct: 10

offers:
${offer}

bidding:
  enabled: false                # bid on buyers' requests too
  # pricing: { type: fixed, pricePerGpuHour: "2.2", utilizationMarkup: 0.5 }

withdrawIntervalSeconds: 3600
`;
}

/** Where the provider node's entry point is: `@ocx/provider`'s dist/bin.js. Throws when it is not built. */
export function providerBinary(): string {
  let packageDir: string | undefined;
  try {
    packageDir = path.dirname(path.dirname(require.resolve("@ocx/provider")));
  } catch {
    // The main file is missing until the package is built; find the package folder itself.
    for (const dir of require.resolve.paths("@ocx/provider") ?? []) {
      if (existsSync(path.join(dir, "@ocx", "provider", "package.json"))) {
        packageDir = path.join(dir, "@ocx", "provider");
        break;
      }
    }
  }
  if (!packageDir) {
    throw new OcxError("the provider node (@ocx/provider) is not installed next to ocx: run `npm install`");
  }
  const bin = path.join(packageDir, "dist", "bin.js");
  if (!existsSync(bin)) {
    throw new OcxError(
      `the provider node is not built: ${bin} does not exist; run \`npx tsc -b\` (or \`npm run build\`)`,
    );
  }
  return bin;
}

export function providerCommand(): Command {
  const provider = new Command("provider").description("sell this machine's compute: config, node, stake, earnings");

  provider
    .command("init")
    .description("write a commented starter config for this machine")
    .option("-o, --output <file>", "where to write it", "provider.yaml")
    .option("--force", "replace an existing file")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx provider init
  $ ocx provider init -o /etc/ocx/provider.yaml --force
`,
    )
    .action(async (options: { output: string; force?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const gpus = detectNvidiaGpus();
      try {
        await writeFile(options.output, starterConfig(gpus, globals), { flag: options.force ? "w" : "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") {
          throw new OcxUsageError(`${options.output} exists; pass --force to replace it or -o another file`);
        }
        throw error;
      }
      const text = `wrote ${options.output} (${gpus.length > 0 ? `${gpus.length} GPU(s) found` : "no GPU found: a CPU offer"}); edit the prices, then \`ocx provider start --config ${options.output}\``;
      if (globals.json) process.stdout.write(`${JSON.stringify({ file: options.output, gpus })}\n`);
      else process.stdout.write(`${text}\n`);
    });

  provider
    .command("start")
    .description("run the provider node in the foreground (Ctrl-C stops it; jobs keep running)")
    .option("-c, --config <file>", "the provider config", "provider.yaml")
    .addHelpText(
      "after",
      `
The node registers, stakes, publishes the config's offers, acknowledges leases and runs jobs.
Its key comes from the config's wallet section (OCX_PROVIDER_KEY, or a keystore + OCX_PASSWORD).

Examples:
  $ OCX_PROVIDER_KEY=0x… ocx provider start --config provider.yaml
  $ OCX_PASSWORD=… ocx provider start -c provider.yaml --json    # JSON log lines
`,
    )
    .action(async (options: { config: string }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      if (!existsSync(options.config)) {
        throw new OcxUsageError(`no config at ${options.config}; write one with \`ocx provider init\``);
      }
      const bin = providerBinary();
      const child = spawn(
        process.execPath,
        [bin, "--config", path.resolve(options.config), ...(globals.json ? ["--log-json"] : [])],
        { stdio: "inherit", env: process.env },
      );
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const onInt = forward("SIGINT");
      const onTerm = forward("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
      const code = await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (exitCode, signal) =>
          resolve(exitCode ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)),
        );
      });
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.exitCode = code;
    });

  provider
    .command("status")
    .description("show a provider's registry record and, when reachable, its node's /status")
    .argument("[address]", "the provider (default: the acting wallet)")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx provider status
  $ ocx provider status 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --json
`,
    )
    .action(async (addressArg: string | undefined, _options: unknown, command: Command) => {
      const given = addressArg === undefined ? undefined : parseAddress(addressArg);
      const context = await createContext(command);
      const address = given ?? (await actingAddress(context));
      const registry = { address: context.deployment.registry, abi: providerRegistryAbi } as const;
      const record = await context.publicClient.readContract({
        ...registry,
        functionName: "getProvider",
        args: [address],
      });
      if (!record.registered) {
        context.print(`${address} is not a registered provider; \`ocx provider start\` registers it`, {
          address,
          registered: false,
        });
        return;
      }
      const [required, active, earnings, noShows, now] = await Promise.all([
        context.publicClient.readContract({
          ...registry,
          functionName: "requiredStake",
          args: [BigInt(record.committedGpus)],
        }),
        context.publicClient.readContract({ ...registry, functionName: "isActive", args: [address] }),
        context.publicClient.readContract({
          address: context.deployment.marketplace,
          abi: marketplaceAbi,
          functionName: "earningsOf",
          args: [address],
        }),
        context.publicClient.readContract({
          address: context.deployment.marketplace,
          abi: marketplaceAbi,
          functionName: "noShowsOf",
          args: [address],
        }),
        chainTime(context),
      ]);
      let node: Record<string, unknown> | { error: string };
      try {
        const response = await fetch(`${record.endpoint.replace(/\/$/, "")}/status`, {
          signal: AbortSignal.timeout(3000),
        });
        node = (await response.json()) as Record<string, unknown>;
      } catch (error) {
        node = { error: (error as Error).message };
      }
      const readyAt = Number(record.unbondingReadyAt);
      const lines = [
        `provider ${address}: ${active ? "active" : record.jailed ? "jailed" : "inactive (stake below requirement)"}`,
        `  endpoint        ${record.endpoint}`,
        `  region          ${fromLabel(record.region) || "-"}`,
        `  stake           ${formatOcx(record.stake)} (required ${formatOcx(required)} for ${record.committedGpus} committed GPU unit(s))`,
        `  unbonding       ${record.unbonding > 0n ? `${formatOcx(record.unbonding)}, ${readyAt <= now ? "ready: `ocx provider withdraw`" : `ready ${formatRelative(readyAt, now)}`}` : "none"}`,
        `  earnings        ${formatOcx(earnings)} to withdraw`,
        `  jailed          ${record.jailed ? "yes" : "no"}`,
        `  no-shows        ${noShows}`,
        "error" in node ? `  node            unreachable: ${node.error}` : `  node            ${JSON.stringify(node)}`,
      ];
      context.print(lines.join("\n"), {
        address,
        registered: true,
        active,
        endpoint: record.endpoint,
        region: fromLabel(record.region),
        stake: record.stake,
        unbonding: record.unbonding,
        unbondingReadyAt: readyAt,
        committedGpus: record.committedGpus,
        requiredStake: required,
        jailed: record.jailed,
        earnings,
        noShows,
        node,
      });
    });

  provider
    .command("stake")
    .description("add OCX to the acting wallet's provider stake")
    .argument("<amount>", "OCX to stake")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx provider stake 1000
  $ ocx --dev-account 1 provider stake 500 --json
`,
    )
    .action(async (amountText: string, _options: unknown, command: Command) => {
      const amount = parseOcxArgument(amountText, "the amount");
      const context = await createContext(command);
      await allowSpending(context, context.deployment.registry, amount);
      const { receipt, event } = await stakeSync(await context.walletClient(), {
        deployment: context.deployment,
        amount,
      });
      context.print(`staked ${formatOcx(amount)}; stake now ${formatOcx(event.stake)}`, {
        amount,
        stake: event.stake,
        transaction: receipt.transactionHash,
      });
    });

  provider
    .command("unstake")
    .description("start unbonding OCX from the stake (withdraw it after the unbonding delay)")
    .argument("<amount>", "OCX to unbond")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx provider unstake 200
  $ ocx provider withdraw            # once the delay has passed
`,
    )
    .action(async (amountText: string, _options: unknown, command: Command) => {
      const amount = parseOcxArgument(amountText, "the amount");
      const context = await createContext(command);
      const { receipt, event } = await requestUnstakeSync(await context.walletClient(), {
        deployment: context.deployment,
        amount,
      });
      const readyAt = Number(event.readyAt);
      context.print(
        `unbonding ${formatOcx(event.unbonding)}; withdraw it ${formatRelative(readyAt)} with \`ocx provider withdraw\``,
        { amount, unbonding: event.unbonding, readyAt, transaction: receipt.transactionHash },
      );
    });

  provider
    .command("withdraw")
    .description("withdraw earnings from the marketplace, and unbonded stake once it is ready")
    .addHelpText(
      "after",
      `
Settles the provider's running leases first, so earnings include everything accrued until now.

Examples:
  $ ocx provider withdraw
  $ ocx provider withdraw --json
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const context = await createContext(command);
      const me = (await context.account()).address;
      const market = { address: context.deployment.marketplace, abi: marketplaceAbi } as const;
      const created = await context.publicClient.getContractEvents({
        ...market,
        eventName: "LeaseCreated",
        args: { provider: me },
        fromBlock: BigInt(context.deployment.startBlock),
      });
      const running: bigint[] = [];
      for (const log of created) {
        const lease = await context.publicClient.readContract({
          ...market,
          functionName: "getLease",
          args: [log.args.leaseId as bigint],
        });
        if (lease.state === 2) running.push(log.args.leaseId as bigint);
      }
      const [earnings, record, now] = await Promise.all([
        context.publicClient.readContract({ ...market, functionName: "earningsOf", args: [me] }),
        context.publicClient.readContract({
          address: context.deployment.registry,
          abi: providerRegistryAbi,
          functionName: "getProvider",
          args: [me],
        }),
        chainTime(context),
      ]);
      let withdrawn = 0n;
      let unbonded = 0n;
      const transactions: string[] = [];
      if (earnings > 0n || running.length > 0) {
        const { receipt, event } = await withdrawEarningsSync(await context.walletClient(), {
          deployment: context.deployment,
          leaseIds: running,
        });
        transactions.push(receipt.transactionHash);
        withdrawn = event.amount;
      }
      const readyAt = Number(record.unbondingReadyAt);
      if (record.unbonding > 0n && readyAt <= now) {
        const { receipt, event } = await withdrawUnbondedSync(await context.walletClient(), {
          deployment: context.deployment,
        });
        transactions.push(receipt.transactionHash);
        unbonded = event.amount;
      }
      const pending =
        record.unbonding > 0n && readyAt > now
          ? `; ${formatOcx(record.unbonding)} still unbonding, ready ${formatRelative(readyAt, now)}`
          : "";
      const text =
        transactions.length === 0
          ? `nothing to withdraw${pending}`
          : `withdrew ${formatOcx(withdrawn)} of earnings${unbonded > 0n ? ` and ${formatOcx(unbonded)} of unbonded stake` : ""}${pending}`;
      context.print(text, {
        earnings: withdrawn,
        unbonded,
        settledLeases: running,
        stillUnbonding: readyAt > now ? record.unbonding : 0n,
        transactions,
        earningsOcx: formatEther(withdrawn),
      });
    });

  return provider;
}
