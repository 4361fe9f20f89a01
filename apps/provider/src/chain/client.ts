// The provider node's one path to the chain: @ocx/node-kit's chain access (the SDK's typed actions, written
// through the crash-safe transaction sender). Re-exported so the provider node's components import it from here.
export { type ChainAccess, createChainAccess, type ReadClient, type WriteClient } from "@ocx/node-kit";
