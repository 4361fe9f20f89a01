// `ocx run -- <command>`: runs a command on the market as if it ran here — live logs, the results
// on disk, the cost, and the workload's own exit code.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  extractTarGz,
  manifestFromDocument,
  NoMatchingOfferError,
  parseOcxAmount,
  resolveInputs,
  runJob,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";
import { CliError, createContext, EXIT } from "../context.js";

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
      const context = await createContext(command);
      const env: Record<string, string> = {};
      for (const pair of options.env) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new CliError(`--env must be KEY=VALUE, got "${pair}"`, EXIT.usage);
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const manifest = manifestFromDocument(
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
      const resolved = await resolveInputs(manifest, process.cwd());
      const started = Date.now();
      const account = await context.account();
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
          ...(options.offer ? { offerId: BigInt(options.offer) } : {}),
          ...(options.maxPrice ? { maxPricePerGpuHour: parseOcxAmount(options.maxPrice) } : {}),
          onEvent: (event) => {
            if (event.type === "offer") {
              context.progress(`offer #${event.offer.offerId}: ${formatEther(event.pricePerGpuHour)} OCX per GPU-hour`);
            } else if (event.type === "lease") {
              context.progress(
                `lease #${event.leaseId} with ${event.provider}: ${formatEther(event.deposit)} OCX in escrow`,
              );
            } else if (event.type === "uploaded") {
              context.progress(`uploaded the job and ${event.files} input file(s), ${event.bytes} bytes`);
            } else if (event.type === "started") {
              context.progress(`running… (${Date.now() - started} ms after invocation)`);
            } else if (event.type === "log" && !context.json) {
              (event.stream === "stdout" ? process.stdout : process.stderr).write(event.chunk);
            }
          },
        });
      } catch (error) {
        if (error instanceof NoMatchingOfferError) throw new CliError(error.message, EXIT.noMatch);
        throw error;
      }
      // runJob verified the archive against the lease's result hash; unpack it next to where it was saved.
      let unpacked: string | undefined;
      if (run.resultsPath) {
        unpacked = path.resolve(options.results, `lease-${run.leaseId}`);
        await extractTarGz(await readFile(run.resultsPath), unpacked);
      }
      const cost = run.cost;
      context.print(
        [
          `exit code ${run.exitCode}${run.status.oomKilled ? " (killed for exceeding its memory limit)" : ""}`,
          `cost ${formatEther(cost.paid)} OCX for ${cost.seconds} s at ${formatEther(cost.pricePerSecond * 3600n)} OCX/h (fee ${formatEther(cost.fee)}); refund ${formatEther(cost.refund)} OCX`,
          ...(unpacked ? [`results in ${path.relative(process.cwd(), unpacked) || "."}`] : []),
        ].join("\n"),
        { leaseId: run.leaseId, exitCode: run.exitCode, resultHash: run.resultHash, results: unpacked, cost },
      );
      process.exitCode = run.exitCode < 0 ? EXIT.failure : run.exitCode;
    });
}
