// `ocx devnet`: the whole OCX network on this machine — a local chain with the contracts deployed
// and accounts funded, a provider node selling this machine's compute, and a first job run through
// the market — kept up until Ctrl-C.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startLocalnet } from "@ocx/node-kit";
import {
  DEFAULT_CREDITS,
  DEFAULT_MAX_RESULT_BYTES,
  extractTarGzStream,
  OcxUsageError,
  parseManifest,
  resolveInputs,
  runJob,
  toFeedPrice,
  writeDeployment,
} from "@ocx/sdk";
import { Command } from "commander";
import { privateKeyToAccount } from "viem/accounts";
import { describeBill } from "../format.js";
import { type DevnetGovernance, governDevnet } from "./devnetGovernance.js";
import { startIndexerProcess, waitIndexed } from "./devnetIndexer.js";
import { admitDevnetValidator, hasTrustContracts, startValidatorProcess, waitVerified } from "./devnetValidator.js";

const require = createRequire(import.meta.url);
const DEMO = fileURLToPath(new URL("../../demo/train.mjs", import.meta.url));
export const PROVIDER_ACCOUNT = 1;
export const BUYER_ACCOUNT = 2;

interface DevnetOptions {
  port: string;
  blockTime?: string;
  stateDir: string;
  provider: boolean;
  validator: boolean;
  indexer: boolean;
  demo: boolean;
  /** Dollars per OCX the devnet's OCX/USD feed starts at (default: DEFAULT_CREDITS, $0.50). */
  ocxPrice?: string;
  /** Deploy OcxGovernor + OcxTimelock and hand them every admin role (default on). */
  governance: boolean;
  json?: boolean;
}

