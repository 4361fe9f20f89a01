// @ocx/node-kit: what every OCX daemon and tool shares.
export * from "./anvil.js";
export * from "./localnet.js";
