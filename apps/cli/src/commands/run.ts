// `ocx run -- <command>`: runs a command on the market as if it ran here — live logs, the results
// on disk, the cost, and the workload's own exit code.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  EXIT,
  extractTarGz,
  type Manifest,
  manifestFromDocument,
  marketplaceAbi,
  NoMatchingOfferError,
  OcxChainError,
  OcxError,
  OcxNoMatchError,
  OcxProviderError,
  OcxUsageError,
  resolveInputs,
  runJob,
  toOcxError,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";
import { parseId, parseOcxArgument } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { describeExit, formatRelative } from "../format.js";
import { asUsageError } from "../jobfile.js";

interface RunOptions {
  gpus: string;
  gpuModel?: string[];
  minVram?: string;
  cpu: string;
  memory: string;
  disk: string;
  maxPrice?: string;
  image?: string;
  input: string[];
  output: string[];
  env: string[];
  network?: boolean;
  duration: string;
  name: string;
  offer?: string;
  results: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function runCommand(): Command {
  return new Command("run")
    .description("run a command on the cheapest matching offer, with live logs; exits with the command's exit code")
    .argument("<command...>", "the command to run (put it after --)")
    .option("--gpus <n>", "GPUs", "0")
    .option("--gpu-model <model>", "acceptable GPU model (repeatable), e.g. nvidia-h100-80gb", collect)
    .option("--min-vram <size>", "least VRAM per GPU, e.g. 40Gi")
    .option("--cpu <cores>", "CPU cores", "1")
    .option("--memory <size>", "memory", "1Gi")
    .option("--disk <size>", "scratch disk", "1Gi")
    .option("--max-price <ocx>", "most you pay per GPU-hour (per hour for CPU jobs), in OCX")
    .option("--image <image>", "container image (docker providers)")
    .option("--input <path>", "file or folder to send along (repeatable)", collect, [])
    .option("--output <path>", "file or folder to bring back (repeatable)", collect, [])
    .option("--env <KEY=VALUE>", "environment variable (repeatable)", collect, [])
    .option("--network", "let the job use the network")
    .option("--duration <time>", "longest the job may run (the escrow covers this)", "10m")
    .option("--name <name>", "job name", "run")
    .option("--offer <id>", "take this offer instead of the cheapest match")
    .option("--results <dir>", "where to unpack the outputs", "ocx-results")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx run --gpus 1 -- python train.py
  $ ocx run --input train.py --output out --max-price 2.5 -- python train.py
  $ ocx run --dev-account 2 --output out -- sh -c 'mkdir -p out && date > out/when.txt'
`,
    )
    .action(async (argv: string[], options: RunOptions, command: Command) => {
      const env: Record<string, string> = {};
      for (const pair of options.env) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new OcxUsageError(`--env must be KEY=VALUE, got "${pair}"`);
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const maxPricePerGpuHour =
        options.maxPrice === undefined ? undefined : parseOcxArgument(options.maxPrice, "--max-price");
      const offerId = options.offer === undefined ? undefined : parseId(options.offer, "--offer");
      let manifest: Manifest;
      try {
        manifest = manifestFromDocument(
          {
            version: 1,
            name: options.name,
            command: argv,
            ...(options.image ? { image: options.image } : {}),
            resources: {
              gpu: {
                count: Number(options.gpus),
                ...(options.gpuModel ? { models: options.gpuModel } : {}),
                ...(options.minVram ? { minVram: options.minVram } : {}),
              },
              cpu: Number(options.cpu),
              memory: options.memory,
              disk: options.disk,
            },
            inputs: options.input.map((p) => ({ path: path.normalize(p).replace(/^(\.\.\/)+/, ""), source: p })),
            outputs: options.output,
            env,
            network: Boolean(options.network),
            maxDuration: options.duration,
            ...(options.maxPrice ? { maxPricePerGpuHour: options.maxPrice } : {}),
          },
          { source: "ocx run" },
        );
      } catch (error) {
        throw asUsageError(error);
      }
      const context = await createContext(command);
      const resolved = await resolveInputs(manifest, process.cwd());
      const started = Date.now();
      const account = await context.account();
      // The job's stdout alone goes to stdout; what ocx says about the run goes to stderr.
      const say = (line: string) => context.progress(line);
      let lease: { leaseId: bigint; endpoint: string } | undefined;
      const auction = auctionWatch(context, say);
      let run: Awaited<ReturnType<typeof runJob>>;
      try {
        run = await runJob({
          publicClient: context.publicClient,
          walletClient: await context.walletClient(),
          account,
          deployment: context.deployment,
          manifest: resolved,
          baseDir: process.cwd(),
          resultsDir: path.resolve(options.results),
          ...(offerId === undefined ? {} : { offerId }),
          ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
          onEvent: (event) => {
            if (event.type === "offer") {
              say(`offer #${event.offer.offerId}: ${formatEther(event.pricePerGpuHour)} OCX per GPU-hour`);
            } else if (event.type === "request") {
              auction.start(event.requestId, Number(event.deadline), event.maxPricePerSecond);
            } else if (event.type === "lease") {
              auction.stop();
              lease = { leaseId: event.leaseId, endpoint: event.endpoint };
              say(`lease #${event.leaseId} with ${event.provider}: ${formatEther(event.deposit)} OCX in escrow`);
            } else if (event.type === "uploaded") {
              say(`uploaded the job and ${event.files} input file(s), ${event.bytes} bytes`);
            } else if (event.type === "started") {
              say(`running… (${Date.now() - started} ms after invocation)`);
            } else if (event.type === "log") {
              if (!context.json) (event.stream === "stdout" ? process.stdout : process.stderr).write(event.chunk);
            } else {
              // Steps the SDK reports beyond these (retries, waits) carry their own line for people.
              const message = (event as { message?: unknown }).message;
              if (typeof message === "string") say(message);
            }
          },
        });
      } catch (error) {
        throw explainRunFailure(error, lease);
      } finally {
        auction.stop();
      }
      // runJob verified the archive against the lease's result hash; unpack it next to where it was saved.
      let unpacked: string | undefined;
      if (run.resultsPath) {
        unpacked = path.resolve(options.results, `lease-${run.leaseId}`);
        await extractTarGz(await readFile(run.resultsPath), unpacked);
      }
      const cost = run.cost;
      const end = describeExit(run.status);
      const lines = [
        end.text,
        `cost ${formatEther(cost.paid)} OCX for ${cost.seconds} s at ${formatEther(cost.pricePerSecond * 3600n)} OCX/h (fee ${formatEther(cost.fee)}); refund ${formatEther(cost.refund)} OCX`,
        ...(unpacked ? [`results in ${path.relative(process.cwd(), unpacked) || "."}`] : []),
      ];
      if (context.json) {
        context.print(lines.join("\n"), {
          leaseId: run.leaseId,
          exitCode: end.exitCode,
          ended: end.text,
          resultHash: run.resultHash,
          results: unpacked,
          cost,
        });
      } else for (const line of lines) say(line);
      process.exitCode = end.exitCode;
    });
}

