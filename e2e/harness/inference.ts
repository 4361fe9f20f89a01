// Inference in the test's own process: the real model server (@ocx/model-server), paid by vouchers and registered in
// the chain's InferenceRegistry, and the real gateway (@ocx/gateway) that finds endpoints there and pays them.
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { type ModelServer, startModelServer } from "@ocx/model-server";
import { type Cleanup, createLogger, localChain } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  createPaymentFetch,
  loadDeploymentFile,
  type PaymentPrice,
  registerInferenceEndpointSync,
} from "@ocx/sdk";
import OpenAI from "openai";
import {
  type Account,
  type Chain,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
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

/**
 * The official openai client as a paying buyer: its only change is `fetch`, the SDK's payment-wrapped fetch, which
 * opens a channel (0.1 token) and adds a voucher to each request, up to 1 token in all.
 * @example
 * const { openai, payFetch } = openaiPaidBy({ walletClient: net.wallet(3), publicClient: net.publicClient,
 *   deployment, baseURL: `${gateway.url}/v1` });
 * expect(payFetch.spent()).toBe(charged);
 */
export function openaiPaidBy(options: {
  walletClient: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
  deployment: ChannelsDeployment;
  baseURL: string;
}): { openai: OpenAI; payFetch: ReturnType<typeof createPaymentFetch> } {
  const payFetch = createPaymentFetch({
    walletClient: options.walletClient,
    publicClient: options.publicClient,
    deployment: options.deployment,
    capTotal: 10n ** 18n,
    autoDeposit: 10n ** 17n,
  });
  const openai = new OpenAI({ baseURL: options.baseURL, apiKey: "unused", maxRetries: 0, fetch: payFetch });
  return { openai, payFetch };
}

/**
 * Streams a chat completion of `prompt` (greedy, at most `maxTokens`, usage asked for) and returns its text and the
 * usage the last chunk reported.
 * @example
 * const { text, usage } = await streamChat(openai, "ocx-tinylm-docs", "The provider node", 24);
 */
export async function streamChat(
  openai: OpenAI,
  model: string,
  prompt: string,
  maxTokens: number,
): Promise<{ text: string; usage?: { prompt_tokens: number; completion_tokens: number } }> {
  const stream = await openai.chat.completions.create({
    model,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: maxTokens,
    temperature: 0,
    messages: [{ role: "user", content: prompt }],
  });
  let text = "";
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage };
}
