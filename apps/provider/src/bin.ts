#!/usr/bin/env node
// The provider node's process: `ocx-provider --config provider.yaml` (what `ocx provider start` runs).
import { parseArgs } from "node:util";
import { createLogger } from "@ocx/node-kit";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadConfig } from "./config.js";
import { providerKey } from "./key.js";
import { startProvider } from "./service.js";

const { values } = parseArgs({
  options: {
    config: { type: "string", short: "c", default: "provider.yaml" },
    "log-json": { type: "boolean", default: false },
    "log-level": { type: "string", default: "info" },
  },
});
const log = createLogger({
  json: values["log-json"],
  level: (values["log-level"] as "debug" | "info" | "warn" | "error") ?? "info",
});

try {
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
