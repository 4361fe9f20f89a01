// `ocx provider`: sell this machine's compute — write a config (`ocx-provider init`), run the provider
// node, and manage the stake and earnings that back it on-chain.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import {
  formatOcx,
  fromLabel,
  getEarnings,
  getLease,
  getNoShows,
  getProvider,
  getRequiredStake,
  isProviderActive,
  LeaseState,
  marketplaceAbi,
  OcxError,
  OcxUsageError,
  requestUnstakeSync,
  stakeSync,
  withdrawEarningsSync,
  withdrawUnbondedSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";
import { actingAddress, allowSpending, chainTime, parseAddress, parseOcxArgument } from "../chain.js";
import { createContext } from "../context.js";
import { formatPayment, formatRelative, settlesInCredits } from "../format.js";
import type { GlobalOptions } from "../options.js";
import { providerRewardsCommand } from "./providerRewards.js";

const require = createRequire(import.meta.url);

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
      if (existsSync(options.output) && !options.force) {
        throw new OcxUsageError(`${options.output} exists; pass --force to replace it or -o another file`);
      }
      // The template belongs to the provider node: `ocx-provider init` reads the hardware and writes it.
      const result = spawnSync(
        process.execPath,
        [
          providerBinary(),
          "init",
          "--out",
          options.output,
          ...(options.force ? ["--force"] : []),
          "--rpc-url",
          globals.rpcUrl,
          "--deployment",
          path.join(globals.deployments, "31337.json"),
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      const said = (result.stderr ?? "").trim();
      if (result.status !== 0) {
        // The node logs "HH:MM:SS.mmm error  <message>": keep the message.
        const last =
          said
            .split("\n")
            .at(-1)
            ?.replace(/^\S+\s+error\s+/, "") ?? "";
        const message = last || `ocx-provider init failed (${result.error?.message ?? `exit code ${result.status}`})`;
        throw new OcxError(message);
      }
      if (globals.json)
        process.stdout.write(`${JSON.stringify({ file: path.resolve(options.output), message: said })}\n`);
      else process.stdout.write(`${said}\n`);
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
      const { deployment, publicClient } = context;
      const record = await getProvider(publicClient, { deployment, provider: address });
      if (!record.registered) {
        context.print(`${address} is not a registered provider; \`ocx provider start\` registers it`, {
          address,
          registered: false,
        });
        return;
      }
      const [required, active, earnings, noShows, now] = await Promise.all([
        getRequiredStake(publicClient, { deployment, committedGpus: BigInt(record.committedGpus) }),
        isProviderActive(publicClient, { deployment, provider: address }),
        getEarnings(publicClient, { deployment, provider: address }),
        getNoShows(publicClient, { deployment, provider: address }),
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
        `  earnings        ${formatPayment(earnings, deployment)} to withdraw (\`ocx provider withdraw\`${settlesInCredits(deployment) ? "; then `ocx credits redeem <usd>` turns credits into OCX" : ""})`,
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
        earningsShown: formatPayment(earnings, deployment),
        earningsToken: deployment.paymentToken,
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
      const { deployment, publicClient } = context;
      const created = await publicClient.getContractEvents({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName: "LeaseCreated",
        args: { provider: me },
        fromBlock: BigInt(context.deployment.startBlock),
      });
      const running: bigint[] = [];
      for (const log of created) {
        const lease = await getLease(publicClient, { deployment, leaseId: log.args.leaseId as bigint });
        if (lease.state === LeaseState.Active) running.push(log.args.leaseId as bigint);
      }
      const [earnings, record, now] = await Promise.all([
        getEarnings(publicClient, { deployment, provider: me }),
        getProvider(publicClient, { deployment, provider: me }),
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
          : `withdrew ${formatPayment(withdrawn, deployment)} of earnings${settlesInCredits(deployment) && withdrawn > 0n ? " in credits (`ocx credits redeem <usd>` turns them into OCX)" : ""}${unbonded > 0n ? ` and ${formatOcx(unbonded)} of unbonded stake` : ""}${pending}`;
      context.print(text, {
        earnings: withdrawn,
        unbonded,
        settledLeases: running,
        stillUnbonding: readyAt > now ? record.unbonding : 0n,
        transactions,
        // The earnings' token: credits ($, 18 decimals) on a market that settles in credits, else OCX.
        earningsShown: formatPayment(withdrawn, deployment),
        earningsToken: deployment.paymentToken,
        ...(settlesInCredits(deployment) ? {} : { earningsOcx: formatEther(withdrawn) }),
      });
    });

  provider.addCommand(providerRewardsCommand());
  return provider;
}