export function devnetCommand(): Command {
  return new Command("devnet")
    .description(
      "start a local OCX network: anvil with the contracts, funded accounts, a provider node, and a first job",
    )
    .option("-p, --port <port>", "RPC port on 127.0.0.1", "8545")
    .option("--block-time <seconds>", "mine a block every N seconds instead of on every transaction")
    .option(
      "--state-dir <dir>",
      "the local network's files (provider state, job results); wiped on start",
      ".ocx/devnet",
    )
    .option("--no-provider", "do not start a provider node")
    .option("--no-validator", "do not start a validator (it challenges the provider and attests it)")
    .option("--no-indexer", "do not start the indexer (apps/indexer: offer discovery, network figures, dashboard)")
    .option("--no-demo", "do not run the first job")
    .option("--no-governance", "keep every admin role with account 0 instead of a governor and timelock")
    .option(
      "--ocx-price <usd>",
      "the OCX/USD price the devnet's feed starts at, e.g. 0.50 (default 0.50); the market settles in $1 credits",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ ocx devnet                      # chain on http://127.0.0.1:8545, a provider, a first job
  $ ocx devnet --no-demo --port 9545
Then, in another terminal:
  $ npx ocx --dev-account 2 market offers
  $ npx ocx --dev-account 2 run -- node -e 'console.log(6 * 7)'
`,
    )
    .action(async (options: DevnetOptions, command: Command) => {
      const globals = command.optsWithGlobals() as { json?: boolean; deployments: string };
      const json = Boolean(globals.json);
      const say = json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new OcxUsageError(`--port must be a port number from 1 to 65535, got "${options.port}"`);
      }
      // Checked before anything starts: a price that is not a positive decimal is a usage error naming it.
      const credits = { ocxPriceUsd: options.ocxPrice ?? DEFAULT_CREDITS.ocxPriceUsd };
      toFeedPrice(credits.ocxPriceUsd);
      const stateDir = path.resolve(options.stateDir);
      await rm(stateDir, { recursive: true, force: true });
      await mkdir(stateDir, { recursive: true });

      // Ctrl-C or SIGTERM at any moment, start-up included, stops everything this command started.
      let signalled = false;
      let onSignal = () => {};
      const stopRequested = new Promise<void>((resolve) => {
        onSignal = () => {
          signalled = true;
          resolve();
        };
      });
      // `on`, not `once`: the handler must stay registered while the signal is handled, so that node-kit's
      // last-resort handler (which kills children and re-raises when no one else listens) sees it and stands back.
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);

      say(`starting anvil on 127.0.0.1:${port} and deploying the OCX contracts…`);
      const net = await startLocalnet({
        port,
        ...(options.blockTime ? { blockTime: Number(options.blockTime) } : {}),
        ...(credits ? { deploy: { credits } } : {}),
      });
      const children: ChildProcess[] = [];
      const state = { stopping: false };
      let governance: DevnetGovernance | undefined;
      const stop = async () => {
        state.stopping = true;
        governance?.stop();
        await Promise.all(children.map((child) => stopChild(child)));
        // Workloads outlive their node by design (a restarted node re-attaches them); a devnet that stops takes
        // them with it, also those of a provider that was killed before it could end them.
        await reapProviderWorkloads(path.join(stateDir, "provider", "provider.yaml"), net.key(PROVIDER_ACCOUNT));
        await net.stop();
      };
      const startUp = async () => {
        // The validator is admitted with the deployer's VALIDATOR_ADMIN_ROLE, before governance takes it.
        const admitValidator = options.validator && hasTrustContracts(net.deployment);
        if (admitValidator) await admitDevnetValidator(net);
        if (options.governance) {
          say("deploying governance (OcxGovernor, OcxTimelock) and delegating the dev accounts' votes…");
          governance = await governDevnet(net, options.blockTime ? { blockTime: Number(options.blockTime) } : {});
        }
        const deploymentFile = await writeDeployment(net.deployment, globals.deployments);
        const d = net.deployment;
        say(`chain ${d.chainId} at ${net.anvil.rpcUrl}
  OcxToken     ${d.token}
  Registry     ${d.registry}
  Marketplace  ${d.marketplace}${d.credits ? `\n  OcxCredits   ${d.credits} (OCX/USD feed ${d.priceFeed} at $${credits?.ocxPriceUsd}; \`ocx credits price --set\` moves it)` : ""}
${
  governance
    ? `  governance   ${governance.summary}
`
    : ""
}  written to   ${deploymentFile}
  accounts 1–9 hold 100000 OCX and $100000 of credits each (anvil's public test keys: never use them on a real network)`);

        let indexerUrl: string | undefined;
        if (options.indexer) {
          say("starting the indexer (apps/indexer, PGlite in the state directory)…");
          indexerUrl = await startIndexerProcess(net.anvil.rpcUrl, stateDir, path.resolve(deploymentFile), {
            children,
            say,
            state,
          });
        }
        let providerUrl: string | undefined;
        let executor: Executor | undefined;
        if (options.provider) {
          executor = chooseExecutor((line) => process.stderr.write(`${line}\n`));
          providerUrl = await startProviderProcess(net, stateDir, path.resolve(deploymentFile), executor, {
            children,
            say,
            state,
          });
        }
        let validatorUrl: string | undefined;
        if (admitValidator) {
          validatorUrl = await startValidatorProcess(net, stateDir, path.resolve(deploymentFile), {
            children,
            say,
            state,
          });
          if (options.provider) {
            const provider = net.wallet(PROVIDER_ACCOUNT).account.address;
            say(`waiting for the validator to challenge the provider and attest it…`);
            say(
              (await waitVerified(net, provider))
                ? `  provider ${provider} is verified: its CPU offer holds a current attestation`
                : `  provider ${provider} is not verified yet; see the validator's log (${validatorUrl}/status)`,
            );
          }
        }
        if (indexerUrl) {
          const head = await net.publicClient.getBlockNumber();
          if (!(await waitIndexed(indexerUrl, head)))
            say(
              `  the indexer has not reached block ${head} yet: offers may take a moment to show (${indexerUrl}/info)`,
            );
        }
        const summary: Record<string, unknown> = {
          rpcUrl: net.anvil.rpcUrl,
          deploymentFile,
          ...d,
          providerUrl,
          validatorUrl,
          indexerUrl,
          ...(executor ? { executor, sandboxed: executor === "bwrap" } : {}),
        };

        if (options.provider && options.demo) {
          say("\nrunning the first job through the market (a small training loop)…");
          const jobDir = path.join(stateDir, "demo");
          await mkdir(jobDir, { recursive: true });
          await writeFile(path.join(jobDir, "train.mjs"), await readFile(DEMO));
          const manifest = await resolveInputs(
            parseManifest(
              `version: 1
name: devnet-demo
command: [node, train.mjs]
resources: { cpu: 1, memory: 256Mi, disk: 64Mi }
inputs: [{ path: train.mjs, source: train.mjs }]
outputs: [out]
maxDuration: 2m
`,
              { source: "demo manifest" },
            ),
            jobDir,
          );
          const account = privateKeyToAccount(net.key(BUYER_ACCOUNT));
          const started = Date.now();
          const run = await runJob({
            publicClient: net.publicClient,
            walletClient: net.wallet(BUYER_ACCOUNT),
            account,
            deployment: d,
            manifest,
            baseDir: jobDir,
            resultsDir: path.join(stateDir, "results"),
            onEvent: (event) => {
              if (event.type === "lease") say(`  lease #${event.leaseId} with provider ${event.provider}`);
              if (event.type === "log" && !json) process.stdout.write(event.chunk);
            },
          });
          const cost = run.cost;
          const results = path.join(stateDir, "results", `lease-${run.leaseId}`);
          if (run.resultsPath) {
            await extractTarGzStream(run.resultsPath, results, { maxBytes: DEFAULT_MAX_RESULT_BYTES });
          }
          say(`  exit code ${run.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s
  cost ${describeBill(cost, 0, d).text}
  results (sha256 ${run.resultHash}, checked against the chain) in ${path.relative(process.cwd(), results)}/`);
          summary.demo = { leaseId: run.leaseId, exitCode: run.exitCode, results, cost };
        }
        governance?.startClock();
        if (json)
          process.stdout.write(`${JSON.stringify(summary, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
        say(`
The network stays up. In another terminal, try:
  npx ocx --dev-account 2 market offers
  npx ocx --dev-account 2 run --output out -- sh -c 'mkdir -p out; uname -a | tee out/host.txt'
Press Ctrl-C to stop.`);
      };
      const started = startUp();
      started.catch(() => {}); // awaited below; a failure after a stop request has no one left to tell
      try {
        await Promise.race([started, stopRequested]);
        await stopRequested;
        say("\nstopping the provider node and the chain…");
      } finally {
        await stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      // A stop requested during start-up leaves its steps pending: end here rather than wait for them.
      if (signalled) process.exit(0);
    });
}

/** How the devnet's provider runs jobs: in bubblewrap's sandbox, or as plain processes where bubblewrap is missing. */
export type Executor = "bwrap" | "process";

/**
 * The sandbox when this machine has it; otherwise the unsandboxed process executor, announced loudly, so that
 * a fresh machine still gets a working network. `OCX_BWRAP` names the bubblewrap binary (default /usr/bin/bwrap).
 */
export function chooseExecutor(say: (line: string) => void): Executor {
  const bwrap = process.env.OCX_BWRAP ?? "/usr/bin/bwrap";
  const setpriv = "/usr/bin/setpriv"; // a root node drops to nobody with it before bwrap
  const missing = !existsSync(bwrap)
    ? `bubblewrap was not found at ${bwrap}`
    : spawnSync(bwrap, ["--version"], { timeout: 5000 }).status !== 0
      ? `${bwrap} --version failed`
      : process.getuid?.() === 0 && !existsSync(setpriv)
        ? `${setpriv} (util-linux) was not found`
        : undefined;
  if (!missing) return "bwrap";
  const lines = [
    `NO SANDBOX: ${missing}.`,
    "The devnet's provider runs jobs as plain processes of this user (executor: process):",
    "they can read and write whatever you can. Use it only for your own jobs.",
    "For the sandbox: apt-get install bubblewrap (and util-linux for setpriv), then restart.",
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "!".repeat(width + 6);
  say(["", bar, ...lines.map((l) => `!! ${l.padEnd(width)} !!`), bar, ""].join("\n"));
  return "process";
}

/** Ends a child process and waits for it, whether it is running, already exited, or was killed by a signal. */
async function stopChild(child: ChildProcess): Promise<void> {
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  if (ended()) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000).unref());
  if ((await Promise.race([exited, timeout])) === "timeout" && !ended()) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** The provider node's entry point (`@ocx/provider`'s dist/bin.js). */
const providerBin = () => path.join(path.dirname(require.resolve("@ocx/provider/package.json")), "dist", "bin.js");

/**
 * Runs `ocx-provider reap` for the devnet's provider: every process and cgroup of its workloads ends. A config
 * that was never written (a start-up that failed early) has nothing to reap.
 */
async function reapProviderWorkloads(config: string, key: string): Promise<void> {
  if (!existsSync(config)) return;
  const child = spawn(process.execPath, [providerBin(), "reap", "--config", config], {
    env: { ...process.env, OCX_PROVIDER_KEY: key },
    stdio: "ignore",
  });
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
}

/** Starts the provider node as its own process (apps talk across processes, never by import). */
async function startProviderProcess(
  net: Awaited<ReturnType<typeof startLocalnet>>,
  stateDir: string,
  deploymentFile: string,
  executor: Executor,
  { children, say, state }: { children: ChildProcess[]; say: (line: string) => void; state: { stopping: boolean } },
): Promise<string> {
  const apiPort = await freePort();
  // The config sits inside the provider's state folder, which the sandbox hides from jobs.
  const providerDir = path.join(stateDir, "provider");
  await mkdir(providerDir, { recursive: true });
  const config = path.join(providerDir, "provider.yaml");
  await writeFile(
    config,
    `# Written by \`ocx devnet\`: a provider selling this machine's CPU (or its GPUs) on the local chain.
chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${apiPort}" }
region: local
stake: "1000"
stateDir: .
executor: ${executor}
${executor === "process" ? "allowUnsandboxed: true             # no bubblewrap on this machine (see the banner)\n" : ""}# A development machine is often offline: a job naming an image that cannot be had runs on the host's
# programs, with a warning in its log (a real provider refuses it; docs/images.md).
images: { fallbackToHostRoot: true }
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 1024, diskMiB: 2048, maxLeases: 4, minDuration: 10 }
bidding: { enabled: true, pricing: { type: fixed, pricePerGpuHour: "0.36" } }
withdrawIntervalSeconds: 60
`,
  );
  const child = spawn(process.execPath, [providerBin(), "--config", config], {
    env: { ...process.env, OCX_PROVIDER_KEY: net.key(PROVIDER_ACCOUNT) },
    stdio: ["ignore", "inherit", "pipe"],
  });
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!state.stopping)
      say(`the provider node exited (${signal ?? `code ${code}`}); the chain stays up, Ctrl-C stops it`);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line) process.stderr.write(`  provider │ ${line}\n`);
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the provider node exited with code ${child.exitCode}; see its log above`);
    const ready = await fetch(`${url}/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error("the provider node did not become ready within 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`provider node ready at ${url} (config ${config})`);
  return url;
}
