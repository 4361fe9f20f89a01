// Ponder's configuration, built from the environment and the deployment file:
//   OCX_RPC_URL              the chain's JSON-RPC URL (required)
//   OCX_DEPLOYMENT_FILE      deployments/<chainId>.json written by the deployer (required): addresses + start block
//   DATABASE_URL             PostgreSQL connection string; without it the embedded PGlite is used
//   OCX_INDEXER_DATA         PGlite's directory (default .ponder/pglite under the indexer's root)
//   OCX_POLL_MS              how often the chain is polled for new blocks, ms (default 250)
import { createConfig } from "ponder";
import { loadIndexedDeployment } from "./contracts";

const rpc = process.env.OCX_RPC_URL;
if (!rpc) throw new Error("OCX_RPC_URL is not set: the indexer needs the chain's JSON-RPC URL");
const deployment = loadIndexedDeployment();

const contracts = Object.fromEntries(
  deployment.contracts.map((c) => [
    c.name,
    { abi: c.abi, chain: "ocx", address: c.address, startBlock: deployment.startBlock },
  ]),
);

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.OCX_INDEXER_DATA ?? ".ponder/pglite" },
  chains: {
    ocx: {
      id: deployment.chainId,
      rpc,
      pollingInterval: Number(process.env.OCX_POLL_MS ?? 250),
      disableCache: true,
    },
  },
  // biome-ignore lint/suspicious/noExplicitAny: the contract set is built at run time from the deployment file
  contracts: contracts as any,
  blocks: {
    Head: { chain: "ocx", startBlock: deployment.startBlock, interval: 1 },
  },
});
