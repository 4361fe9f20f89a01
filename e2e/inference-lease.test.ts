// Inference paid by vouchers with the model server on an OCX service lease, end to end: a real anvil with the
// contracts, a real provider node (bubblewrap, the lease's network namespace, its ingress) and the real `ocx` CLI.
// `ocx deploy` runs examples/inference-service/model-server-paid.yaml: the bundled model server, key-free, reads the
// chain through the provider (`chain: read`, OCX_CHAIN_RPC_URL) and keeps its books on the lease's volume. Its
// registrant registers it in the InferenceRegistry; the real gateway finds it there; the official openai client
// (fetch = the SDK's payment-wrapped fetch, base URL = the gateway) streams a completion and gets another; then the
// registrant runs `ocx inference redeem <url>` with its key and its balance grows by exactly what the model server
// charged the gateway, and the gateway redeems exactly what it charged the buyer.
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { GatewayNode } from "@ocx/gateway";
import { createCleanup, type Localnet } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  chargeFor,
  getChannel,
  getTokenBalance,
  type PaymentPrice,
  registerInferenceEndpointSync,
} from "@ocx/sdk";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOXED } from "./harness/daemons.js";
import { openaiPaidBy, startTestGateway, streamChat } from "./harness/inference.js";
import { deployService, type ServicesNetwork, startServicesNetwork } from "./harness/services.js";

const MANIFEST = path.resolve("examples/inference-service/model-server-paid.yaml");
const BUNDLE_DIR = path.resolve("apps/model-server/dist/bundle");
const WEIGHTS = path.resolve("packages/tinylm/weights/ocx-docs.json");
/** The manifest's prices (payment token's smallest units). */
const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
const REGISTRANT = 2;
const BUYER = 3;
const GATEWAY = 4;

