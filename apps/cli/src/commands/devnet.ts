// `ocx devnet`: the whole OCX network on this machine — a local chain with the contracts deployed
// and accounts funded, a provider node selling this machine's compute, and a first job run through
// the market — kept up until Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startLocalnet } from "@ocx/node-kit";
import { extractTarGz, parseManifest, resolveInputs, runJob, writeDeployment } from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const require = createRequire(import.meta.url);
const DEMO = fileURLToPath(new URL("../../demo/train.mjs", import.meta.url));
export const PROVIDER_ACCOUNT = 1;
export const BUYER_ACCOUNT = 2;

interface DevnetOptions {
  port: string;
  blockTime?: string;
  stateDir: string;
  provider: boolean;
  demo: boolean;
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
    .option("--no-demo", "do not run the first job")
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
        throw new Error(`--port must be a port number from 1 to 65535, got "${options.port}"`);
      }
      const stateDir = path.resolve(options.stateDir);
      await rm(stateDir, { recursive: true, force: true });
      await mkdir(stateDir, { recursive: true });

      say(`starting anvil on 127.0.0.1:${port} and deploying the OCX contracts…`);
      const net = await startLocalnet({ port, ...(options.blockTime ? { blockTime: Number(options.blockTime) } : {}) });
      const children: ChildProcess[] = [];
      const stop = async () => {
        for (const child of children) child.kill("SIGTERM");
        await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
        await net.stop();
      };
      try {
        const deploymentFile = await writeDeployment(net.deployment, globals.deployments);
        const d = net.deployment;
        say(`chain ${d.chainId} at ${net.anvil.rpcUrl}
  OcxToken     ${d.token}
  Registry     ${d.registry}
  Marketplace  ${d.marketplace}
  written to   ${deploymentFile}
  accounts 1–9 hold 100000 OCX each (anvil's public test keys: never use them on a real network)`);

        let providerUrl: string | undefined;
        if (options.provider) {
          providerUrl = await startProviderProcess(net, stateDir, path.resolve(deploymentFile), children, say);
        }
        const summary: Record<string, unknown> = { rpcUrl: net.anvil.rpcUrl, deploymentFile, ...d, providerUrl };

        if (options.provider && options.demo) {
          say("\nrunning the first job through the market (a small training loop)…");
          const jobDir = path.join(stateDir, "demo");
          await mkdir(jobDir, { recursive: true });
          await writeFile(
            path.join(jobDir, "train.mjs"),
            await import("node:fs/promises").then((fs) => fs.readFile(DEMO)),
          );
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
          if (run.resultsPath) await extractTarGz(await readFile(run.resultsPath), results);
          say(`  exit code ${run.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s
  cost ${formatEther(cost.paid)} OCX for ${cost.seconds} s at ${formatEther(cost.pricePerSecond * 3600n)} OCX/h (fee ${formatEther(cost.fee)} OCX, burned); refund ${formatEther(cost.refund)} OCX
  results (sha256 ${run.resultHash}, checked against the chain) in ${path.relative(process.cwd(), results)}/`);
          summary.demo = { leaseId: run.leaseId, exitCode: run.exitCode, results, cost };
        }
        if (json)
          process.stdout.write(`${JSON.stringify(summary, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
        say(`
The network stays up. In another terminal, try:
  npx ocx --dev-account 2 market offers
  npx ocx --dev-account 2 run --output out -- sh -c 'mkdir -p out; uname -a | tee out/host.txt'
Press Ctrl-C to stop.`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        say("\nstopping the provider node and the chain…");
      } finally {
        await stop();
      }
    });
}

/** Starts the provider node as its own process (apps talk across processes, never by import). */
async function startProviderProcess(
  net: Awaited<ReturnType<typeof startLocalnet>>,
  stateDir: string,
  deploymentFile: string,
  children: ChildProcess[],
  say: (line: string) => void,
): Promise<string> {
  const apiPort = await freePort();
  const config = path.join(stateDir, "provider.yaml");
  await writeFile(
    config,
    `# Written by \`ocx devnet\`: a provider selling this machine's CPU (or its GPUs) on the local chain.
chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${apiPort}" }
region: local
stake: "1000"
stateDir: provider
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 1024, diskMiB: 2048, maxLeases: 4, minDuration: 10 }
bidding: { enabled: true, pricing: { type: fixed, pricePerGpuHour: "0.36" } }
withdrawIntervalSeconds: 60
`,
  );
  const bin = path.join(path.dirname(require.resolve("@ocx/provider/package.json")), "dist", "bin.js");
  const child = spawn(process.execPath, [bin, "--config", config], {
    env: { ...process.env, OCX_PROVIDER_KEY: net.key(PROVIDER_ACCOUNT) },
    stdio: ["ignore", "inherit", "pipe"],
  });
  children.push(child);
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
