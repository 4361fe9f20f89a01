// The network a command points at: the JSON-RPC URL, the chain's id and the OCX deployment on it. Kept light
// (viem's bare client and one action, no contract reads) so that a command answered by the indexer, such as
// `ocx market offers`, starts without loading viem's contract actions; `createContext` builds on it.

import {
  type Deployment,
  DeploymentError,
  httpText,
  loadDeployment,
  OcxChainError,
  OcxUsageError,
  resolveRpcUrl,
} from "@ocx/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "./options.js";

/** Where a command acts: its global options (rpcUrl resolved), the chain's id, and the deployment on that chain. */
export interface Network {
  options: GlobalOptions;
  chainId: number;
  deployment: Deployment;
}

/**
 * Resolves `--rpc-url` (a URL or a network name), asks the chain its id (one request) and reads
 * `<deployments>/<chainId>.json`. Errors say which of the three failed and what to do.
 * @example
 * const { chainId, deployment } = await resolveNetwork(command);
 */
export async function resolveNetwork(command: Command): Promise<Network> {
  const options = command.optsWithGlobals() as GlobalOptions;
  try {
    options.rpcUrl = resolveRpcUrl(options.rpcUrl);
  } catch (error) {
    throw new OcxUsageError((error as Error).message.split("\n")[0] ?? String(error), { cause: error });
  }
  const chainId = await askChainId(options.rpcUrl).catch((error: Error) => {
    throw new OcxChainError(
      `cannot reach the chain at ${options.rpcUrl} (${error.message.split("\n")[0]}); start one with \`ocx devnet\` or pass --rpc-url`,
      { url: options.rpcUrl, cause: error },
    );
  });
  const deployment = await loadDeployment(chainId, options.deployments).catch((error: unknown) => {
    if (error instanceof DeploymentError) {
      throw new OcxChainError(error.message.split("\n")[0] ?? error.name, {
        url: options.rpcUrl,
        cause: error,
        retryable: false,
      });
    }
    throw error;
  });
  return { options, chainId, deployment };
}

/**
 * `eth_chainId` over the SDK's `httpText` (node:http), once retried: Node's global fetch (viem's transport) loads
 * undici on first use, about 0.2 s, which a command answered by the indexer does not otherwise need.
 */
async function askChainId(rpcUrl: string, timeoutMs = 10_000): Promise<number> {
  const once = async () => {
    const { status, text } = await httpText(rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      headers: { "content-type": "application/json" },
      timeoutMs,
    });
    const answer = JSON.parse(text) as { result?: string; error?: { message?: string } };
    if (typeof answer.result !== "string") {
      throw new Error(answer.error?.message ?? `HTTP ${status}: ${text.slice(0, 120)}`);
    }
    return Number(BigInt(answer.result));
  };
  return once().catch(() => once());
}