describe.skipIf(!SANDBOXED)("inference on a service lease, paid by vouchers through the gateway", () => {
  const cleanup = createCleanup();
  let network: ServicesNetwork;
  let net: Localnet;
  let deployment: ChannelsDeployment & Localnet["deployment"];
  let gateway: GatewayNode;
  let url: string;
  let leaseId: bigint;

  /** Runs `ocx <args>` as `account`; a command that hangs is killed after `limitMs`. */
  const ocx = (args: string[], account: number, limitMs = 60_000) => network.ocx(account, limitMs)(args);

  beforeAll(async () => {
    for (const f of ["model-server.mjs", "better_sqlite3.node"])
      await access(path.join(BUNDLE_DIR, f)).catch(() => {
        throw new Error(`${BUNDLE_DIR}/${f} is missing: run \`npm run build\` (it bundles the model server) first`);
      });
    network = await startServicesNetwork({
      name: "inference-lease",
      tcpPorts: "32300-32399",
      defer: cleanup.defer,
    });
    ({ net } = network);
    deployment = net.deployment as typeof deployment;
    if (!deployment.paymentChannels) throw new Error("deployOcx did not deploy PaymentChannels");

    // The example manifest with its inputs from here and this chain's payee, channels and chain id.
    const registrant = net.wallet(REGISTRANT).account.address;
    const manifest = (await readFile(MANIFEST, "utf8"))
      .replace("../../apps/model-server/dist/bundle/model-server.mjs", path.join(BUNDLE_DIR, "model-server.mjs"))
      .replace("../../apps/model-server/dist/bundle/better_sqlite3.node", path.join(BUNDLE_DIR, "better_sqlite3.node"))
      .replace("../../packages/tinylm/weights/ocx-docs.json", WEIGHTS)
      .replace("0xPAYEE_ADDRESS_HERE", registrant)
      .replace("0xPAYMENT_CHANNELS_HERE", deployment.paymentChannels as Address)
      .replace('"31337"', `"${net.deployment.chainId}"`);
    await writeFile(path.join(network.dir, "model-server-paid.yaml"), manifest);
    const result = await deployService(network.ocx(REGISTRANT, 180_000), "model-server-paid.yaml", () =>
      network.provider.log().slice(-4000),
    );
    leaseId = BigInt(result.leaseId);
    url = result.urls.find((u) => u.service === "model" && u.port === 8080)?.url as string;
    if (!result.healthy || !url) throw new Error(`the model server is not healthy:\n${result.run.stdout}`);

    // The registrant registers the lease's endpoint; the gateway finds it in the registry.
    await registerInferenceEndpointSync(net.wallet(REGISTRANT), {
      deployment: net.deployment,
      model: "ocx-tinylm-docs",
      url,
      pricing: price,
      capacity: 4,
      region: "local",
      leaseId,
    });
    gateway = await startTestGateway({
      rpcUrl: net.anvil.rpcUrl,
      deploymentFile: network.deploymentFile,
      dir: network.dir,
      key: net.key(GATEWAY),
      deadlineMs: 20_000,
      defer: cleanup.defer,
    });
  }, 300_000);
  afterAll(() => cleanup.run(), 90_000);

  it("the openai client streams from the lease through the gateway; the registrant redeems exactly what the lease charged", async () => {
    const registrant = net.wallet(REGISTRANT).account.address;
    const gatewayAddress = net.wallet(GATEWAY).account.address;
    const buyer = net.wallet(BUYER).account.address;
    expect(gateway.table.all().map((e) => [e.payee, e.url])).toEqual([[registrant, url.replace(/\/$/, "")]]);
    // Straight to the lease without a voucher: 402 with the key-free payee's terms.
    const unpaid = await fetch(`${url}v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "ocx-tinylm-docs", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }),
    });
    expect(unpaid.status).toBe(402);
    expect(((await unpaid.json()) as { accepts: unknown[] }).accepts[0]).toMatchObject({
      payTo: registrant,
      channels: deployment.paymentChannels,
    });

    const { openai, payFetch } = openaiPaidBy({
      walletClient: net.wallet(BUYER),
      publicClient: net.publicClient,
      deployment,
      baseURL: `${gateway.url}/v1`,
    });
    const { text, usage } = await streamChat(openai, "ocx-tinylm-docs", "The provider node", 24);
    expect(text.length).toBeGreaterThan(0);
    const completion = await openai.chat.completions.create({
      model: "ocx-tinylm-docs",
      max_tokens: 12,
      messages: [{ role: "user", content: "Leases" }],
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const total =
      chargeFor(price, { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 }) +
      chargeFor(price, {
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      });
    expect(payFetch.spent()).toBe(total);

    // A stranger cannot read the books; the registrant redeems them with its key, outside the lease.
    const stranger = await ocx(["--json", "inference", "redeem", url], BUYER);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stdout + stranger.stderr).toMatch(/401|not for|not the payee/);
    const token = net.deployment.paymentToken;
    const before = await getTokenBalance(net.publicClient, { deployment: net.deployment, token, account: registrant });
    const redeemed = await ocx(["--json", "inference", "redeem", url], REGISTRANT);
    expect(redeemed.code, `${redeemed.stderr}\n${redeemed.stdout}`).toBe(0);
    expect(JSON.parse(redeemed.stdout)).toMatchObject({
      redeemed: total.toString(),
      redemptions: [{ payer: gatewayAddress, owed: total.toString(), amount: total.toString() }],
    });
    const after = await getTokenBalance(net.publicClient, { deployment: net.deployment, token, account: registrant });
    expect(after - before).toBe(total);
    expect(
      (await getChannel(net.publicClient, { deployment, payer: gatewayAddress, payee: registrant })).redeemed,
    ).toBe(total);
    // Again: nothing new to redeem, nothing paid twice.
    const again = await ocx(["--json", "inference", "redeem", url], REGISTRANT);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).redeemed).toBe("0");

    // The gateway redeems the buyer's vouchers: the same amount (fee 0), once.
    const gatewayRedemptions = await gateway.redeem();
    expect(gatewayRedemptions.map((r) => [r.payer, r.amount])).toEqual([[buyer, total]]);
    await net.publicClient.waitForTransactionReceipt({ hash: gatewayRedemptions[0]?.hash as `0x${string}` });
    expect((await getChannel(net.publicClient, { deployment, payer: buyer, payee: gatewayAddress })).redeemed).toBe(
      total,
    );
    console.log(`lease ${leaseId}: charged and redeemed exactly ${total} (2 requests, 1 redemption each side)`);
  }, 180_000);
});
