// The gateway on a chain: its key, the deployment, the payment roles (buyers' PaymentReceiver, the paying fetch
// to endpoints) and the InferenceRegistry reader, wired into `startGateway`.
import path from "node:path";
import { connectChain, type Logger, readDaemonKey } from "@ocx/node-kit";
import { type ChannelsDeployment, createPaymentFetch, createPaymentReceiver } from "@ocx/sdk";
import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { GatewayConfig } from "./config.js";
import { type GatewayNode, type GatewayPayments, startGateway } from "./node.js";
import { receiverPayments } from "./payments.js";
import { readRegistryEndpoints } from "./registry.js";

/** Returns the gateway's private key, or throws saying where it was looked for. */
export const gatewayKey = (config: Pick<GatewayConfig, "wallet">): Promise<Hex> =>
  readDaemonKey(config.wallet, "gateway");

/**
 * Starts a gateway for `config` with its chain parts: discovery from the InferenceRegistry (with reputation and
 * verified status) and payments through PaymentChannels, as the config asks.
 * @example
 * const gateway = await startChainGateway(await loadConfig("gateway.yaml"), { log, key: "0x…" });
 */
export async function startChainGateway(
  config: GatewayConfig,
  options: { log?: Logger; signals?: boolean; key?: Hex } = {},
): Promise<GatewayNode> {
  if (!config.chain) {
    return startGateway(config, options);
  }
  const { rpcUrl } = config.chain;
  const { deployment, chain, publicClient } = await connectChain({ rpcUrl, deploymentFile: config.chain.deployment });
  const needsKey = config.payments.enabled;
  const account = needsKey ? privateKeyToAccount(options.key ?? (await gatewayKey(config))) : undefined;
  const payments = account
    ? async (common: { log: Logger }): Promise<GatewayPayments> => {
        const walletClient = createWalletClient({ chain, account, transport: http(rpcUrl) });
        const log = common.log.child({ component: "payments" });
        const channels = deployment as ChannelsDeployment;
        const receiver = await createPaymentReceiver({
          walletClient,
          publicClient,
          deployment: channels,
          store: path.join(config.stateDir, "payments.db"),
          redeemIntervalMs: config.payments.redeemIntervalMs,
          log: (message, fields) => log.info(message, fields),
        });
        const upstreamFetch = createPaymentFetch({
          walletClient,
          publicClient,
          deployment: channels,
          capTotal: config.payments.capTotal,
          ...(config.payments.capPerRequest !== undefined ? { capPerRequest: config.payments.capPerRequest } : {}),
          ...(config.payments.autoDeposit > 0n ? { autoDeposit: config.payments.autoDeposit } : {}),
        });
        log.info("payments ready", {
          payee: receiver.payee,
          channels: receiver.channels,
          feeBps: config.payments.feeBps,
        });
        return {
          buyer: receiverPayments(receiver),
          upstreamFetch,
          redeem: async () =>
            (await receiver.redeem()).map((r) => ({ payer: r.payer, amount: r.amount, hash: r.hash })),
          status: () => ({
            payee: receiver.payee,
            spentUpstream: upstreamFetch.spent().toString(),
            committedUpstream: upstreamFetch.committed().toString(),
            remainingUpstream: upstreamFetch.remaining().toString(),
          }),
          close: () => receiver.close(),
        };
      }
    : undefined;
  return startGateway(config, {
    ...options,
    ...(config.discovery.registry ? { registry: () => readRegistryEndpoints(publicClient, deployment) } : {}),
    ...(payments ? { payments } : {}),
  });
}
