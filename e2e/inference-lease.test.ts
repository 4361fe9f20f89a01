// Inference paid by vouchers with the model server on an OCX service lease, end to end: a real anvil with the
// contracts, a real provider node (bubblewrap, the lease's network namespace, its ingress) and the real `ocx` CLI.
// `ocx deploy` runs examples/inference-service/model-server-paid.yaml: the bundled model server, key-free, reads the
// chain through the provider (`chain: read`, OCX_CHAIN_RPC_URL) and keeps its books on the lease's volume. Its
// registrant registers it in the InferenceRegistry; the real gateway finds it there; the official openai client
// (fetch = the SDK's payment-wrapped fetch, base URL = the gateway) streams a completion and gets another; then the
// registrant runs `ocx inference redeem <url>` with its key and its balance grows by exactly what the model server
// charged the gateway, and the gateway redeems exactly what it charged the buyer.
import { spawn } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { createLogger, freePort, type Localnet, startLocalnet, withCleanup } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  chargeFor,
  createPaymentFetch,
  getChannel,
  getTokenBalance,
  type PaymentPrice,
  registerInferenceEndpointSync,
  writeDeployment,
} from "@ocx/sdk";
import OpenAI from "openai";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = path.resolve("apps/cli/bin/ocx.js");
const PROVIDER_BIN = path.resolve("apps/provider/bin/ocx-provider.js");
const MANIFEST = path.resolve("examples/inference-service/model-server-paid.yaml");
const BUNDLE_DIR = path.resolve("apps/model-server/dist/bundle");
const WEIGHTS = path.resolve("packages/tinylm/weights/ocx-docs.json");
/** The manifest's prices (payment token's smallest units). */
const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
const PROVIDER = 1;
const REGISTRANT = 2;
const BUYER = 3;
const GATEWAY = 4;

const sandboxed = process.platform === "linux" && process.getuid?.() === 0;

