#!/usr/bin/env node
// The gateway's process: `ocx-gateway start --config gateway.yaml` runs it until a signal;
// `ocx-gateway init [--out file]` prints or writes a commented config.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createLogger } from "@ocx/node-kit";
import { configTemplate } from "./config.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: "string", short: "c", default: "gateway.yaml" },
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

/** `ocx-gateway init`: the template on stdout, or in `--out` (never over an existing file without --force). */
async function init(): Promise<void> {
  const text = configTemplate({
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
    `wrote ${values.out}; fund the gateway's key with the payment token, then \`OCX_GATEWAY_KEY=0x… ocx-gateway start --config ${values.out}\`\n`,
  );
}

try {
  const command = positionals[0] ?? "start";
  if (command === "init") {
    await init();
    process.exit(0);
  }
  if (command !== "start") {
    throw new Error(
      `unknown command "${command}": use \`ocx-gateway [start] --config file\` or \`ocx-gateway init [--out file]\``,
    );
  }
  // The daemon's modules load only to start it: `init` stays quick.
  const [{ loadConfig }, { startChainGateway }] = await Promise.all([import("./config.js"), import("./chain.js")]);
  const config = await loadConfig(values.config as string);
  const gateway = await startChainGateway(config, { log, signals: true });
  await gateway.done;
  log.info("gateway stopped");
  process.exit(0);
} catch (error) {
  log.error((error as Error).message);
  process.exit(1);
}
