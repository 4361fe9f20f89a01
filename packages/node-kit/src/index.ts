// @ocx/node-kit: what every OCX daemon and tool shares.
export * from "./anvil.js";
export * from "./chainAccess.js";
export * from "./daemon.js";
export * from "./daemonApi.js";
export * from "./daemonCli.js";
export * from "./daemonConfig.js";
export * from "./daemonKey.js";
export * from "./localnet.js";
export * from "./logger.js";
export * from "./machine.js";
export * from "./metrics.js";
export * from "./processes.js";
export * from "./shutdown.js";
export * from "./store.js";
export * from "./txsender.js";
