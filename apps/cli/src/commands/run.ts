// `ocx run -- <command>`: runs a command on the market as if it ran here — live logs, the results
// on disk, the cost, and the workload's own exit code.
import path from "node:path";
import {
  DEFAULT_MAX_RESULT_BYTES,
  EXIT,
  extractTarGzStream,
  type Manifest,
  manifestFromDocument,
  OcxChainError,
  OcxError,
  OcxProviderError,
  OcxUsageError,
  resolveInputs,
  runJob,
  toOcxError,
} from "@ocx/sdk";
import { Command } from "commander";
import { parseDurationArgument, parseId, parseOcxArgument } from "../chain.js";
import { createContext, pollingIntervalFor } from "../context.js";
import { describeBill, describeExit } from "../format.js";
import { asUsageError } from "../jobfile.js";
import { runReporter } from "../progress.js";

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
  retryFor: string;
  verified?: boolean;
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
    .option(
      "--max-price <usd>",
      "most you pay per GPU-hour (per hour for CPU jobs), in dollars of credits (OCX on a market without credits)",
    )
    .option("--image <image>", "container image (docker providers)")
    .option("--input <path>", "file or folder to send along (repeatable)", collect, [])
    .option("--output <path>", "file or folder to bring back (repeatable)", collect, [])
    .option("--env <KEY=VALUE>", "environment variable (repeatable)", collect, [])
    .option("--network", "let the job use the network")
    .option("--duration <time>", "longest the job may run (the escrow covers this)", "10m")
    .option("--name <name>", "job name", "run")
    .option("--offer <id>", "take this offer instead of the cheapest match")
    .option("--results <dir>", "where to unpack the outputs", "ocx-results")
    .option("--retry-for <time>", "how long to keep retrying a provider that stops answering (a restart)", "60s")
    .option("--verified", "only offers whose GPUs hold a current hardware attestation (manifest placement.verified)")
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
      // A price has 18 decimals in either token ("$1.20" of credits, or OCX): read exactly, "$" allowed.
      const maxPrice = options.maxPrice?.trim().replace(/^\$/, "");
      const maxPricePerGpuHour =
        maxPrice === undefined ? undefined : parseOcxArgument(maxPrice, "--max-price", "dollars");
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
            ...(maxPrice ? { maxPricePerGpuHour: maxPrice } : {}),
            ...(options.verified ? { placement: { verified: true } } : {}),
          },
          { source: "ocx run" },
        );
      } catch (error) {
        throw asUsageError(error);
      }
      const retryFor = parseDurationArgument(options.retryFor, "--retry-for");
      const context = await createContext(command);
      const resolved = await resolveInputs(manifest, process.cwd());
      const report = runReporter(context, Date.now(), manifest.resources.gpu.count || 1);
      let lease: { leaseId: bigint; endpoint: string } | undefined;
      let run: Awaited<ReturnType<typeof runJob>>;
      try {
        run = await runJob({
          publicClient: context.publicClient,
          walletClient: await context.walletClient(),
          account: await context.account(),
          deployment: context.deployment,
          manifest: resolved,
          baseDir: process.cwd(),
          resultsDir: path.resolve(options.results),
          providerRetryMs: retryFor * 1000,
          pollMs: pollingIntervalFor(context.chain.id),
          ...(offerId === undefined ? {} : { offerId }),
          ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
          onEvent: (event) => {
            // The job's stdout alone goes to stdout; what ocx says about the run goes to stderr.
            if (event.type === "log") {
              if (!context.json) (event.stream === "stdout" ? process.stdout : process.stderr).write(event.chunk);
              return;
            }
            if (event.type === "lease") lease = { leaseId: event.leaseId, endpoint: event.endpoint };
            report(event);
          },
        });
      } catch (error) {
        throw explainRunFailure(error, lease);
      }
      // runJob verified the archive against the lease's result hash; unpack it, streamed from disk, beside it.
      let unpacked: string | undefined;
      if (run.resultsPath) {
        unpacked = path.resolve(options.results, `lease-${run.leaseId}`);
        await extractTarGzStream(run.resultsPath, unpacked, { maxBytes: DEFAULT_MAX_RESULT_BYTES });
      }
      const cost = run.cost;
      const end = describeExit(run.status);
      const bill = describeBill(cost, manifest.resources.gpu.count, context.deployment);
      const lines = [
        end.text,
        `cost ${bill.text}`,
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
          bill: bill.json,
        });
      } else for (const line of lines) context.progress(line);
      process.exitCode = end.exitCode;
    });
}

/**
 * What the user can still do when `ocx run` fails after its lease exists: the lease keeps running on the
 * provider, so say which provider failed and how to follow the job from here.
 */
function explainRunFailure(error: unknown, lease: { leaseId: bigint; endpoint: string } | undefined): unknown {
  if (!lease) return error;
  const failure = toOcxError(error);
  if (failure.exitCode === EXIT.usage || failure.exitCode === EXIT.rejected) return failure;
  // The SDK's steps already say how to pick the lease up again when they give up on its provider.
  if (failure.shortMessage.includes(`ocx job logs -f ${lease.leaseId}`)) return failure;
  const id = lease.leaseId;
  const follow = `lease #${id} still runs: follow it with \`ocx job logs -f ${id}\` and fetch its results with \`ocx job results ${id}\``;
  const summary = failure.shortMessage.replace(/[.;:\s]+$/, "");
  // A bare network failure (no RPC URL on it) came from the provider's API, not from the chain's transport.
  const fromProvider =
    failure instanceof OcxProviderError ||
    failure.exitCode === EXIT.failure ||
    (failure instanceof OcxChainError && failure.url === undefined);
  // A provider that answered and refused (4xx) is not lost: say what it said, and where.
  if (failure instanceof OcxProviderError && !failure.retryable) {
    const summaryWithUrl = summary.includes(lease.endpoint) ? summary : `the provider at ${lease.endpoint}: ${summary}`;
    return new OcxProviderError(`${summaryWithUrl}; see the lease with \`ocx job status ${id}\``, {
      url: lease.endpoint,
      cause: error,
      retryable: false,
      ...(failure.status === undefined ? {} : { status: failure.status }),
    });
  }
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
