// `ocx job`: rent compute for a job — submit a manifest (take an offer, hand the job to the
// provider), follow it (status, logs), collect its results, and manage its lease (cancel, top-up).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  billLease,
  cancelLeaseSync,
  closeLeaseSync,
  closeReasonName,
  closeService,
  connectProvider,
  DEFAULT_MAX_RESULT_BYTES,
  EXIT,
  extractTarGzStream,
  fetchResults,
  getAccrued,
  getLease,
  getOffer,
  LeaseState,
  launchLease,
  leaseStateName,
  manifestHash,
  marketplaceAbi,
  OcxError,
  OcxUsageError,
  ProviderApiError,
  perSecondToPerHour,
  resolveInputs,
  type ServiceStatusEntry,
  type ServiceUrl,
  topUpLeaseSync,
} from "@ocx/sdk";
import { Command } from "commander";
import type { Address } from "viem";
import {
  actingAddress,
  allowSpending,
  type LeaseCreation,
  type LeaseView,
  parseId,
  parseOcxArgument,
  parsePaymentArgument,
  providerEndpoint,
  readLease,
  spaced,
} from "../chain.js";
import { type Context, createContext } from "../context.js";
import {
  describeBill,
  formatPayment,
  formatPricePerGpuHour,
  formatRelative,
  renderTable,
  settlesInCredits,
} from "../format.js";
import { readJobFile } from "../jobfile.js";
import { runReporter } from "../progress.js";
import { downloadRetained } from "../retained.js";
import { describeServices, describeUrls } from "./deploy.js";
import { jobShellCommand } from "./jobShell.js";

/** For reads that only need the lease's state and parties. */
const NO_CREATION: LeaseCreation = { deposit: 0n, manifestHash: "0x" };

interface SubmitOptions {
  offer?: string;
  deposit?: string;
  hours?: string;
  maxPrice?: string;
}

/**
 * The provider's API client for the acting buyer; its answers are checked against the provider's registered key.
 * `endpoint`: the provider's registered endpoint when already read.
 */
async function providerClient(context: Context, provider: Address, endpoint?: string) {
  return connectProvider({
    publicClient: context.publicClient,
    deployment: context.deployment,
    account: await context.account(),
    lease: { provider, endpoint: endpoint ?? (await providerEndpoint(context, provider)) },
  });
}

async function completedResultHash(context: Context, leaseId: bigint) {
  const [log] = await context.publicClient.getContractEvents({
    address: context.deployment.marketplace,
    abi: marketplaceAbi,
    eventName: "LeaseCompleted",
    args: { leaseId },
    fromBlock: BigInt(context.deployment.startBlock),
  });
  return log ? { resultHash: log.args.resultHash as `0x${string}`, exitCode: Number(log.args.exitCode) } : undefined;
}

function leaseJson(lease: LeaseView) {
  return {
    leaseId: lease.leaseId,
    buyer: lease.buyer,
    provider: lease.provider,
    state: spaced(leaseStateName(lease.state)),
    offerId: lease.offerId,
    pricePerSecond: lease.pricePerSecond,
    pricePerHour: perSecondToPerHour(lease.pricePerSecond),
    deposit: lease.deposit,
    escrowLeft: lease.escrowLeft,
    ackDeadline: lease.ackDeadline,
    settledAt: lease.settledAt,
    manifestHash: lease.manifestHash,
  };
}

/**
 * Fails, before any approval, when `Marketplace.topUp` would refuse: no such lease, a closed or used-up lease, or
 * an escrow above what the lease may hold (its price × its offer's maximum duration).
 */
export async function checkTopUp(context: Context, leaseId: bigint, amount: bigint): Promise<void> {
  const lease = await getLease(context.publicClient, { deployment: context.deployment, leaseId });
  if (lease.state === LeaseState.None) {
    throw new OcxUsageError(`no lease #${leaseId} on this marketplace; see yours with \`ocx job list\``);
  }
  if (lease.state === LeaseState.Closed) {
    throw new OcxUsageError(`lease #${leaseId} is closed: it cannot be topped up; start a new job instead`);
  }
  const [, escrowLeft] =
    lease.state === LeaseState.Active
      ? await getAccrued(context.publicClient, { deployment: context.deployment, leaseId })
      : [0n, lease.escrow];
  if (lease.state === LeaseState.Active && escrowLeft === 0n) {
    throw new OcxUsageError(`lease #${leaseId} has used up its escrow, so it is over; start a new job instead`);
  }
  const maximum = lease.pricePerSecond * BigInt(lease.maxDuration);
  const money = (wei: bigint) => formatPayment(wei, context.deployment);
  if (escrowLeft + amount > maximum) {
    const room = maximum > escrowLeft ? maximum - escrowLeft : 0n;
    throw new OcxUsageError(
      `${money(amount)} is above what lease #${leaseId} can take: it may hold at most ${money(maximum)} (${lease.maxDuration} s at ${money(perSecondToPerHour(lease.pricePerSecond))}/h) and holds ${money(escrowLeft)}; top up at most ${money(room)}`,
    );
  }
}

