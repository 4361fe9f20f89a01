// `ocx devnet` on a machine without bubblewrap, and when its provider dies: the process executor
// with a loud banner, an `ocx run` that says how to follow its lease when the provider is gone, and
// a SIGTERM that stops everything the devnet started even though its provider was killed.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ANVIL_KEYS, createCleanup, localChain, processesMentioning } from "@ocx/node-kit";
import {
  flushFeesSync,
  getMarketplaceParameters,
  loadDeploymentFile,
  marketplaceAbi,
  ocxCreditsAbi,
  sweepFees,
} from "@ocx/sdk";
import { createPublicClient, createWalletClient, http, parseAbiItem, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonOf, type Ocx, ocxWith } from "./harness/cli.js";
import { type Devnet, startDevnet } from "./harness/devnet.js";

const cleanup = createCleanup();
let devnet: Devnet;
let ocx: Ocx;
const devnetLog = () => devnet.process.log();

describe("ocx devnet without bubblewrap, and when its provider dies", () => {
  beforeAll(async () => {
    // A machine without bubblewrap, as the devnet sees it.
    devnet = await startDevnet({ name: "devnet", env: { OCX_BWRAP: "/nonexistent/bwrap" }, defer: cleanup.defer });
    ocx = ocxWith({ ...devnet.cli, account: 2 });
  }, 180_000); // the chain, contracts, funded accounts, indexer, validator and provider: slow on a loaded machine
  afterAll(() => cleanup.run());

  it("falls back to the process executor and says so loudly", async () => {
    expect(devnet.summary).toMatchObject({ executor: "process", sandboxed: false });
    expect(devnetLog()).toContain("NO SANDBOX: bubblewrap was not found at /nonexistent/bwrap");
    expect(devnetLog()).toContain("apt-get install bubblewrap");
    const config = await readFile(path.join(devnet.stateDir, "provider", "provider.yaml"), "utf8");
    expect(config).toMatch(/^executor: process$/m);
    expect(config).toMatch(/^allowUnsandboxed: true/m);
    // And jobs run.
    const run = await ocx(["run", "--", "echo", "hi"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("hi\n");
  });

  it("a job is priced and billed in dollars: deposit − bill = refund, the fee burned in credits", {
    timeout: 120_000,
  }, async () => {
    const deployment = await loadDeploymentFile(path.join(devnet.deploymentsDir, "31337.json"));
    expect(deployment.paymentToken).toBe(deployment.credits);
    const { rpcUrl } = devnet.summary;
    const chain = localChain(rpcUrl);
    const client = createPublicClient({ chain, transport: http(rpcUrl) });
    const creditsOf = async () =>
      BigInt(jsonOf<{ creditsWei: string }>(await ocx(["--json", "wallet", "balance"])).creditsWei);

    // The offer is listed in dollars per GPU-hour (per hour for the devnet's CPU offer).
    const offers = jsonOf<{ unit: string; offers: { usdPerGpuHour: string }[] }>(
      await ocx(["--json", "market", "offers"]),
    );
    expect(offers.unit).toBe("usd");
    expect(offers.offers[0]?.usdPerGpuHour).toMatch(/^\$\d+\.\d{2,6}$/);

    const before = await creditsOf();
    const run = await ocx(["--json", "run", "--", "sh", "-c", "sleep 2; echo done"]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
    const bill = result.bill as Record<
      "paid" | "fee" | "seconds" | "refund" | "toProvider" | "paidShown" | "pricePerGpuHourShown" | "token" | "unit",
      string
    >;
    // What the buyer sees (the text form is checked in e2e/readme-flow.test.ts): dollars, rounded down.
    expect(bill.paidShown).toMatch(/^\$\d+\.\d{2,6}$/);
    expect(bill.pricePerGpuHourShown).toMatch(/^\$\d+\.\d{2,6}\/GPU-h$/);
    expect(bill.unit).toBe("usd");
    expect(bill.token).toBe(deployment.credits);

    // The chain's record of the lease, to the wei.
    const leaseId = BigInt(result.leaseId);
    const events = await client.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      fromBlock: BigInt(deployment.startBlock),
      strict: true,
    });
    const ofLease = events.filter((e) => "leaseId" in e.args && e.args.leaseId === leaseId);
    const created = ofLease.find((e) => e.eventName === "LeaseCreated");
    const settled = ofLease.filter((e) => e.eventName === "LeaseSettled");
    const closed = ofLease.find((e) => e.eventName === "LeaseClosed");
    if (created?.eventName !== "LeaseCreated" || closed?.eventName !== "LeaseClosed") throw new Error("lease events");
    const deposit = created.args.deposit;
    const paid = BigInt(bill.paid);
    const fee = BigInt(bill.fee);
    const { feeBps } = await getMarketplaceParameters(client, { deployment });
    expect(paid).toBe(BigInt(bill.seconds) * created.args.pricePerSecond);
    expect(paid).toBeGreaterThan(0n);
    // deposit − bill = refund; the buyer's credits went down by the bill exactly (gas is ETH).
    expect(deposit - paid).toBe(BigInt(bill.refund));
    expect(closed.args.refund).toBe(deposit - paid);
    expect(before - (await creditsOf())).toBe(paid);
    // The fee is paid × feeBps ÷ 10,000 rounded down, per settlement (the contract's Settlement.split).
    let expectedFee = 0n;
    for (const e of settled)
      if (e.eventName === "LeaseSettled") expectedFee += (e.args.paid * BigInt(feeBps)) / 10_000n;
    expect(fee).toBe(expectedFee);
    expect(BigInt(bill.toProvider)).toBe(paid - fee);

    // The fee leaves circulation: swept to the pool and flushed, the Marketplace burns it in credits.
    const anyone = createWalletClient({
      chain,
      transport: http(rpcUrl),
      account: privateKeyToAccount(ANVIL_KEYS[3]),
    });
    const supply = () =>
      client.readContract({ address: deployment.paymentToken, abi: ocxCreditsAbi, functionName: "totalSupply" });
    const provider = created.args.provider;
    await client.waitForTransactionReceipt({ hash: await sweepFees(anyone, { deployment, providers: [provider] }) });
    const supplyBefore = await supply();
    const flushed = await flushFeesSync(anyone, { deployment });
    const flushedAmount = flushed.event?.amount ?? 0n;
    expect(flushedAmount).toBeGreaterThanOrEqual(fee);
    const burns = await client.getLogs({
      address: deployment.paymentToken,
      event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"),
      args: { from: deployment.marketplace, to: zeroAddress },
      blockHash: flushed.receipt.blockHash,
    });
    expect(burns.map((b) => b.args.value)).toEqual([flushedAmount]);
    expect(supplyBefore - (await supply())).toBe(flushedAmount);
  });

  it("an auction no provider bids on shows its progress, ends at its deadline on an idle chain, and refunds", {
    timeout: 150_000,
  }, async () => {
    const requests = async () =>
      jsonOf<{ requests: { requestId: string; state: string }[] }>(await ocx(["--json", "market", "requests", "--all"]))
        .requests;
    const before = (await requests()).length;
    const balanceBefore = jsonOf<{ creditsWei: string }>(await ocx(["--json", "wallet", "balance"])).creditsWei;
    // The devnet's provider bids at $0.36/h: far above this limit, so no one bids.
    const run = await ocx(["run", "--max-price", "0.0000001", "--", "true"]);
    expect(run.code, run.stderr).toBe(6);
    const requestId = /posted request #(\d+)/.exec(run.stderr)?.[1];
    expect(requestId, run.stderr).toBeDefined();
    expect(run.stderr).toMatch(new RegExp(`auction #${requestId}: 0 bid\\(s\\); \\d+ s to the deadline`));
    expect(run.stderr).toContain(`no provider won request #${requestId} by its deadline`);
    const after = await requests();
    expect(after).toHaveLength(before + 1);
    expect(after.find((r) => r.requestId === requestId)?.state).toBe("cancelled");
    // The deposit came back to the last wei (gas is paid in ETH).
    expect(jsonOf<{ creditsWei: string }>(await ocx(["--json", "wallet", "balance"])).creditsWei).toBe(balanceBefore);
  });

  it("an `ocx run` whose provider dies names it and says how to follow the lease", async () => {
    const [providerPid] = processesMentioning(path.join(devnet.stateDir, "provider", "provider.yaml"));
    expect(providerPid).toBeGreaterThan(0);
    const logFrom = devnetLog().length;
    const running = ocx(["run", "--retry-for", "3s", "--", "sh", "-c", "echo started; sleep 8; echo ended"]);
    // Kill the provider once this job runs (its log line, after what earlier tests logged).
    const deadline = Date.now() + 30_000;
    while (!/to=running/.test(devnetLog().slice(logFrom)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(providerPid as number, "SIGKILL");
    const run = await running;
    expect(run.code, run.stderr).toBe(5);
    const leaseId = /lease #(\d+) with/.exec(run.stderr)?.[1];
    expect(leaseId).toBeDefined();
    const last = run.stderr.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toContain(devnet.summary.providerUrl);
    expect(last).toContain(`lease #${leaseId} still runs`);
    expect(last).toContain(`ocx job logs -f ${leaseId}`);
    expect(last).toContain(`ocx job results ${leaseId}`);
  });

  it("stops on SIGTERM within seconds, its provider killed by a signal, and leaves no process", async () => {
    const { child } = devnet.process;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const started = Date.now();
    child.kill("SIGTERM");
    const code = await exited;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(processesMentioning(devnet.stateDir)).toEqual([]);
    expect(processesMentioning(`--port ${devnet.port}`)).toEqual([]); // anvil
  });
});
