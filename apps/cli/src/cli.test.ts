// Runs the built `ocx` (bin/ocx.js, the bundle npm links) as a real process against a local chain:
// wallets, the faucet, balances, the offers table, `market why`, and how failures read.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  cancelLeaseSync,
  ensureAllowance,
  getAllowance,
  getLease,
  getTokenBalance,
  marketplaceAbi,
  ocxTokenAbi,
  postRequestSync,
  providerRegistryAbi,
  takeOfferSync,
  toLabel,
  transferSync,
  writeDeployment,
} from "@ocx/sdk";
import { keccak256, parseEther, toHex, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../dist/bundle/ocx.js", import.meta.url));

let net: Localnet;
let home: string;
let deployments: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ocx(args: string[], options: { rpcUrl?: string } = {}): Promise<Run> {
  const global = ["--rpc-url", options.rpcUrl ?? net.anvil.rpcUrl, "--deployments", deployments];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...global, ...args],
      {
        env: { ...process.env, OCX_HOME: home, OCX_PASSWORD: "test password", OCX_WALLET: "default" },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const json = (run: Run) => {
  expect(run.stderr, run.stderr).not.toMatch(/^ocx: /m);
  return JSON.parse(run.stdout) as Record<string, unknown>;
};

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  home = await mkdtemp(path.join(os.tmpdir(), "ocx-home-"));
  deployments = path.join(home, "deployments");
  net = await startLocalnet();
  await writeDeployment(net.deployment, deployments);
});

