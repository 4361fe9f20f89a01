// `ocx devnet`: the whole OCX network on this machine — a local chain with the contracts deployed
// and accounts funded — kept up until Ctrl-C.
import { startLocalnet } from "@ocx/node-kit";
import { writeDeployment } from "@ocx/sdk";
import { Command } from "commander";
import { formatEther } from "viem";

export function devnetCommand(): Command {
  return new Command("devnet")
    .description("start a local OCX network: anvil, the contracts deployed, accounts 1–9 funded with OCX")
    .option("-p, --port <port>", "RPC port on 127.0.0.1", "8545")
    .option("--block-time <seconds>", "mine a block every N seconds instead of on every transaction")
    .option("--deployments <dir>", "where to write <chainId>.json", "deployments")
    .option("--json", "print the deployment as JSON and nothing else")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx devnet                 # chain on http://127.0.0.1:8545, deployments/31337.json
  $ ocx devnet --port 9545 --json
`,
    )
    .action(async (options: { port: string; blockTime?: string; deployments: string; json?: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`--port must be a port number from 1 to 65535, got "${options.port}"`);
      }
      const log = options.json ? () => {} : (line: string) => console.log(line);
      log(`starting anvil on 127.0.0.1:${port} and deploying the OCX contracts…`);
      const net = await startLocalnet({
        port,
        ...(options.blockTime ? { blockTime: Number(options.blockTime) } : {}),
      });
      const file = await writeDeployment(net.deployment, options.deployments);
      const accounts = Array.from({ length: 10 }, (_, i) => ({
        index: i,
        address: net.wallet(i).account.address,
        privateKey: net.key(i),
      }));
      if (options.json) {
        console.log(JSON.stringify({ rpcUrl: net.anvil.rpcUrl, deploymentFile: file, ...net.deployment, accounts }));
      } else {
        const d = net.deployment;
        log(`
OCX local network is up (chain ${d.chainId})
  RPC          ${net.anvil.rpcUrl}
  OcxToken     ${d.token}
  Registry     ${d.registry}
  Marketplace  ${d.marketplace}
  written to   ${file}

Accounts (anvil's well-known test keys — never use them on a real network):
  0  ${accounts[0]!.address}  deployer, admin and treasury
${accounts
  .slice(1)
  .map((a) => `  ${a.index}  ${a.address}  ${formatEther(100000n * 10n ** 18n)} OCX`)
  .join("\n")}

Press Ctrl-C to stop.`);
      }
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log("\nstopping the local network…");
      await net.stop();
    });
}