export function jobCommand(): Command {
  const job = new Command("job").description("run a job on rented compute and manage its lease");

  job
    .command("submit")
    .description("take the cheapest matching offer (or --offer) and hand the job to its provider")
    .argument("<manifest>", "an OCX job manifest or an Akash SDL (YAML)")
    .option("--offer <id>", "take this offer instead of the cheapest match")
    .option("--deposit <usd>", "escrow to deposit, in dollars of credits (OCX on a market without credits)")
    .option("--hours <h>", "deposit enough for this many hours (default: the manifest's maxDuration)")
    .option("--max-price <usd>", "price limit in dollars per GPU-hour (replaces the manifest's)")
    .addHelpText(
      "after",
      `
Steps (the SDK's, as \`ocx run\` takes them): resolve the inputs and hash the manifest, find the
cheapest matching offer (or run an auction under --max-price), take the lease (with the
provider's signed quote in one transaction, else the offer and the provider's acknowledgement),
upload the manifest and inputs, start. Prints the lease id.
Exit codes: 2 bad manifest, 3 chain unreachable, 4 transaction refused, 5 provider refused,
6 no matching offer.

Examples:
  $ ocx job submit job.yaml
  $ ocx job submit deploy.sdl.yaml --max-price 2.5 --hours 3
  $ ocx job submit job.yaml --offer 7 --deposit 50 --json
`,
    )
    .action(async (file: string, options: SubmitOptions, command: Command) => {
      if (options.deposit !== undefined && options.hours !== undefined) {
        throw new OcxUsageError("give --deposit or --hours, not both");
      }
      // Amounts have 18 decimals in either token ("$1.20" of credits, or OCX): read exactly, "$" allowed.
      const dollars = (text: string, what: string) => parseOcxArgument(text.trim().replace(/^\$/, ""), what, "dollars");
      const deposit = options.deposit === undefined ? undefined : dollars(options.deposit, "--deposit");
      const hours = options.hours === undefined ? undefined : Number(options.hours);
      if (hours !== undefined && !(hours > 0)) {
        throw new OcxUsageError(`--hours must be a positive number, got "${options.hours}"`);
      }
      const maxPrice = options.maxPrice?.trim().replace(/^\$/, "");
      const maxPricePerGpuHour = maxPrice === undefined ? undefined : dollars(maxPrice, "--max-price");
      const offerId = options.offer === undefined ? undefined : parseId(options.offer, "--offer");
      const { manifest: parsed, kind, baseDir } = await readJobFile(file, { maxPrice });
      const context = await createContext(command);
      context.progress(`read ${kind === "akash-sdl" ? "Akash SDL" : "manifest"} ${file}; hashing its inputs…`);
      const manifest = await resolveInputs(parsed, baseDir);
      const report = runReporter(context, Date.now(), manifest.resources.gpu.count || 1);
      // The SDK's launchLease, as `ocx run`, `ocx deploy` and the MCP tools take it: choose, take, upload, start.
      const { lease, uploaded } = await launchLease({
        publicClient: context.publicClient,
        walletClient: await context.walletClient(),
        account: await context.account(),
        deployment: context.deployment,
        manifest,
        baseDir,
        ...(offerId === undefined ? {} : { offerId }),
        ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
        ...(deposit === undefined ? {} : { deposit }),
        ...(hours === undefined ? {} : { hours }),
        onEvent: report,
      });
      const { leaseId, endpoint: url } = lease;
      context.print(
        `${leaseId}\nlease #${leaseId} is running on ${lease.via === "auction" ? `request #${lease.requestId}` : `offer #${lease.offerId}`}; follow it with \`ocx job logs ${leaseId} -f\``,
        {
          leaseId,
          offerId: lease.offerId,
          requestId: lease.requestId,
          via: lease.via,
          provider: lease.provider,
          endpoint: url,
          pricePerSecond: lease.pricePerSecond,
          pricePerHour: perSecondToPerHour(lease.pricePerSecond),
          deposit: lease.deposit,
          manifestHash: manifestHash(manifest),
          uploaded,
          phase: "running",
        },
      );
    });

  job
    .command("list")
    .description("list the acting wallet's leases")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx job list
  $ ocx --dev-account 2 job list --json
`,
    )
    .action(async (_options: unknown, command: Command) => {
      const context = await createContext(command);
      const me = await actingAddress(context);
      const logs = await context.publicClient.getContractEvents({
        address: context.deployment.marketplace,
        abi: marketplaceAbi,
        eventName: "LeaseCreated",
        args: { buyer: me },
        fromBlock: BigInt(context.deployment.startBlock),
      });
      const leases = await Promise.all(
        logs.map((log) =>
          readLease(context, log.args.leaseId as bigint, {
            deposit: log.args.deposit as bigint,
            manifestHash: log.args.manifestHash as `0x${string}`,
          }),
        ),
      );
      const money = (wei: bigint) => formatPayment(wei, context.deployment);
      const text =
        leases.length === 0
          ? `no leases for ${me}; start one with \`ocx job submit <manifest>\``
          : renderTable(
              [
                { header: "LEASE", align: "right" },
                "PROVIDER",
                "STATE",
                { header: settlesInCredits(context.deployment) ? "$/H" : "OCX/H", align: "right" },
                { header: "DEPOSIT", align: "right" },
                { header: "ESCROW LEFT", align: "right" },
              ],
              leases.map((l) => [
                `#${l.leaseId}`,
                `${l.provider.slice(0, 8)}…${l.provider.slice(-4)}`,
                spaced(leaseStateName(l.state)),
                money(perSecondToPerHour(l.pricePerSecond)),
                money(l.deposit),
                money(l.escrowLeft),
              ]),
            );
      context.print(text, { buyer: me, leases: leases.map(leaseJson) });
    });

  job
    .command("status")
    .description("show a lease on the chain and what its provider says about the job")
    .argument("<id>", "lease id")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx job status 12
  $ ocx job status 12 --json | jq .provider.phase