afterAll(async () => {
  await net?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("ocx against a local chain", () => {
  it("creates a wallet, funds it from the faucet and shows its balance", async () => {
    const created = json(await ocx(["--wallet", "buyer", "wallet", "new", "--json"]));
    const address = created.address as string;
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect((await stat(created.file as string)).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(created)).not.toMatch(/privateKey/i);

    const listed = json(await ocx(["wallet", "list", "--json"]));
    expect(listed.wallets).toEqual([expect.objectContaining({ name: "buyer", address: address.toLowerCase() })]);

    const faucet = await ocx(["--wallet", "buyer", "faucet", "--amount", "1500"]);
    expect(faucet.code, faucet.stderr).toBe(0);
    // OCX for stake, $1,000 of credits (minted from the treasury's OCX at the devnet's $0.50) for the market.
    expect(faucet.stdout).toMatch(
      /sent 1500 OCX, \$1000\.00 of credits \(the treasury burned [\d.]+ OCX to mint \$[\d.]+\) and 10 ETH/,
    );

    const balance = json(await ocx(["--wallet", "buyer", "wallet", "balance", "--json"]));
    expect(balance).toMatchObject({
      ocx: "1500",
      credits: "$1000.00",
      creditsWei: "1000000000000000000000",
      eth: "10",
    });
    expect((balance.address as string).toLowerCase()).toBe(address.toLowerCase());

    const again = await ocx(["--wallet", "buyer", "wallet", "new"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('wallet "buyer" already exists');
  });

  it("lists offers: none, then the one a provider posts", async () => {
    expect(json(await ocx(["market", "offers", "--json"]))).toEqual({ unit: "usd", total: 0, offers: [] });
    expect((await ocx(["market", "offers"])).stdout).toContain("no offers match");

    // Account 1 becomes a provider: register, stake, post a 40 GB A100 offer at 1.8 OCX per GPU-hour.
    const provider = net.wallet(1);
    const { publicClient, deployment } = net;
    const send = async (hash: `0x${string}`) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
    };
    await send(
      await provider.writeContract({
        address: deployment.registry,
        abi: providerRegistryAbi,
        functionName: "register",
        args: ["http://127.0.0.1:9", toLabel("eu-west"), zeroHash, provider.account.address],
      }),
    );
    await send(
      await provider.writeContract({
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "approve",
        args: [deployment.registry, parseEther("1000")],
      }),
    );
    await send(
      await provider.writeContract({
        address: deployment.registry,
        abi: providerRegistryAbi,
        functionName: "stake",
        args: [parseEther("1000")],
      }),
    );
    await send(
      await provider.writeContract({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        functionName: "postOffer",
        args: [
          {
            gpuModel: toLabel("nvidia-a100-40gb"),
            region: toLabel("eu-west"),
            gpuCount: 2,
            gpuVramMiB: 40960,
            cpuMillicores: 16000,
            memoryMiB: 131072,
            diskMiB: 512000,
          },
          10n ** 15n, // 3.6 OCX per hour for 2 GPUs: 1.8 per GPU-hour
          3,
          60,
          86400,
        ],
      }),
    );

    const { offers } = json(await ocx(["market", "offers", "--json"])) as { offers: Record<string, unknown>[] };
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({
      offerId: "1",
      gpuModel: "nvidia-a100-40gb",
      gpuCount: 2,
      region: "eu-west",
      pricePerGpuHour: parseEther("1.8").toString(),
      freeCapacity: 3,
      state: "active",
      // No validator attested it; a provider with no record has the neutral reputation.
      verified: false,
      reputation: 0.5,
    });
    const table = await ocx(["market", "offers", "--sort", "price"]);
    expect(table.stdout).toMatch(
      /#1 .*nvidia-a100-40gb +2 +40 GiB +16 +128 GiB +eu-west +\$1\.80 +3\/3 +no +0\.50 +active/,
    );
    const none = { unit: "usd", total: 0, offers: [] };
    expect(json(await ocx(["market", "offers", "--json", "--verified"]))).toEqual(none);
    expect(json(await ocx(["market", "offers", "--json", "--min-reputation", "0.6"]))).toEqual(none);
    // --max-price is dollars per GPU-hour, inclusive.
    expect(json(await ocx(["market", "offers", "--json", "--max-price", "1.79"]))).toEqual(none);
    expect(json(await ocx(["market", "offers", "--json", "--max-price", "$1.80"]))).toMatchObject({ total: 1 });
    expect(json(await ocx(["market", "offers", "--json", "--min-gpus", "3"]))).toEqual(none);
    expect(json(await ocx(["market", "offers", "--json", "--gpu-model", "cpu"]))).toEqual(none);
    expect((await ocx(["market", "offers", "--limit", "-1"])).stderr).toContain(
      "--limit must be a whole number (0 for every match)",
    );
    expect((await ocx(["market", "offers", "--max-price", "cheap"])).stderr).toContain(
      '--max-price must be a positive amount of dollars such as "1.20", got "cheap"',
    );
    expect((await ocx(["market", "offers", "--min-reputation", "2"])).stderr).toContain(
      "--min-reputation must be a number from 0 to 1",
    );
    expect(json(await ocx(["market", "offers", "--json", "--gpu-model", "nvidia-h100-80gb"]))).toEqual(none);
  }, 120_000);

  it("says which need excludes an offer", async () => {
    const manifest = path.join(home, "job.yaml");
    await writeFile(
      manifest,
      `version: 1
name: big-model
command: python train.py
maxDuration: 2h
resources:
  gpu: { count: 1, minVram: 80Gi }
  cpu: 4
  memory: 32Gi
`,
    );
    const why = await ocx(["market", "why", manifest]);
    expect(why.code).toBe(6);
    expect(why.stdout).toContain("#1 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required");
    expect(why.stdout).toContain("no offer matches");

    await writeFile(manifest, (await import("node:fs")).readFileSync(manifest, "utf8").replace("80Gi", "40Gi"));
    const matches = json(await ocx(["market", "why", manifest, "--json"]));
    expect(matches.matches).toEqual(["1"]);

    // A job that requires verified offers: no validator attested this provider.
    await writeFile(
      manifest,
      `${(await import("node:fs")).readFileSync(manifest, "utf8")}placement: { verified: true }\n`,
    );
    const unverified = await ocx(["market", "why", manifest]);
    expect(unverified.code).toBe(6);
    expect(unverified.stdout).toContain(
      "#1 nvidia-a100-40gb: not verified: its GPUs hold no current hardware attestation",
    );
  });

  it("fails with exit code 3 and a hint when the chain cannot be reached", async () => {
    const run = await ocx(["market", "offers"], { rpcUrl: "http://127.0.0.1:1" });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot reach the chain at http:\/\/127\.0\.0\.1:1/);
    expect(run.stderr).toContain("ocx devnet");
    expect(run.stdout).toBe("");
  });

  it("a wallet without ETH gets one line that says how to fund it", async () => {
    const poor = json(await ocx(["--wallet", "poor", "wallet", "new", "--json"])).address as `0x${string}`;
    // OCX but no ETH: the approval before staking cannot pay for gas.
    await transferSync(net.wallet(0), { deployment: net.deployment, to: poor, value: parseEther("5") });
    const run = await ocx(["--wallet", "poor", "provider", "stake", "1"]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(/too little ETH to pay for gas/);
    expect(run.stderr).toContain("ocx faucet");
    expect(run.stderr.toLowerCase()).toContain(poor.toLowerCase());
  });

  it("a lease id above 2^256 is one line saying it is out of range", async () => {
    const huge = (2n ** 256n + 1n).toString();
    const run = await ocx(["--dev-account", "2", "job", "status", huge]);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(/^ocx: the lease id is out of range: .* is above 2\^256 − 1/);
  });

  it("a price of 1e400 is out of range, not null", async () => {
    const run = await ocx(["--dev-account", "2", "run", "--max-price", "1e400", "--", "true"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr).toContain('--max-price is out of range: "1e400"');
    expect(run.stderr).not.toContain("null");
  });

  it("--verbose adds the causes; --json puts the error on stdout", async () => {
    const verbose = await ocx(["--verbose", "market", "offers"], { rpcUrl: "http://127.0.0.1:1" });
    expect(verbose.code).toBe(3);
    expect(verbose.stderr.split("\n").length).toBeGreaterThan(2);
    expect(verbose.stderr).toMatch(/^caused by /m);
    const scripted = await ocx(["--json", "market", "offers"], { rpcUrl: "http://127.0.0.1:1" });
    expect(JSON.parse(scripted.stdout)).toMatchObject({ error: { exitCode: 3, retryable: true } });
  });

  it("job topup approves nothing when the top-up would be refused", async () => {
    // Account 3 takes offer #1 (1e15 wei per second, 60 s to 1 day): a pending lease, as no node runs here.
    const buyer = net.wallet(3);
    const { deployment, publicClient } = net;
    const allowance = () =>
      getAllowance(publicClient, { deployment, owner: buyer.account.address, spender: deployment.marketplace });
    const take = async () => {
      await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: 10n ** 15n * 60n });
      const { event } = await takeOfferSync(buyer, {
        deployment,
        offerId: 1n,
        maxPricePerSecond: 10n ** 15n,
        manifestHash: keccak256(toHex("topup test")),
        deposit: 10n ** 15n * 60n,
      });
      return event.leaseId;
    };
    const open = await take();
    const closed = await take();
    await cancelLeaseSync(buyer, { deployment, leaseId: closed });
    expect(await allowance()).toBe(0n);
    const topup = (leaseId: bigint | number, amount: string) =>
      ocx(["--dev-account", "3", "job", "topup", String(leaseId), amount]);

    const unknown = await topup(999, "1");
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain("no lease #999");
    expect(await allowance()).toBe(0n);

    const ended = await topup(closed, "1");
    expect(ended.code, ended.stderr).toBe(2);
    expect(ended.stderr).toContain(`lease #${closed} is closed`);
    expect(await allowance()).toBe(0n);

    // The most it may hold: 1e15 wei/s × 86400 s = 86.4 OCX; it holds 0.06.
    const tooMuch = await topup(open, "86.35");
    expect(tooMuch.code, tooMuch.stderr).toBe(2);
    expect(tooMuch.stderr).toMatch(/above what lease #\d+ can take: it may hold at most \$86\.40/);
    expect(tooMuch.stderr).toContain("top up at most $86.34");
    expect(await allowance()).toBe(0n);

    const fits = await topup(open, "86.34");
    expect(fits.code, fits.stderr).toBe(0);
    expect((await getLease(publicClient, { deployment, leaseId: open })).escrow).toBe(parseEther("86.4"));
    expect(await allowance()).toBe(0n); // the top-up took exactly what was approved
  });

  it("market cancel and market close end a request, and only when they may", async () => {
    const buyer = net.wallet(4);
    const { deployment, publicClient } = net;
    const balance = () =>
      getTokenBalance(publicClient, { deployment, token: deployment.paymentToken, account: buyer.account.address });
    const deposit = parseEther("3");
    const post = async () => {
      await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: deposit });
      const now = (await publicClient.getBlock()).timestamp;
      const { event } = await postRequestSync(buyer, {
        deployment,
        requirements: {
          gpuModel: toLabel(""),
          region: toLabel(""),
          gpuCount: 0,
          gpuVramMiB: 0,
          cpuMillicores: 1000,
          memoryMiB: 512,
          diskMiB: 512,
        },
        maxPricePerSecond: 10n ** 12n,
        deposit,
        biddingDeadline: Number(now + 120n),
        manifestHash: keccak256(toHex("request test")),
      });
      return event.requestId;
    };
    const before = await balance();
    const first = await post();

    const early = await ocx(["--dev-account", "4", "market", "close", String(first)]);
    expect(early.code, early.stderr).toBe(2);
    expect(early.stderr).toContain(`bidding on request #${first} is open until`);

    const stranger = await ocx(["--dev-account", "5", "market", "cancel", String(first)]);
    expect(stranger.code, stranger.stderr).toBe(2);
    expect(stranger.stderr).toMatch(/belongs to 0x[0-9a-fA-F]{40}, not to 0x/);

    const cancelled = json(await ocx(["--dev-account", "4", "--json", "market", "cancel", String(first)]));
    expect(cancelled).toMatchObject({ requestId: String(first), action: "cancel", refund: deposit.toString() });
    expect(await balance()).toBe(before);
    const again = await ocx(["--dev-account", "4", "market", "cancel", String(first)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`request #${first} is already cancelled`);

    // A second request, its deadline passed on the chain's clock: anyone may close it; without bids it refunds.
    const second = await post();
    await publicClient.request({ method: "evm_increaseTime" as never, params: [180] as never });
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    const closed = json(await ocx(["--dev-account", "5", "--json", "market", "close", String(second)]));
    expect(closed).toMatchObject({ requestId: String(second), outcome: "refunded", refund: deposit.toString() });
    expect(await balance()).toBe(before);
  });

  it("provider init writes the provider node's own template (ocx-provider init), never over a file", async () => {
    const file = path.join(home, "provider.yaml");
    const init = await ocx(["provider", "init", "-o", file]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`wrote ${file}`);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("written by `ocx-provider init`");
    expect(text).toContain(`rpcUrl: ${net.anvil.rpcUrl}`);
    const again = await ocx(["provider", "init", "-o", file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("exists; pass --force");
    const forced = await ocx(["--json", "provider", "init", "-o", file, "--force"]);
    expect(json(forced)).toMatchObject({ file });
  });
});

describe("ocx starts fast", () => {
  /** The bundle's files that `ocx` loads before any command runs: the entry and its static imports. */
  function startupClosure(): string {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?["'](\.\/[^"']+)["'];?$/gms)) {
        visit(path.join(path.dirname(file), spec as string));
      }
    };
    visit(BUNDLE);
    return [...seen].map((file) => readFileSync(file, "utf8")).join("\n");
  }

  it("--version and --help load neither viem nor the SDK", async () => {
    const startup = startupClosure();
    expect(startup).toContain("COMMANDS");
    expect(startup).not.toContain("https://viem.sh"); // viem's BaseError
    expect(startup).not.toContain("OcxError");
    const version = await ocx(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await ocx(["help", "run"]);
    expect(help.stdout).toContain("--max-price <usd>");
  });
});
