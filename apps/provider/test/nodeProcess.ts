// The provider node in a process of its own, for tests that kill it: reads the config file named by
// OCX_TEST_CONFIG and the key in OCX_PROVIDER_KEY, logs JSON lines to stderr, and stops on SIGTERM.
import { createLogger } from "@ocx/node-kit";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadConfig } from "../src/config.js";
import { startProvider } from "../src/service.js";

const log = createLogger({ json: true, level: "info" });
try {
  const config = await loadConfig(process.env.OCX_TEST_CONFIG as string);
  const account = privateKeyToAccount(process.env.OCX_PROVIDER_KEY as Hex);
  const node = await startProvider(config, { account, log, signals: true });
  await node.done;
  log.info("provider node stopped");
  process.exit(0);
} catch (error) {
  log.error((error as Error).message);
  process.exit(1);
}
