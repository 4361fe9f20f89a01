// The real inference gateway (@ocx/gateway) in the test's process, configured as the e2e tests use it: endpoints
// found in the chain's InferenceRegistry, paid by vouchers, redeemed only when a test asks.
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { type Cleanup, createLogger } from "@ocx/node-kit";

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
