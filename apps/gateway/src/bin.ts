#!/usr/bin/env node
// The gateway's process: `ocx-gateway start --config gateway.yaml` runs it until a signal;
// `ocx-gateway init [--out file]` prints or writes a commented config (node-kit's runDaemonCli).
import { runDaemonCli } from "@ocx/node-kit";
import { configTemplate } from "./config.js";

await runDaemonCli({
  name: "ocx-gateway",
  description:
    "the OCX inference gateway: an OpenAI-compatible API over the market's inference endpoints, paid by vouchers",
  configDefault: "gateway.yaml",
  template: configTemplate,
  initHint: (file) =>
    `wrote ${file}; fund the gateway's key with the payment token, then \`OCX_GATEWAY_KEY=0x… ocx-gateway start --config ${file}\``,
  async start({ configFile, overrides, log }) {
    // The daemon's modules load only to start it: `init` stays quick.
    const [{ loadConfig }, { startChainGateway }] = await Promise.all([import("./config.js"), import("./chain.js")]);
    return startChainGateway(await loadConfig(configFile, { overrides }), { log });
  },
  stoppedMessage: "gateway stopped",
});
