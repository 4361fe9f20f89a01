#!/usr/bin/env node
// The provider node's process: `ocx-provider --config provider.yaml` (what `ocx provider start`
// runs), and `ocx-provider init [--out file]`, which prints or writes a commented config built
// from this machine's hardware (what `ocx provider init` runs), and `ocx-provider reap --config
// provider.yaml`, which ends every workload the node left running, with their cgroups (what a
// stopping `ocx devnet` runs; a node that stops leaves its workloads to its next start).
// The command line itself (flags, logging, init's write, signals, exit codes) is node-kit's runDaemonCli.
import os from "node:os";
import { type DaemonStartContext, readDaemonKey, runDaemonCli } from "@ocx/node-kit";
import { configTemplate, type ProviderConfig } from "./config.js";
import { describeHardware, type Hardware } from "./hardware.js";

/** The config and account of the node the context's config file describes. */
async function nodeOf({ configFile, overrides }: DaemonStartContext) {
  const [{ loadConfig }, { privateKeyToAccount }] = await Promise.all([import("./config.js"), import("viem/accounts")]);
  const config: ProviderConfig = await loadConfig(configFile, { overrides });
  return { config, account: privateKeyToAccount(await readDaemonKey(config.wallet, "provider")) };
}

/** `ocx-provider reap`: ends every process and cgroup of this node's workloads (by its state folder and key). */
async function reap(context: DaemonStartContext): Promise<void> {
  const { log } = context;
  const { config, account } = await nodeOf(context);
  const [{ executorFor }, { workloadTagOf }, { reapServiceLeftovers }, { detectCgroupHost }] = await Promise.all([
    import("./service.js"),
    import("./leases/context.js"),
    import("./services/reap.js"),
    import("./workload/cgroup.js"),
  ]);
  const prefix = `${workloadTagOf(config.stateDir, account.address)}-`;
  // Service leases first: their services' cgroups sit below the lease's, and each has a network namespace.
  const services = await reapServiceLeftovers(await detectCgroupHost(), () => false, { prefix });
  for (const warning of services.warnings) log.warn(`reaping services: ${warning}`);
  for (const ns of services.namespaces) log.info("deleted the network namespace of a service lease", { netns: ns });
  const report = await executorFor(config).reap(() => false, { prefix });
  for (const warning of report.warnings) log.warn(`reaping: ${warning}`);
  for (const r of report.reaped) {
    log.info("ended a workload the node left running", {
      workload: r.workloadName,
      pids: r.pids.join(","),
      cgroups: r.cgroups.length,
    });
  }
}

let hardware: Hardware | undefined;
await runDaemonCli({
  name: "ocx-provider",
  description: "the OCX provider node: stakes, publishes offers, runs leases in a sandbox and gets paid",
  configDefault: "provider.yaml",
  async template(flags) {
    hardware = await describeHardware({ gpus: { exclude: [], busyUtilizationPct: 10 }, stateDir: os.tmpdir() });
    return configTemplate(hardware, flags);
  },
  initHint: (file) =>
    `wrote ${file} (${hardware?.gpus.length ? `${hardware.gpus.length} GPU(s) found` : "no GPU found: a CPU offer"}); edit the prices, then \`ocx provider start --config ${file}\``,
  async start(context) {
    // The node's modules load only to start it: `init` stays quick.
    const { config, account } = await nodeOf(context);
    const { startProvider } = await import("./service.js");
    return startProvider(config, { account, log: context.log });
  },
  stoppedMessage: "provider node stopped; running workloads keep going and are re-attached on the next start",
  commands: {
    reap: {
      help: "reap --config file   end every workload (and cgroup) this node left running",
      run: reap,
    },
  },
});