`,
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const lease = await readLease(context, leaseId);
      const completed = await completedResultHash(context, leaseId);
      const { deployment } = context;
      const money = (wei: bigint) => formatPayment(wei, deployment);
      // Price per GPU-hour over the offer's GPUs (per hour for a CPU offer or a lease won at auction).
      const gpus =
        lease.offerId > 0n
          ? (await getOffer(context.publicClient, { deployment, offerId: lease.offerId })).resources.gpuCount
          : 0;
      // What was billed so far: settlements' paid and fee (the fee is burned in the payment token when the
      // Marketplace's fee pool is flushed), and the refund once closed.
      const bill = await billLease(context.publicClient, { deployment, leaseId });
      const billed = describeBill(bill, gpus, deployment);
      let providerStatus: Record<string, unknown> | { error: string };
      try {
        providerStatus = (await (await providerClient(context, lease.provider)).status(leaseId)) as unknown as Record<
          string,
          unknown
        >;
      } catch (error) {
        if (error instanceof OcxUsageError) throw error;
        providerStatus = { error: (error as Error).message.split("\n")[0] ?? String(error) };
      }
      const state = spaced(leaseStateName(lease.state));
      // A service lease: each service's state, and how to reach its public ports.
      const services = ("error" in providerStatus ? undefined : providerStatus.services) as
        | ServiceStatusEntry[]
        | undefined;
      const urls = ("error" in providerStatus ? undefined : providerStatus.urls) as ServiceUrl[] | undefined;
      const lines = [
        `lease #${leaseId}: ${state}`,
        `  provider     ${lease.provider}`,
        `  price        ${formatPricePerGpuHour(lease.pricePerSecond, gpus, deployment)}${gpus > 1 ? ` (${money(perSecondToPerHour(lease.pricePerSecond))}/h for ${gpus} GPUs)` : ""}`,
        `  deposit      ${money(lease.deposit)}`,
        `  escrow left  ${money(lease.escrowLeft)}`,
        ...(bill.paid > 0n || lease.state === LeaseState.Closed ? [`  billed       ${billed.text}`] : []),
        ...(lease.state === LeaseState.Pending ? [`  ack due      ${formatRelative(lease.ackDeadline)}`] : []),
        ...(completed ? [`  completed    exit code ${completed.exitCode}, result ${completed.resultHash}`] : []),
        "error" in providerStatus
          ? `  node         unreachable or refused: ${providerStatus.error}`
          : `  node         ${String(providerStatus.phase)}${providerStatus.message ? ` — ${String(providerStatus.message)}` : ""}`,
        ...(services?.length ? ["  services", ...describeServices({ services }).map((l) => `  ${l}`)] : []),
        ...(urls?.length ? ["  public URLs", ...describeUrls(urls).map((l) => `  ${l}`)] : []),
      ];
      context.print(lines.join("\n"), {
        ...leaseJson(lease),
        bill: billed.json,
        completed: completed ?? null,
        provider: providerStatus,
      });
    });

  job
    .command("logs")
    .description("print a job's output; with -f, follow it until the job ends")
    .argument("<id>", "lease id")
    .option("-f, --follow", "keep streaming until the job ends (resumes after a dropped connection)")
    .option("--stderr", "the job's stderr instead of its stdout")
    .option("--service <name>", "one service of a service lease (each has its own stdout and stderr)")
    .addHelpText(
      "after",
      `
With --json each chunk is one line: {"offset":…,"text":…}.

Examples:
  $ ocx job logs 12 -f
  $ ocx job logs 12 --stderr > err.log
  $ ocx job logs 14 --service web -f
`,
    )
    .action(async (id: string, options: { follow?: boolean; stderr?: boolean; service?: string }, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const lease = await readLease(context, leaseId, NO_CREATION);
      const provider = await providerClient(context, lease.provider);
      const stream = options.stderr ? "stderr" : "stdout";
      // A reader that went away (`| head`) is not an error.
      process.stdout.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EPIPE") process.exit(EXIT.ok);
        throw error;
      });
      let offset = 0;
      let failures = 0;
      for (;;) {
        try {
          for await (const chunk of provider.logs(leaseId, {
            stream,
            offset,
            follow: Boolean(options.follow),
            ...(options.service ? { service: options.service } : {}),
          })) {
            if (context.json) {
              process.stdout.write(`${JSON.stringify({ offset, text: Buffer.from(chunk).toString("utf8") })}\n`);
            } else process.stdout.write(chunk);
            offset += chunk.byteLength;
            failures = 0;
          }
          return;
        } catch (error) {
          if (error instanceof ProviderApiError || !options.follow || ++failures > 10) throw error;
          context.progress(`connection dropped (${(error as Error).message}); resuming at byte ${offset}…`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * failures, 5000)));
        }
      }
    });

  job
    .command("results")
    .description(
      "download a completed job's results (checked against the chain) or what an ended service lease kept, and unpack them",
    )
    .argument("<id>", "lease id")
    .option("-o, --output <dir>", "where to unpack (default: lease-<id>)")
    .addHelpText(
      "after",
      `
A job's archive must hash to the resultHash its provider committed on-chain in
LeaseCompleted. A service lease has no on-chain result: once it has ended, its
results are what its services retain (services.<name>.retain), checked against
the provider's signed sha256, for its buyer alone. Entries that would land
outside the folder are refused.

Examples:
  $ ocx job results 12
  $ ocx job results 12 -o out/ --json
`,
    )
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const lease = await readLease(context, leaseId, NO_CREATION);
      const completed = await completedResultHash(context, leaseId);
      if (!completed && lease.state !== LeaseState.Closed) {
        throw new OcxError(
          `lease #${leaseId} has no results yet: it is ${spaced(leaseStateName(lease.state))} and its provider has not completed it (a service lease's retained files come once it ends); check \`ocx job status ${leaseId}\``,
        );
      }
      context.progress(`downloading the results of lease #${leaseId}…`);
      // Streamed to a file and checked (against the on-chain hash, or for a service lease the provider's signed
      // sha256), then unpacked from the file: never whole in memory.
      const work = await mkdtemp(path.join(tmpdir(), "ocx-results-"));
      const dir = options.output ?? `lease-${leaseId}`;
      let fetched: { sha256: `0x${string}`; bytes: number };
      let unpacked: Awaited<ReturnType<typeof extractTarGzStream>>;
      try {
        let archive: string;
        if (completed) {
          const url = await providerEndpoint(context, lease.provider);
          const got = await fetchResults(await providerClient(context, lease.provider, url), {
            publicClient: context.publicClient,
            deployment: context.deployment,
            leaseId,
            url,
            dir: work,
          });
          if (!got?.path) throw new OcxError(`lease #${leaseId} has no results on-chain`);
          archive = got.path;
          fetched = got;
        } else {
          // Closed without a completion: a service lease's retained files, or nothing (the provider says which).
          archive = path.join(work, `lease-${leaseId}.tar.gz`);
          fetched = await downloadRetained(context, lease, archive, {
            nothing:
              "a job that ended without completing has no results; a service lease keeps only what its services retain",
          });
        }
        unpacked = await extractTarGzStream(archive, dir, { maxBytes: DEFAULT_MAX_RESULT_BYTES });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const { sha256, bytes } = fetched;
      const relative = unpacked.files.map((f) => path.relative(process.cwd(), f));
      const checked = completed
        ? `sha256 ${sha256} matches the chain; job exit code ${completed.exitCode}`
        : `sha256 ${sha256} matches the provider's signature; what the lease's services retained`;
      context.print(
        `${relative.length} file(s) in ${dir} (${checked})${unpacked.skipped.length ? `\nskipped links: ${unpacked.skipped.join(", ")}` : ""}`,
        {
          leaseId,
          dir,
          sha256,
          // "chain": a job's results, checked against LeaseCompleted; "provider": what a service lease retained.
          checkedAgainst: completed ? "chain" : "provider",
          exitCode: completed ? completed.exitCode : null,
          bytes,
          files: relative,
          skipped: unpacked.skipped,
        },
      );
    });

  job
    .command("cancel")
    .description("end a lease: cancel it before the provider acknowledges (full refund), close it after")
    .argument("<id>", "lease id")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx job cancel 12
  $ ocx job cancel 12 --json
