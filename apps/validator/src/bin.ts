#!/usr/bin/env node
// The validator daemon's process: `ocx-validator start --config validator.yaml` runs it until a
// signal; `ocx-validator init [--out file]` prints or writes a commented config (node-kit's runDaemonCli).
import { runDaemonCli } from "@ocx/node-kit";
import { configTemplate } from "./config.js";

await runDaemonCli({
  name: "ocx-validator",
  description:
    "the OCX validator daemon: challenges providers' GPUs with proofs of compute, attests on-chain, proves faults",
  configDefault: "validator.yaml",
  template: configTemplate,
  initHint: (file) =>
    `wrote ${file}; admit the validator's address on-chain, then \`OCX_VALIDATOR_KEY=0x… ocx-validator start --config ${file}\``,
  async start({ configFile, overrides, log }) {
    // The daemon's modules load only to start it: `init` stays quick.
    const [{ loadConfig }, { validatorKey }, { startValidator }, { privateKeyToAccount }] = await Promise.all([
      import("./config.js"),
      import("./key.js"),
      import("./node.js"),
      import("viem/accounts"),
    ]);
    const config = await loadConfig(configFile, { overrides });
    const account = privateKeyToAccount(await validatorKey(config));
    return startValidator(config, { account, log });
  },
  stoppedMessage: "validator stopped; challenges in flight resume on the next start",
});
