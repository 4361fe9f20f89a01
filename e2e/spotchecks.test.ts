// Issue 9's "the spot-check loop catches a provider that returns wrong results", on a real anvil with the real
// contracts: a provider completes a deterministic lease with a result hash its job cannot produce; the validator's
// spot-check loop (apps/validator/src/spotchecks) sees the completion, fetches the job from the provider's route
// for validators, opens a check, re-executes the job through runJob on another, honest provider node
// (`ocx-provider`, process executor), submits that result, finalizes, and the provider is slashed with the
// validators rewarded. SpotChecks runs with its defaults: the first mismatch escalates the quorum from 1 to 3, and
// two more validators' loops join the check, re-execute and vote.
//
// The cheating provider is an SDK-driven account with a small HTTP server for the spot-check route (it never runs
// the job); the honest node's own route (apps/provider/src/api/spotchecks.ts) is then checked on the lease it ran:
// an active validator gets the manifest, anyone else is refused.
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createCleanup, createLogger, type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  acknowledgeLeaseSync,
  approveSync,
  CheckState,
  canonicalManifest,
  completeLeaseSync,
  getProvider,
  getSpotCheck,
  getTokenBalance,
  manifestHash,
  marketplaceAbi,
  openSpotCheckSync,
  parseManifest,
  postOfferSync,
  registerProviderSync,
  resolveInputs,
  runJob,
  spotChecksAbi,
  stakeSync,
  takeOfferSync,
  toLabel,
  validatorRegistryAbi,
} from "@ocx/sdk";
import { type Address, keccak256, maxUint256, parseEther, stringToHex, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHttpBundleSource,
  createRunJobReExecutor,
  createSpotCheckEngine,
} from "../apps/validator/src/spotchecks/index.js";
import { startProviderNode, writeProviderConfig } from "./harness/daemons.js";
import { makeTempDir } from "./harness/tempDir.js";

const HONEST = 1; // a provider node that re-executes
const BUYER = 2;
const VALIDATOR = 3; // opens the check
const VALIDATORS = [3, 6, 7] as const;
const PAYERS = [5, 8, 9] as const; // each pays for its validator's re-execution lease
const CHEATER = 4;
const PAYER = 5; // pays for the first validator's re-execution lease

const cleanup = createCleanup();
let net: Localnet;
let dir: string;
const address = (account: number) => net.wallet(account).account.address;
type WithTrust = Localnet["deployment"] & { spotChecks: Address; validatorRegistry: Address };
const deployment = () => net.deployment as WithTrust;

const JOB = parseManifest(`version: 1
name: answer
command: [sh, -c, "mkdir -p out && echo 42 > out/answer.txt"]
resources: { cpu: 1, memory: 256Mi, disk: 64Mi }
outputs: [out]
maxDuration: 5m
deterministic: true
`);

let honestUrl = "";

async function startHonestProvider(deploymentFile: string): Promise<void> {
  const config = await writeProviderConfig({
    stateDir: path.join(dir, "provider-honest"),
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile,
    key: net.key(HONEST),
    body: `stake: "1000"
stateDir: .
executor: process
allowUnsandboxed: true
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 512, diskMiB: 512, maxLeases: 4, minDuration: 10 }
`,
  });
  honestUrl = (await startProviderNode(config, { name: "the honest provider", defer: cleanup.defer })).url;
}

/** The cheater's API: only the spot-check route, serving the job's canonical manifest (it has no inputs). */
async function startCheaterApi(): Promise<string> {
  const canonical = canonicalManifest(JOB);
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && /^\/spotchecks\/leases\/\d+\/manifest$/.test(req.url ?? "")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(canonical);
      return;
    }
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One spot-check loop per validator, each paying its re-executions from its own account. */
function startLoops(logs: string[]) {
  const d = net.deployment;
  return VALIDATORS.map((v, i) =>
    createSpotCheckEngine({
      chain: { deployment: d, reader: net.publicClient, writer: () => net.wallet(v), address: address(v) },
      bundles: createHttpBundleSource({
        account: privateKeyToAccount(net.key(v)),
        chainId: net.publicClient.chain?.id ?? 31337,
        marketplace: d.marketplace,
      }),
      reExecutor: createRunJobReExecutor({
        publicClient: net.publicClient,
        walletClient: net.wallet(PAYERS[i] as number),
        account: privateKeyToAccount(net.key(PAYERS[i] as number)),
        deployment: d,
        pollMs: 50,
      }),
      log: createLogger({ level: "debug", write: (line: string) => logs.push(`validator ${v}: ${line}`) }),
    }),
  );
}