`,
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const lease = await readLease(context, leaseId, NO_CREATION);
      if (lease.state === LeaseState.Closed) throw new OcxUsageError(`lease #${leaseId} is already closed`);
      // Before the provider acknowledges, cancel (a full refund); after, close (the unused escrow comes back).
      const functionName = lease.state === LeaseState.Pending ? "cancel" : "close";
      const end = functionName === "cancel" ? cancelLeaseSync : closeLeaseSync;
      const { receipt, event: closed } = await end(await context.walletClient(), {
        deployment: context.deployment,
        leaseId,
      });
      const refund = closed.refund;
      const reason = spaced(closeReasonName(closed.reason));
      context.print(
        `lease #${leaseId} ${functionName === "cancel" ? "cancelled" : "closed"}; ${formatPayment(refund, context.deployment)} refunded`,
        {
          leaseId,
          action: functionName,
          reason,
          refund,
          transaction: receipt.transactionHash,
        },
      );
    });

  job
    .command("close")
    .description(
      "end a running lease now (a service lease's services stop, its volumes are deleted); the rest of the escrow comes back",
    )
    .argument("<id>", "lease id")
    .addHelpText(
      "after",
      `
The lease is settled to this second on-chain; the provider stops its services when it reads the
event. A lease its provider has not acknowledged yet is cancelled instead: \`ocx job cancel <id>\`.

Examples:
  $ ocx job close 14
  $ ocx job close 14 --json
`,
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const lease = await readLease(context, leaseId, NO_CREATION);
      if (lease.state === LeaseState.Closed) throw new OcxUsageError(`lease #${leaseId} is already closed`);
      if (lease.state === LeaseState.Pending) {
        throw new OcxUsageError(
          `lease #${leaseId} is not acknowledged by its provider yet: cancel it for a full refund with \`ocx job cancel ${leaseId}\``,
        );
      }
      const closed = await closeService(await context.walletClient(), { deployment: context.deployment, leaseId });
      context.print(
        `lease #${leaseId} closed; ${formatPayment(closed.refund, context.deployment)} refunded; its provider stops its services`,
        {
          leaseId,
          action: "close",
          refund: closed.refund,
          transaction: closed.transactionHash,
        },
      );
    });

  job
    .command("topup")
    .description("add to a lease's escrow so the job keeps running")
    .argument("<id>", "lease id")
    .argument("<amount>", "dollars of credits to add (OCX on a market without credits)")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx job topup 12 25
  $ ocx job topup 12 2.5 --json
`,
    )
    .action(async (id: string, amountText: string, _options: unknown, command: Command) => {
      const leaseId = parseId(id, "the lease id");
      const context = await createContext(command);
      const amount = parsePaymentArgument(amountText, "the amount", context.deployment);
      // Check everything the contract will check before approving, so a refused top-up leaves no approval behind.
      await checkTopUp(context, leaseId, amount);
      await allowSpending(context, context.deployment.marketplace, amount);
      const { receipt, event } = await topUpLeaseSync(await context.walletClient(), {
        deployment: context.deployment,
        leaseId,
        amount,
      });
      const escrow = event.escrow;
      context.print(
        `added ${formatPayment(amount, context.deployment)} to lease #${leaseId}; escrow now ${formatPayment(escrow, context.deployment)}`,
        {
          leaseId,
          amount,
          escrow,
          transaction: receipt.transactionHash,
        },
      );
    });

  job.addCommand(jobShellCommand());
  return job;
}
