// A real anvil with the OCX contracts deployed, for the actions' tests. @ocx/node-kit's localnet cannot be used
// here: it depends on this package. Not exported from the SDK.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fundPaymentTokens } from "../credits/fundPaymentTokens.js";
import { type DeployParameters, deployOcx } from "../deploy.js";
import type { Deployment } from "../deployment.js";
import { transferSync } from "./token/transfer.js";

/** Anvil's default accounts 0–4 ("test test … junk"): 0 deploys, 1–4 hold OCX and credits. */
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
] as const satisfies readonly Hex[];

/** OCX each of accounts 1–4 starts with. */
export const FUNDED = parseEther("10000");
/** Credits each of accounts 1–4 starts with (none with `credits: false`, where the market takes OCX). */
export const FUNDED_PAYMENT = parseEther("10000");

export interface Testnet {
  deployment: Deployment;
  publicClient: PublicClient;
  /** A wallet client for anvil account `index` (0–4). */
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  /** Gives the next block exactly `timestamp` (unix seconds). */
  setNextBlockTimestamp(timestamp: bigint): Promise<void>;
  /** Mines an empty block at `timestamp`, so that calls simulated on the latest block see that time. */
  mineAt(timestamp: bigint): Promise<void>;
  stop(): Promise<void>;
}

function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
}

/**
 * Starts anvil on a free port, deploys OCX from account 0 and gives accounts 1–4 `FUNDED` OCX and `FUNDED_PAYMENT`
 * payment tokens each (with credits: minted from account 0's OCX).
 */
export async function startTestnet(parameters: DeployParameters = {}): Promise<Testnet> {
  // anvil binds port 0 itself and prints the port it got, so no parallel test file's anvil can take it first.
  const child: ChildProcess = spawn(anvilBinary(), ["--host", "127.0.0.1", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    let found = false;
    // stdout stays drained after the line (anvil logs every call there), so the pipe never fills.
    child.stdout?.on("data", (chunk: Buffer) => {
      if (found) return;
      seen = (seen + chunk.toString()).slice(-4096);
      const match = /Listening on [^\s:]+:(\d+)/.exec(seen);
      if (!match) return;
      found = true;
      resolve(Number(match[1]));
    });
    child.once("exit", (code) => {
      if (!found) reject(new Error(`anvil exited with code ${code} before it listened: ${stderr.trim()}`));
    });
  });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };

  try {
    const chain = defineChain({
      id: 31337,
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
    const testClient = createTestClient({ mode: "anvil", chain, transport: http(rpcUrl) });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${stderr.trim()}`);
      try {
        await publicClient.getChainId();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`anvil did not answer on ${rpcUrl} within 10 s: ${stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const wallet = (index: number) => {
      const key = KEYS[index];
      if (!key) throw new Error(`the testnet has accounts 0–${KEYS.length - 1}, not ${index}`);
      return createWalletClient({
        chain,
        transport: http(rpcUrl),
        account: privateKeyToAccount(key),
        pollingInterval: 50,
      });
    };
    const deployment = await deployOcx({ walletClient: wallet(0), publicClient }, parameters);
    for (let i = 1; i < KEYS.length; i++) {
      await transferSync(wallet(0), { deployment, to: wallet(i).account.address, value: FUNDED });
      if (deployment.paymentToken !== deployment.token) {
        await fundPaymentTokens(wallet(0), { deployment, to: wallet(i).account.address, amount: FUNDED_PAYMENT });
      }
    }
    return {
      deployment,
      publicClient,
      wallet,
      async setNextBlockTimestamp(timestamp) {
        await testClient.setNextBlockTimestamp({ timestamp });
      },
      async mineAt(timestamp) {
        await testClient.setNextBlockTimestamp({ timestamp });
        await testClient.mine({ blocks: 1 });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
