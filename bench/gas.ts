// Gas used by each step of the OCX market, measured from real transaction receipts on a local anvil: the quote path
// that `ocx run` takes (takeQuote + complete) beside the standing-offer path (takeOffer + acknowledge + complete).
// Run: npm run bench:gas. Prints a table and writes bench/results/gas.json.
import { mkdir, writeFile } from "node:fs/promises";
import { startLocalnet } from "@ocx/node-kit";
import { marketplaceAbi, ocxTokenAbi, providerRegistryAbi, type Quote, signQuote, toLabel } from "@ocx/sdk";
import { createTestClient, type Hex, http, keccak256, maxUint256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const GOAL = 200_000n;
const net = await startLocalnet();
const { publicClient, deployment } = net;
const testClient = createTestClient({ mode: "anvil", chain: net.chain, transport: http(net.anvil.rpcUrl) });
const admin = net.wallet(0);
const provider = net.wallet(1);
const provider2 = net.wallet(3);
const buyer = net.wallet(2);
const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;

const gas: Record<string, bigint> = {};
async function step(name: string | null, send: () => Promise<Hex>): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await send() });
  if (receipt.status !== "success") throw new Error(`${name ?? "setup"} reverted`);
  if (name) gas[name] = receipt.gasUsed;
  return receipt.gasUsed;
}
async function elapse(seconds: number) {
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
  latest = (await publicClient.getBlock()).timestamp;
}
/** The latest block's time: a workload that "ended" at the block before its completion. */
let latest = 0n;
const now = () => latest;
const lastId = async (i: 0 | 1 | 2) => (await publicClient.readContract({ ...market, functionName: "counts" }))[i];

const h100 = {
  gpuModel: toLabel("nvidia-h100-80gb"),
  region: toLabel("eu-west"),
  gpuCount: 1,
  gpuVramMiB: 81_559,
  cpuMillicores: 16_000,
  memoryMiB: 131_072,
  diskMiB: 512_000,
};
const price = parseEther("3.6") / 3600n;
const deposit = price * 3600n;

for (const p of [provider, provider2]) {
  // The registry takes OCX (stake); the marketplace takes its payment token (credits).
  for (const [spender, token] of [
    [deployment.registry, deployment.token],
    [deployment.marketplace, deployment.paymentToken],
  ] as const) {
    await step(null, () =>
      p.writeContract({
        address: token,
        abi: ocxTokenAbi,
        functionName: "approve",
        args: [spender, maxUint256],
      }),
    );
  }
  await step(null, () =>
    p.writeContract({
      address: deployment.registry,
      abi: providerRegistryAbi,
      functionName: "register",
      args: ["https://provider.example:8443", toLabel("eu-west"), keccak256(toHex("metadata")), p.account.address],
    }),
  );
  await step(null, () =>
    p.writeContract({
      address: deployment.registry,
      abi: providerRegistryAbi,
      functionName: "stake",
      args: [parseEther("10000")],
    }),
  );
}
await step(null, () =>
  buyer.writeContract({
    address: deployment.paymentToken,
    abi: ocxTokenAbi,
    functionName: "approve",
    args: [deployment.marketplace, maxUint256],
  }),
);

const manifest = keccak256(toHex("manifest"));
await step("post offer", () =>
  provider.writeContract({ ...market, functionName: "postOffer", args: [h100, price, 8, 60, 30 * 86400] }),
);
const offerId = await lastId(0);

// A first lease warms the provider's earnings and the fee pool (zero → nonzero writes happen once).
const firstLease: Record<string, bigint> = {};
firstLease.take = await step(null, () =>
  buyer.writeContract({ ...market, functionName: "takeOffer", args: [offerId, price, manifest, deposit] }),
);
let leaseId = await lastId(1);
firstLease.acknowledge = await step(null, () =>
  provider.writeContract({ ...market, functionName: "acknowledge", args: [leaseId] }),
);
await elapse(60);
await step("withdraw", () => provider.writeContract({ ...market, functionName: "withdraw", args: [[leaseId]] }));
await step("top up", () => buyer.writeContract({ ...market, functionName: "topUp", args: [leaseId, price * 60n] }));
await elapse(60);
firstLease.complete = await step(null, () =>
  provider.writeContract({
    ...market,
    functionName: "complete",
    args: [leaseId, keccak256(toHex("result")), 0, now()],
  }),
);

// The measured standing-offer lease: take, acknowledge, run a minute, complete.
await step("take offer", () =>
  buyer.writeContract({ ...market, functionName: "takeOffer", args: [offerId, price, manifest, deposit] }),
);
leaseId = await lastId(1);
await step("acknowledge", () => provider.writeContract({ ...market, functionName: "acknowledge", args: [leaseId] }));
await elapse(60);
await step("complete", () =>
  provider.writeContract({
    ...market,
    functionName: "complete",
    args: [leaseId, keccak256(toHex("result")), 0, now()],
  }),
);

