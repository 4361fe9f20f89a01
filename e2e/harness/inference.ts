// Inference in the test's own process: the real model server (@ocx/model-server), paid by vouchers and registered in
// the chain's InferenceRegistry, and the real gateway (@ocx/gateway) that finds endpoints there and pays them.
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { type ModelServer, startModelServer } from "@ocx/model-server";
import { type Cleanup, createLogger, localChain } from "@ocx/node-kit";
import { loadDeploymentFile, type PaymentPrice, registerInferenceEndpointSync } from "@ocx/sdk";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * Starts the tiny model's server on a free port, charging `price` by vouchers to the account of `key` (its books in
 * `<dir>/model-server.db`, redeemed only when a test asks), and registers it in the InferenceRegistry from that
 * account: capacity 4, region "local", on no lease. Its close is registered with `defer`.
 * @example
 * const server = await startRegisteredModelServer({ rpcUrl, deploymentFile, key: net.key(2), dir, price,
 *   defer: cleanup.defer });
 */
export async function startRegisteredModelServer(options: {
  rpcUrl: string;
  deploymentFile: string;
  key: `0x${string}`;
  dir: string;
  price: PaymentPrice;
  defer: Cleanup["defer"];
}): Promise<ModelServer> {
  const { rpcUrl, deploymentFile, key, price } = options;
  const server = await startModelServer({
    port: 0,
    price,
    payments: {
      rpcUrl,
      deploymentFile,
      privateKey: key,
      store: path.join(options.dir, "model-server.db"),
      redeemIntervalMs: 0,
    },
  });
  options.defer(() => server.close());
  const deployment = await loadDeploymentFile(deploymentFile);
  const operator = createWalletClient({
    chain: localChain(rpcUrl, deployment.chainId),
    transport: http(rpcUrl),
    account: privateKeyToAccount(key),
  });
  await registerInferenceEndpointSync(operator, {
    deployment,
    model: server.model.name,
    url: server.url,
    pricing: price,
    capacity: 4,
    region: "local",
    leaseId: 0n,
  });
  return server;
}

/**
 * Starts a gateway on a free port: it discovers endpoints in the registry, deposits 1 token into a channel per
 * payee on first use, redeems hourly (never within a test unless asked), and gives a request `deadlineMs` (each try
 * too). Its state goes to `<dir>/gateway`; its close is registered with `defer`.
 * @example
 * const gateway = await startTestGateway({ rpcUrl, deploymentFile, dir, key: net.key(4), deadlineMs: 20_000,
 *   defer: cleanup.defer });
 */
export async function startTestGateway(options: {
  rpcUrl: string;
  deploymentFile: string;
  dir: string;
  key: `0x${string}`;
  deadlineMs: number;
  defer: Cleanup["defer"];
}): Promise<GatewayNode> {
  const config = parseConfig(
    `chain: { rpcUrl: "${options.rpcUrl}", deployment: "${options.deploymentFile}" }
api: { listen: "127.0.0.1:0" }
stateDir: "${path.join(options.dir, "gateway")}"
discovery: { registry: true }
payments: { enabled: true, autoDeposit: "1000000000000000000", redeemIntervalMs: 3600000 }
routing: { deadlineMs: ${options.deadlineMs}, tryTimeoutMs: ${options.deadlineMs} }
`,
  );
  const gateway = await startChainGateway(config, { key: options.key, log: createLogger({ level: "warn" }) });
  options.defer(() => gateway.close());
  return gateway;
}