describe("the spot-check loop", () => {
  beforeAll(async () => {
    dir = await makeTempDir("spotchecks", cleanup.defer);
    net = await startLocalnet();
    cleanup.defer(() => net.stop());
    const deploymentFile = path.join(dir, "deployment.json");
    await writeFile(deploymentFile, JSON.stringify(net.deployment));
    await startHonestProvider(deploymentFile);

    // Three validators stake and are admitted.
    const write = async (account: number, functionName: "stake" | "admit", args: readonly unknown[]) => {
      const hash = await net.wallet(account).writeContract({
        address: deployment().validatorRegistry,
        abi: validatorRegistryAbi,
        functionName,
        args: args as never,
      });
      await net.publicClient.waitForTransactionReceipt({ hash });
    };
    for (const v of VALIDATORS) {
      await approveSync(net.wallet(v), {
        deployment: net.deployment,
        spender: deployment().validatorRegistry,
        value: maxUint256,
      });
      await write(v, "stake", [parseEther("2000")]);
      await write(0, "admit", [address(v)]);
    }
  }, 120_000);
  afterAll(() => cleanup.run());

  it("catches a provider that returns a wrong result, and it is slashed", async () => {
    const d = net.deployment;
    // The cheater: registered, staked, one CPU offer; its API serves the spot-check route.
    const cheater = net.wallet(CHEATER);
    const endpoint = await startCheaterApi();
    await registerProviderSync(cheater, {
      deployment: d,
      endpoint,
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: cheater.account.address,
    });
    await approveSync(cheater, { deployment: d, spender: d.registry, value: maxUint256 });
    await stakeSync(cheater, { deployment: d, amount: parseEther("5000") });
    const { event: offer } = await postOfferSync(cheater, {
      deployment: d,
      resources: {
        gpuModel: toLabel(""),
        region: toLabel("eu-west"),
        gpuCount: 0,
        gpuVramMiB: 0,
        cpuMillicores: 1000,
        memoryMiB: 512,
        diskMiB: 512,
      },
      pricePerSecond: 50n,
      maxLeases: 1,
      minDuration: 10,
      maxDuration: 86_400,
    });
    // A buyer runs the deterministic job there; the cheater completes without running it.
    const buyer = net.wallet(BUYER);
    await approveSync(buyer, { deployment: d, token: d.paymentToken, spender: d.marketplace, value: maxUint256 });
    const { event: lease } = await takeOfferSync(buyer, {
      deployment: d,
      offerId: offer.offerId,
      maxPricePerSecond: 50n,
      manifestHash: manifestHash(JOB),
      deposit: 50n * 300n,
    });
    await acknowledgeLeaseSync(cheater, { deployment: d, leaseId: lease.leaseId });
    const forged = keccak256(stringToHex("a result the job cannot produce"));
    await completeLeaseSync(cheater, {
      deployment: d,
      leaseId: lease.leaseId,
      resultHash: forged,
      exitCode: 0,
      endedAt: BigInt(Math.floor(Date.now() / 1000)),
    });

    const stakeBefore = (await getProvider(net.publicClient, { deployment: d, provider: address(CHEATER) })).stake;
    const balanceOf = (account: number) =>
      getTokenBalance(net.publicClient, { deployment: d, account: address(account) });
    const balancesBefore = await Promise.all(VALIDATORS.map(balanceOf));
    const logs: string[] = [];
    const engines = startLoops(logs);
    const [engine] = engines as [(typeof engines)[number], ...typeof engines];

    // The loop, pass by pass, until the check of the lease is finalized.
    const checkOf = () =>
      net.publicClient.readContract({
        address: deployment().spotChecks,
        abi: spotChecksAbi,
        functionName: "checkOfLease",
        args: [lease.leaseId],
      });
    const deadline = Date.now() + 120_000;
    let state: number = CheckState.None;
    while (Date.now() < deadline) {
      // The opener's loop runs first; the others see its check once it is on-chain.
      for (const e of engines) await e.tick();
      const checkId = await checkOf();
      if (checkId !== 0n) {
        const check = await net.publicClient.readContract({
          address: deployment().spotChecks,
          abi: spotChecksAbi,
          functionName: "getCheck",
          args: [checkId],
        });
        state = check.state;
        if (state !== CheckState.Open) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(
      state,
      `the check ended as ${state}; loops ${JSON.stringify(engines.map((e) => e.status()))}\n${logs.join("\n")}`,
    ).toBe(CheckState.Invalid);
    expect(engine.status()).toMatchObject({ opened: 1, submitted: 1 });
    expect(engines.map((e) => e.status().submitted)).toEqual([1, 1, 1]);
    const check = await net.publicClient.readContract({
      address: deployment().spotChecks,
      abi: spotChecksAbi,
      functionName: "getCheck",
      args: [await checkOf()],
    });
    expect(check).toMatchObject({ quorum: 3, submitted: 3 });

    // Slashed by the spot-check amount; half of it went to the three validators that re-executed, ⌊500/3⌋ OCX each
    // and the rounding remainder to the first.
    const stakeAfter = (await getProvider(net.publicClient, { deployment: d, provider: address(CHEATER) })).stake;
    expect(stakeBefore - stakeAfter).toBe(parseEther("1000"));
    const gains = (await Promise.all(VALIDATORS.map(balanceOf))).map((b, i) => b - (balancesBefore[i] as bigint));
    const share = parseEther("500") / 3n;
    expect(gains.reduce((a, b) => a + b, 0n)).toBe(parseEther("500"));
    expect([...gains].sort()).toEqual([share, share, parseEther("500") - 2n * share].sort());
    const record = await net.publicClient.readContract({
      address: deployment().spotChecks,
      abi: spotChecksAbi,
      functionName: "recordOf",
      args: [address(CHEATER)],
    });
    expect(record).toMatchObject({ invalid: 1, consecutiveValid: 0 });

    // The honest node's route for validators, on the deterministic lease it ran as the re-execution.
    const [reExecution] = await net.publicClient.getContractEvents({
      address: d.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCreated",
      args: { buyer: address(PAYER) },
      fromBlock: 0n,
      strict: true,
    });
    expect(reExecution).toBeDefined();
    const completedLease = {
      leaseId: reExecution?.args.leaseId ?? 0n,
      provider: address(HONEST),
      endpoint: honestUrl,
      manifestHash: manifestHash(JOB),
      resultHash: forged,
    };
    const asValidator = createHttpBundleSource({
      account: privateKeyToAccount(net.key(VALIDATOR)),
      chainId: 31337,
      marketplace: d.marketplace,
    });
    const served = await asValidator.manifest(completedLease);
    expect(served.manifest?.deterministic).toBe(true);
    const asBuyer = createHttpBundleSource({
      account: privateKeyToAccount(net.key(BUYER)),
      chainId: 31337,
      marketplace: d.marketplace,
    });
    const refusedBuyer = await asBuyer.manifest(completedLease);
    expect(refusedBuyer.manifest).toBeUndefined();
    expect(refusedBuyer.manifest === undefined && refusedBuyer.reason).toMatch(/403.*not an active validator/);
  }, 180_000);

  it("votes a misquoted check down: the opener's bond goes to the provider", async () => {
    const d = net.deployment;
    // A buyer runs another deterministic job, with an input, on the honest node.
    await writeFile(path.join(dir, "question.txt"), "43\n");
    const job = await resolveInputs(
      parseManifest(`version: 1
name: answer-43
command: [sh, -c, "mkdir -p out && cat question.txt > out/answer.txt"]
inputs: [{ path: question.txt, source: question.txt }]
resources: { cpu: 1, memory: 256Mi, disk: 64Mi }
outputs: [out]
maxDuration: 5m
deterministic: true
`),
      dir,
    );
    const run = await runJob({
      publicClient: net.publicClient,
      walletClient: net.wallet(BUYER),
      account: privateKeyToAccount(net.key(BUYER)),
      deployment: d,
      manifest: job,
      baseDir: dir,
      market: "offer",
      pollMs: 50,
    });
    expect(run.provider).toBe(address(HONEST));
    // Validator 3 opens a check of it by hand, quoting a result the lease never recorded.
    const opener = VALIDATORS[0];
    const stakeBefore = (
      await net.publicClient.readContract({
        address: deployment().validatorRegistry,
        abi: validatorRegistryAbi,
        functionName: "getValidator",
        args: [address(opener)],
      })
    ).stake;
    const { event: opened } = await openSpotCheckSync(net.wallet(opener), {
      deployment: deployment(),
      leaseId: run.leaseId,
      resultHash: keccak256(stringToHex("not what the lease recorded")),
    });
    // Every loop (the opener's own too) checks the quote against LeaseCompleted and votes QUOTE_WRONG, no re-execution.
    const logs: string[] = [];
    const engines = startLoops(logs);
    const deadline = Date.now() + 60_000;
    let check = await getSpotCheck(net.publicClient, { deployment: deployment(), checkId: opened.checkId });
    while (Date.now() < deadline && check.state === CheckState.Open) {
      for (const e of engines) await e.tick();
      check = await getSpotCheck(net.publicClient, { deployment: deployment(), checkId: opened.checkId });
    }
    expect(check.state, logs.join("\n")).toBe(CheckState.Misquoted);
    expect(check).toMatchObject({ quorum: 3, submitted: 3 });
    const stakeAfter = (
      await net.publicClient.readContract({
        address: deployment().validatorRegistry,
        abi: validatorRegistryAbi,
        functionName: "getValidator",
        args: [address(opener)],
      })
    ).stake;
    expect(stakeBefore - stakeAfter).toBe(parseEther("50"));

    // The honest node serves the job's input to a validator, checked against the manifest's sha256.
    const bundles = createHttpBundleSource({
      account: privateKeyToAccount(net.key(VALIDATORS[1])),
      chainId: 31337,
      marketplace: d.marketplace,
    });
    const completed = {
      leaseId: run.leaseId,
      provider: address(HONEST),
      endpoint: honestUrl,
      manifestHash: manifestHash(job),
      resultHash: run.resultHash ?? zeroHash,
    };
    const served = await bundles.manifest(completed);
    expect(served.manifest?.inputs.map((i) => i.path)).toEqual(["question.txt"]);
    const bundle = await bundles.bundle(completed, served.manifest as NonNullable<typeof served.manifest>);
    try {
      expect(await readFile(path.join(bundle.dir, "question.txt"), "utf8")).toBe("43\n");
    } finally {
      await bundle.dispose();
    }
  }, 120_000);
});
