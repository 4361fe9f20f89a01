// An agent's path to OCX from code: rent compute with the SDK's `runJob` (its deposit checked against the agent's
// cap before anything is sent), then pay an x402 inference endpoint (the gateway's OpenAI-compatible API) through
// the SDK's payment-wrapped `fetch`, handed to the official `openai` client, within a spending cap.
//
//   OCX_PRIVATE_KEY=0x… [OCX_RPC_URL=http://127.0.0.1:8545] [OCX_DEPLOYMENTS=deployments] \
//   [OCX_GATEWAY_URL=http://127.0.0.1:8080] [AGENT_CAP=1] node examples/agent/dist/agent.js
import {
  chainFor,
  createPaymentFetch,
  findOffer,
  leaseDeposit,
  loadDeployment,
  manifestFromDocument,
  OcxError,
  runJob,
} from "@ocx/sdk";
import OpenAI from "openai";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  formatUnits,
  type Hex,
  http,
  type PublicClient,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const rpcUrl = process.env.OCX_RPC_URL ?? "http://127.0.0.1:8545";
const key = process.env.OCX_PRIVATE_KEY as Hex | undefined;
if (!key) throw new Error("set OCX_PRIVATE_KEY to the agent's key (on `ocx devnet`, one of anvil's test keys)");

const probe = createPublicClient({ transport: http(rpcUrl) });
const chain = chainFor(await probe.getChainId(), rpcUrl);
const deployment = await loadDeployment(chain.id, process.env.OCX_DEPLOYMENTS ?? "deployments");
const account = privateKeyToAccount(key);
const publicClient = createPublicClient({ chain, transport: http(rpcUrl) }) as PublicClient;
const walletClient = createWalletClient({ chain, transport: http(rpcUrl), account });

// Money to the marketplace and to payment channels is in the deployment's payment token (credits = dollars when
// deployed, else OCX). The cap is exact: parsed to the token's smallest units, never rounded.
const paymentToken = (deployment as { paymentToken?: Address }).paymentToken ?? deployment.token;
const [symbol, decimals] = await Promise.all([
  publicClient.readContract({ address: paymentToken, abi: erc20Abi, functionName: "symbol" }),
  publicClient.readContract({ address: paymentToken, abi: erc20Abi, functionName: "decimals" }),
]);
const show = (amount: bigint) => `${formatUnits(amount, decimals)} ${symbol}`;
let cap = parseUnits(process.env.AGENT_CAP ?? "1", decimals);
console.log(`agent ${account.address}, cap ${show(cap)}`);

// 1. Compute: a batch job on the cheapest matching offer. The most it can spend is its deposit (price × the
// job's maximum duration, within the offer's bounds): known before any transaction, so the cap is checked first.
const manifest = manifestFromDocument({
  version: 1,
  name: "agent-example",
  command: ["sh", "-c", "mkdir -p out && uname -a > out/where.txt && echo ran"],
  resources: { cpu: 1, memory: "256Mi", disk: "64Mi" },
  outputs: ["out"],
  maxDuration: "1m",
});
const found = await findOffer(publicClient, { deployment, manifest, market: "offer" });
if (found.kind !== "offer") throw new OcxError("no offer matches the job");
const deposit = leaseDeposit(found.offer, manifest);
if (deposit > cap) {
  throw new OcxError(`the job's deposit ${show(deposit)} is above the agent's cap ${show(cap)}; nothing was sent`);
}
cap -= deposit;
const run = await runJob({
  publicClient,
  walletClient,
  account,
  deployment,
  manifest,
  baseDir: process.cwd(),
  offerId: found.offer.offerId,
  deposit,
  unpackTo: "agent-results",
  onEvent: (event) => {
    if (event.type === "log") process.stdout.write(event.chunk);
  },
});
console.log(
  `lease #${run.leaseId}: exit ${run.exitCode}, paid ${show(run.cost.paid)}, refunded ${show(run.cost.refund)}; ` +
    `results: ${run.unpackedFiles?.join(", ") ?? "none"}`,
);

// 2. Inference: the gateway's /v1/chat/completions answers 402 with its price; the payment-wrapped fetch signs a
// voucher within what is left of the cap (capPerRequest bounds one request) and retries. The openai client needs
// nothing else.
const gatewayUrl = process.env.OCX_GATEWAY_URL;
if (!gatewayUrl) {
  console.log("OCX_GATEWAY_URL is not set: skipping the paid inference call");
} else {
  const pay = createPaymentFetch({
    walletClient,
    publicClient,
    deployment,
    capTotal: cap,
    capPerRequest: cap / 10n,
    autoDeposit: cap / 2n,
  });
  const openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: "unused", fetch: pay, maxRetries: 0 });
  const model = process.env.OCX_MODEL ?? (await openai.models.list()).data[0]?.id;
  if (!model) throw new OcxError(`the gateway at ${gatewayUrl} serves no model`);
  const stream = await openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: "What does a provider do on OCX?" }],
    max_tokens: 60,
    stream: true,
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? "");
  console.log(
    `\ninference: spent ${show(pay.spent())}, committed ${show(pay.committed())}, ${show(pay.remaining())} left`,
  );
}