// The quote path (`ocx run`): the provider signs a quote off-chain, the buyer takes it (an Active lease), the
// provider completes it. The provider's first quote writes its nonce word (zero → nonzero, once per 256 nonces).
let nonce = 0n;
async function quoteLease(): Promise<{ take: bigint; complete: bigint }> {
  const quote: Quote = {
    offerId,
    buyer: buyer.account.address,
    pricePerSecond: price,
    manifestHash: manifest,
    nonce: nonce++,
    expiry: (await publicClient.getBlock()).timestamp + 600n,
  };
  const signature = await signQuote(privateKeyToAccount(net.key(1)), { deployment, chainId: net.chain.id, quote });
  const take = await step(null, () =>
    buyer.writeContract({ ...market, functionName: "takeQuote", args: [quote, signature, deposit] }),
  );
  const id = await lastId(1);
  await elapse(60);
  const complete = await step(null, () =>
    provider.writeContract({ ...market, functionName: "complete", args: [id, keccak256(toHex("result")), 0, now()] }),
  );
  return { take, complete };
}
const firstQuote = await quoteLease();
const quoted = await quoteLease();
gas["take quote"] = quoted.take;
gas["complete (quoted lease)"] = quoted.complete;

// Batches: a provider with five leases acknowledges them in one call and completes them in one call.
const batchIds: bigint[] = [];
for (let i = 0; i < 4; i++) {
  await step(null, () =>
    buyer.writeContract({ ...market, functionName: "takeOffer", args: [offerId, price, manifest, deposit] }),
  );
  batchIds.push(await lastId(1));
}
await step("acknowledgeMany (4 leases)", () =>
  provider.writeContract({ ...market, functionName: "acknowledgeMany", args: [batchIds] }),
);
await elapse(60);
const endedAt = now();
await step("completeMany (4 leases)", () =>
  provider.writeContract({
    ...market,
    functionName: "completeMany",
    args: [batchIds.map((id) => ({ leaseId: id, resultHash: keccak256(toHex("result")), exitCode: 0, endedAt }))],
  }),
);

await step(null, () =>
  buyer.writeContract({ ...market, functionName: "takeOffer", args: [offerId, price, manifest, deposit] }),
);
leaseId = await lastId(1);
await step("cancel", () => buyer.writeContract({ ...market, functionName: "cancel", args: [leaseId] }));

const blockTime = (await publicClient.getBlock()).timestamp;
await step("post request", () =>
  buyer.writeContract({
    ...market,
    functionName: "postRequest",
    args: [h100, price, deposit, Number(blockTime + 600n), manifest],
  }),
);
const requestId = await lastId(2);
await step("bid", () => provider.writeContract({ ...market, functionName: "bid", args: [requestId, price, h100] }));
await step("bid (lower, second provider)", () =>
  provider2.writeContract({ ...market, functionName: "bid", args: [requestId, price - 1n, h100] }),
);
await elapse(601);
await step("close auction", () => buyer.writeContract({ ...market, functionName: "closeAuction", args: [requestId] }));
await step("flush fees (burn)", () => admin.writeContract({ ...market, functionName: "flushFees" }));

await net.stop();

const used = (record: Record<string, bigint>, step: string): bigint => {
  const value = record[step];
  if (value === undefined) throw new Error(`no gas measured for ${step}`);
  return value;
};
const quotePath = used(gas, "take quote") + used(gas, "complete (quoted lease)");
const offerPath = used(gas, "take offer") + used(gas, "acknowledge") + used(gas, "complete");
const firstOfferPath = used(firstLease, "take") + used(firstLease, "acknowledge") + used(firstLease, "complete");
const firstQuotePath = firstQuote.take + firstQuote.complete;
const rows: [string, string][] = Object.entries(gas).map(([name, used]) => [name, used.toLocaleString("en-US")]);
rows.push(["batch lease, quote path (takeQuote + complete)", quotePath.toLocaleString("en-US")]);
rows.push(["  same, provider's first quote (new nonce word)", firstQuotePath.toLocaleString("en-US")]);
rows.push(["batch lease, offer path (take + ack + complete)", offerPath.toLocaleString("en-US")]);
rows.push(["  same, provider's first lease", firstOfferPath.toLocaleString("en-US")]);
const width = Math.max(...rows.map(([n]) => n.length));
console.log(`${"step".padEnd(width)}  gas`);
for (const [name, used] of rows) console.log(`${name.padEnd(width)}  ${used.padStart(9)}`);
console.log(
  `\nbatch lease (quote path, what ocx run takes): ${quotePath} gas; goal ≤ ${GOAL}: ${quotePath <= GOAL ? "met" : "NOT met"}`,
);
console.log(`batch lease (standing-offer path): ${offerPath} gas`);

await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/gas.json", import.meta.url),
  `${JSON.stringify(
    {
      measuredAt: new Date().toISOString(),
      chain: "anvil (local), receipts' gasUsed including the 21,000 base",
      steps: Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, Number(v)])),
      batchLease: {
        path: "quote (takeQuote + complete), what ocx run takes",
        takeQuote: Number(quoted.take),
        complete: Number(quoted.complete),
        total: Number(quotePath),
      },
      firstBatchLease: {
        path: "quote, the provider's first (its nonce word written zero → nonzero)",
        takeQuote: Number(firstQuote.take),
        complete: Number(firstQuote.complete),
        total: Number(firstQuotePath),
      },
      offerBatchLease: {
        path: "standing offer (takeOffer + acknowledge + complete)",
        take: Number(gas["take offer"]),
        acknowledge: Number(gas.acknowledge),
        complete: Number(gas.complete),
        total: Number(offerPath),
      },
      firstOfferBatchLease: {
        ...Object.fromEntries(Object.entries(firstLease).map(([k, v]) => [k, Number(v)])),
        total: Number(firstOfferPath),
      },
      goal: Number(GOAL),
      goalMet: quotePath <= GOAL,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/results/gas.json");