/**
 * What the user can still do when `ocx run` fails after its lease exists: the lease keeps running on the
 * provider, so say which provider failed and how to follow the job from here.
 */
function explainRunFailure(error: unknown, lease: { leaseId: bigint; endpoint: string } | undefined): unknown {
  if (error instanceof NoMatchingOfferError) {
    return new OcxNoMatchError(error.message.split("\n")[0] ?? "no offer matches the job", {
      details: error.message,
      cause: error,
    });
  }
  if (!lease) return error;
  const failure = toOcxError(error);
  if (failure.exitCode === EXIT.usage || failure.exitCode === EXIT.rejected) return failure;
  const id = lease.leaseId;
  const follow = `lease #${id} still runs: follow it with \`ocx job logs -f ${id}\` and fetch its results with \`ocx job results ${id}\``;
  const summary = failure.shortMessage.replace(/[.;:\s]+$/, "");
  // A bare network failure (no RPC URL on it) came from the provider's API, not from the chain's transport.
  const fromProvider =
    failure instanceof OcxProviderError ||
    failure.exitCode === EXIT.failure ||
    (failure instanceof OcxChainError && failure.url === undefined);
  if (fromProvider) {
    const what =
      failure instanceof OcxProviderError
        ? summary.includes(lease.endpoint)
          ? summary
          : `the provider at ${lease.endpoint} failed: ${summary}`
        : `lost the provider at ${lease.endpoint} (${summary})`;
    return new OcxProviderError(`${what}; ${follow}`, {
      url: lease.endpoint,
      cause: error,
      retryable: failure.retryable,
    });
  }
  return new OcxError(`${summary} (provider ${lease.endpoint}); ${follow}`, {
    cause: error,
    retryable: failure.retryable,
    exitCode: failure.exitCode,
  });
}

/**
 * Shows a reverse auction's progress while `runJob` waits for it: bids so far, the best price, and the seconds left
 * until the deadline (by the wall clock, as the SDK closes it).
 */
function auctionWatch(context: Context, say: (line: string) => void) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    start(requestId: bigint, deadline: number, maxPricePerSecond: bigint) {
      say(
        `no offer matches: posted request #${requestId} for bids up to ${formatEther(maxPricePerSecond * 3600n)} OCX/h; bidding ends ${formatRelative(deadline)}`,
      );
      const report = async () => {
        const bids = await context.publicClient
          .getContractEvents({
            address: context.deployment.marketplace,
            abi: marketplaceAbi,
            eventName: "BidPlaced",
            args: { requestId },
            fromBlock: BigInt(context.deployment.startBlock),
          })
          .catch(() => undefined);
        if (stopped) return;
        const left = Math.max(deadline - Math.floor(Date.now() / 1000), 0);
        const prices = (bids ?? []).map((b) => (b.args as { pricePerSecond?: bigint }).pricePerSecond ?? 0n);
        let best: bigint | undefined;
        for (const price of prices) if (best === undefined || price < best) best = price;
        say(
          `auction #${requestId}: ${bids === undefined ? "?" : prices.length} bid(s)${best === undefined ? "" : `, best ${formatEther(best * 3600n)} OCX/h`}, ${left} s to the deadline`,
        );
      };
      timer = setInterval(() => void report(), 5000);
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
