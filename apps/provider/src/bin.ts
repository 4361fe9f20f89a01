#!/usr/bin/env node
// The provider node's process: `ocx-provider --config provider.yaml` (what `ocx provider start`
// runs), and `ocx-provider init [--out file]`, which prints or writes a commented config built
// from this machine's hardware (what `ocx provider init` runs), and `ocx-provider reap --config
// provider.yaml`, which ends every workload the node left running, with their cgroups (what a
// stopping `ocx devnet` runs; a node that stops leaves its workloads to its next start).
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { createLogger } from "@ocx/node-kit";
import type { Hex } from "viem";
import { configTemplate } from "./config.js";
import { describeHardware } from "./hardware.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: "string", short: "c", default: "provider.yaml" },
    out: { type: "string", short: "o" },
    force: { type: "boolean", default: false },
    "rpc-url": { type: "string" },
    deployment: { type: "string" },
    "state-dir": { type: "string" },
    "log-json": { type: "boolean", default: false },
    "log-level": { type: "string", default: "info" },
  },
});
const log = createLogger({
  json: values["log-json"],
  level: (values["log-level"] as "debug" | "info" | "warn" | "error") ?? "info",
});

/** `ocx-provider init`: the template on stdout, or in `--out` (never over an existing file without --force). */
async function init(): Promise<void> {
  const hardware = await describeHardware({ gpus: { exclude: [], busyUtilizationPct: 10 }, stateDir: os.tmpdir() });
  const text = configTemplate(hardware, {
    ...(values["rpc-url"] ? { rpcUrl: values["rpc-url"] } : {}),
    ...(values.deployment ? { deployment: values.deployment } : {}),
    ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}),
  });
  if (!values.out) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(values.out, text, { flag: values.force ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Error(`${values.out} exists; pass --force to replace it, or --out another file`);
    }
    throw error;
  }
  process.stderr.write(
    `wrote ${values.out} (${hardware.gpus.length > 0 ? `${hardware.gpus.length} GPU(s) found` : "no GPU found: a CPU offer"}); edit the prices, then \`ocx provider start --config ${values.out}\`\n`,
  );
}

/** `ocx-provider reap`: ends every process and cgroup of this node's workloads (by its state folder and key). */
async function reap(): Promise<void> {
  const [{ loadConfig }, { providerKey }, { executorFor }, { workloadTagOf }, { privateKeyToAccount }] =
    await Promise.all([
      import("./config.js"),
      import("./key.js"),
      import("./service.js"),
      import("./leases/context.js"),
      import("viem/accounts"),
    ]);
  const config = await loadConfig(values.config as string);
  const account = privateKeyToAccount((await providerKey(config)) as Hex);
  const prefix = `${workloadTagOf(config.stateDir, account.address)}-`;
  // Service leases first: their services' cgroups sit below the lease's, and each has a network namespace.
  const { reapServiceLeftovers } = await import("./services/reap.js");
  const { detectCgroupHost } = await import("./workload/cgroup.js");
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

try {
  const command = positionals[0] ?? "start";
  if (command === "init") {
    await init();
    process.exit(0);
  }
  if (command === "reap") {
    await reap();
    process.exit(0);
  }
  if (command !== "start")
    throw new Error(
      `unknown command "${command}": use \`ocx-provider [start] --config file\`, \`ocx-provider init [--out file]\` or \`ocx-provider reap --config file\``,
    );
  // The node's modules load only to start it: `init` stays quick.
  const [{ loadConfig }, { providerKey }, { startProvider }, { privateKeyToAccount }] = await Promise.all([
    import("./config.js"),
    import("./key.js"),
    import("./service.js"),
    import("viem/accounts"),
  ]);
  const config = await loadConfig(values.config as string);
  const account = privateKeyToAccount((await providerKey(config)) as Hex);
  const node = await startProvider(config, { account, log, signals: true });
  await node.done;
  log.info("provider node stopped; running workloads keep going and are re-attached on the next start");
  process.exit(0);
} catch (error) {
  log.error((error as Error).message);
  process.exit(1);
}