describe.skipIf(!sandboxed)("inference on a service lease, paid by vouchers through the gateway", () => {
  let dir: string;
  let net: Localnet;
  let deployment: ChannelsDeployment & Localnet["deployment"];
  let deploymentsDir: string;
  let providerLog = "";
  let gateway: GatewayNode;
  let cleanup: { run(): Promise<void> } | undefined;
  let url: string;
  let leaseId: bigint;

  /** Runs `ocx <args>` as `account`; a command that hangs is killed after `limitMs`. */
  const ocx = (args: string[], account: number, limitMs = 60_000) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          "--rpc-url",
          net.anvil.rpcUrl,
          "--deployments",
          deploymentsDir,
          "--dev-account",
          String(account),
          ...args,
        ],
        { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => {
        stdout += d;
      });
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    for (const f of ["model-server.mjs", "better_sqlite3.node"])
      await access(path.join(BUNDLE_DIR, f)).catch(() => {
        throw new Error(`${BUNDLE_DIR}/${f} is missing: run \`npm run build\` (it bundles the model server) first`);
      });
    const setUp = await withCleanup(async (defer) => {
      dir = await mkdtemp(path.join(tmpdir(), "ocx-e2e-inference-lease-"));
      await chmod(dir, 0o711);
      defer(() => rm(dir, { recursive: true, force: true }));
      net = await startLocalnet({ port: await freePort() });
      defer(() => net.stop());
      deployment = net.deployment as typeof deployment;
      if (!deployment.paymentChannels) throw new Error("deployOcx did not deploy PaymentChannels");
      deploymentsDir = path.join(dir, "deployments");
      const deploymentFile = await writeDeployment(net.deployment, deploymentsDir);
      const stateDir = path.join(dir, "provider");
      await mkdir(stateDir, { recursive: true });
      const apiPort = await freePort();
      const ingressPort = await freePort();
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      const configFile = path.join(stateDir, "provider.yaml");
      await writeFile(
        configFile,
        `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 100 }
api: { listen: "127.0.0.1:${apiPort}" }
ingress: { listen: "127.0.0.1:${ingressPort}", tcpPorts: "32300-32399" }
region: local
stake: "1000"
stateDir: .
executor: bwrap
disk: { reserveMiB: 0 }
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 1024, diskMiB: 2048, maxLeases: 2, minDuration: 10 }
`,
      );
      const env = { ...process.env, OCX_PROVIDER_KEY: net.key(PROVIDER) };
      // The node leaves workloads running by design (a restart re-attaches them): end them with its reap.
      defer(
        () =>
          new Promise((resolve) => {
            const reap = spawn(process.execPath, [PROVIDER_BIN, "reap", "--config", configFile], {
              env,
              stdio: "ignore",
            });
            reap.once("exit", resolve);
            reap.once("error", resolve);
          }),
      );
      const child = spawn(process.execPath, [PROVIDER_BIN, "--config", configFile], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      defer(async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      });
      child.stderr?.on("data", (d: Buffer) => {
        providerLog += d;
      });
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the provider exited with ${child.exitCode}:\n${providerLog}`);
        if (
          await fetch(`${apiUrl}/ready`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (Date.now() > deadline) throw new Error(`the provider was not ready within 60 s:\n${providerLog}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      // The example manifest with its inputs from here and this chain's payee, channels and chain id.
      const registrant = net.wallet(REGISTRANT).account.address;
      const manifest = (await readFile(MANIFEST, "utf8"))
        .replace("../../apps/model-server/dist/bundle/model-server.mjs", path.join(BUNDLE_DIR, "model-server.mjs"))
        .replace(
          "../../apps/model-server/dist/bundle/better_sqlite3.node",
          path.join(BUNDLE_DIR, "better_sqlite3.node"),
        )
        .replace("../../packages/tinylm/weights/ocx-docs.json", WEIGHTS)
        .replace("0xPAYEE_ADDRESS_HERE", registrant)
        .replace("0xPAYMENT_CHANNELS_HERE", deployment.paymentChannels as Address)
        .replace('"31337"', `"${net.deployment.chainId}"`);
      await writeFile(path.join(dir, "model-server-paid.yaml"), manifest);
      const deployed = await ocx(["--json", "deploy", "model-server-paid.yaml", "--hours", "1"], REGISTRANT, 180_000);
      if (deployed.code !== 0)
        throw new Error(`ocx deploy failed:\n${deployed.stderr}\n${deployed.stdout}\n${providerLog.slice(-4000)}`);
      const result = JSON.parse(deployed.stdout) as {
        leaseId: string;
        healthy: boolean;
        urls: { service: string; port: number; url: string }[];
      };
      leaseId = BigInt(result.leaseId);
      url = result.urls.find((u) => u.service === "model" && u.port === 8080)?.url as string;
      if (!result.healthy || !url) throw new Error(`the model server is not healthy:\n${deployed.stdout}`);

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
      const config = parseConfig(
        `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}" }
api: { listen: "127.0.0.1:0" }
stateDir: "${path.join(dir, "gateway")}"
discovery: { registry: true }
payments: { enabled: true, autoDeposit: "1000000000000000000", redeemIntervalMs: 3600000 }
routing: { deadlineMs: 20000, tryTimeoutMs: 20000 }
`,
      );
      gateway = await startChainGateway(config, { key: net.key(GATEWAY), log: createLogger({ level: "warn" }) });
      defer(() => gateway.close());
    });
    cleanup = setUp.cleanup;
  }, 300_000);
  afterAll(() => cleanup?.run(), 90_000);

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
    expect((await unpaid.json()).accepts[0]).toMatchObject({ payTo: registrant, channels: deployment.paymentChannels });

    const payFetch = createPaymentFetch({
      walletClient: net.wallet(BUYER),
      publicClient: net.publicClient,
      deployment,
      capTotal: 10n ** 18n,
      autoDeposit: 10n ** 17n,
    });
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: payFetch });
    const stream = await openai.chat.completions.create({
      model: "ocx-tinylm-docs",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 24,
      temperature: 0,
      messages: [{ role: "user", content: "The provider node" }],
    });
    let text = "";
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
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
