// Issue 9's "done when" for hardware proofs, process by process on a real anvil with the real
// contracts: provider nodes (`ocx-provider`, answering challenges with @ocx/proofs' provers, or
// cheating on purpose through their test-only config) and validator daemons (`ocx-validator`).
// - an honest provider is challenged, commits, responds, is attested, and shows as verified; the
//   validator is killed with SIGKILL mid-way and resumes from the chain;
// - a skipping prover and a faking prover are caught and slashed through the on-chain fraud proof,
//   and the validator is rewarded;
// - a validator forced to accuse an honest provider loses its bond to it;
// - a provider that goes offline after offering is proven late.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCleanup, freePort, type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  admitValidatorSync,
  challengePhaseName,
  getChallenge,
  getProofParameters,
  getProvider,
  getTokenBalance,
  getValidator,
  isVerified,
  proofOfComputeAbi,
  toLabel,
} from "@ocx/sdk";
import type { Address } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Daemon,
  startDaemon,
  startProviderNode as startProvider,
  VALIDATOR_BIN,
  writeProviderConfig,
} from "./harness/daemons.js";
import { makeTempDir } from "./harness/tempDir.js";
import { waitFor as waitUntil } from "./harness/wait.js";

const VALIDATOR = 3; // anvil account of the validator
const cleanup = createCleanup();
let net: Localnet;
let dir: string;
let deploymentFile: string;
/** False while deployOcx does not deploy the trust contracts yet: the tests skip, saying so. */
let trustDeployed = false;

type Deployed = Localnet["deployment"] & { proofOfCompute: Address; validatorRegistry: Address };
const deployed = () => net.deployment as Deployed;
const address = (account: number) => net.wallet(account).account.address;

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` naming `what`. */
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000) =>
  waitUntil(what, check, { timeoutMs });

/** The daemons the current test started, whose output a failing test prints. */
const started: Daemon[] = [];
/** Daemons left running by a test are killed outright when the file is done. */
const KILL = { signal: "SIGKILL" } as const;

/** A provider node selling one CPU bundle; `cheat` makes it a test-only cheating prover. */
async function startProviderNode(account: number, cheat?: "skipping" | "faking"): Promise<Daemon> {
  const config = await writeProviderConfig({
    stateDir: path.join(dir, `provider-${account}`),
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile,
    key: net.key(account),
    body: `stake: "1000"
stateDir: .
executor: process
allowUnsandboxed: true
offers:
  - { gpus: 0, pricePerGpuHour: "0.36", cpu: 1, memoryMiB: 512, diskMiB: 512, maxLeases: 1, minDuration: 10 }
challenges: { enabled: true, prover: ts${cheat ? `, cheat: ${cheat}` : ""} }
`,
  });
  const provider = await startProvider(config, {
    name: `provider ${account}${cheat ? ` (${cheat})` : ""}`,
    env: cheat ? { OCX_ALLOW_CHEATING: "1" } : {},
    defer: cleanup.defer,
    stopOptions: KILL,
  });
  started.push(provider);
  return provider;
}

/** A validator daemon that challenges only `providers`. */
async function startValidatorNode(
  name: string,
  providers: Address[],
  options: { falseAccusation?: "demand-row" | "dispute-products"; stateDir?: string } = {},
): Promise<Daemon> {
  const port = await freePort();
  const state = options.stateDir ?? path.join(dir, `validator-${name}`);
  await mkdir(state, { recursive: true });
  const config = path.join(state, "validator.yaml");
  await writeFile(
    config,
    `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 200 }
api: { listen: "127.0.0.1:${port}" }
stateDir: .
challenges:
  meanIntervalSeconds: 3600
  openingPatienceSeconds: 3
  providers: [${providers.map((p) => `"${p}"`).join(", ")}]
${options.falseAccusation ? `test: { falseAccusation: ${options.falseAccusation} }\n` : ""}`,
  );
  const validator = await startDaemon({
    name: `validator ${name}`,
    bin: VALIDATOR_BIN,
    args: ["start", "--config", config],
    env: {
      OCX_VALIDATOR_KEY: net.key(VALIDATOR),
      ...(options.falseAccusation ? { OCX_ALLOW_FALSE_ACCUSATION: "1" } : {}),
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: "/health",
    defer: cleanup.defer,
    stopOptions: KILL,
  });
  started.push(validator);
  return validator;
}

const read = <T>(functionName: string, args: readonly unknown[]) =>
  net.publicClient.readContract({
    address: deployed().proofOfCompute,
    abi: proofOfComputeAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;

/** Every challenge of `provider` so far, with its phase by name. */
async function challengesOf(provider: Address) {
  const count = await read<bigint>("challengeCount", []);
  const out: { id: bigint; phase: string; validator: Address }[] = [];
  for (let id = 1n; id <= count; id++) {
    const c = await getChallenge(net.publicClient, { deployment: net.deployment, id });
    if (c.provider.toLowerCase() === provider.toLowerCase()) {
      out.push({ id, phase: challengePhaseName(c.phase), validator: c.validator });
    }
  }
  return out;
}

const providerStake = async (account: number) =>
  (await getProvider(net.publicClient, { deployment: net.deployment, provider: address(account) })).stake;
const balanceOf = (account: number) =>
  getTokenBalance(net.publicClient, { deployment: net.deployment, account: address(account) });
const validatorRecord = () =>
  getValidator(net.publicClient, { deployment: net.deployment, validator: address(VALIDATOR) });
const parameters = () => getProofParameters(net.publicClient, { deployment: net.deployment });
const isCpuVerified = (account: number) =>
  isVerified(net.publicClient, {
    deployment: net.deployment,
    provider: address(account),
    model: toLabel("cpu"),
    gpuCount: 0,
  });

describe("hardware proofs end to end: providers, validators, the chain", { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = await makeTempDir("trust", cleanup.defer);
    // A short response window, so that a provider that cannot answer a round is proven unrevealed quickly.
    net = await startLocalnet({ deploy: { proofs: { responseWindow: 20 } } });
    cleanup.defer(() => net.stop());
    deploymentFile = path.join(dir, "deployment.json");
    await writeFile(
      deploymentFile,
      JSON.stringify(net.deployment, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
    );
    trustDeployed = Boolean(deployed().proofOfCompute && deployed().validatorRegistry);
    if (!trustDeployed) return;
    await admitValidatorSync(net.wallet(0), { deployment: net.deployment, validator: address(VALIDATOR) });
  });
  afterEach(({ task }) => {
    if (task.result?.state === "fail") {
      for (const d of started) process.stderr.write(`\n----- ${d.name} -----\n${d.log().slice(-6000)}\n`);
    }
    started.length = 0;
  });
  afterAll(() => cleanup.run());

  it("an honest provider is challenged, commits, responds, is attested and verified — across a validator kill -9", async (ctx) => {
    if (!trustDeployed) ctx.skip("deployOcx does not deploy ProofOfCompute and ValidatorRegistry yet");
    const provider = await startProviderNode(1);
    const validator = await startValidatorNode("honest", [address(1)]);
    // Kill the validator the moment its first challenge is on-chain, then start it again on the same state.
    await waitFor("the first challenge", async () => (await challengesOf(address(1))).length > 0);
    await validator.stop(KILL);
    const restarted = await startValidatorNode("honest", [address(1)], {
      stateDir: path.join(dir, "validator-honest"),
    });
    const verified = await waitFor("isVerified(provider 1, cpu)", () => isCpuVerified(1));
    expect(verified).toBe(true);
    const [challenge] = await challengesOf(address(1));
    expect(challenge?.phase).toBe("Attested");
    const status = (await (await fetch(`${restarted.url}/status`)).json()) as {
      components: { challenges: { challenges: { state: string }[] } };
    };
    expect(status.components.challenges.challenges[0]?.state).toBe("attested");
    expect(await (await fetch(`${restarted.url}/metrics`)).text()).toMatch(
      /ocx_validator_challenges\{state="attested"\} 1/,
    );
    expect((await validatorRecord()).locked).toBe(0n);
    await restarted.stop();
    await provider.stop();
  });

  for (const [account, cheat] of [
    [4, "skipping"],
    [5, "faking"],
  ] as const) {
    it(`a ${cheat} prover is caught through demandRow on-chain and slashed; the validator is rewarded`, async (ctx) => {
      if (!trustDeployed) ctx.skip("deployOcx does not deploy ProofOfCompute and ValidatorRegistry yet");
      const { faultSlash, rewardBps } = await parameters();
      const provider = await startProviderNode(account, cheat);
      const stakeBefore = await providerStake(account);
      const balanceBefore = await balanceOf(VALIDATOR);
      const validator = await startValidatorNode(cheat, [address(account)]);
      const [faulted] = await waitFor(`a faulted challenge of the ${cheat} provider`, async () => {
        const list = await challengesOf(address(account));
        return list.some((c) => c.phase === "Faulted") ? list : undefined;
      });
      expect(faulted?.phase).toBe("Faulted");
      expect(await isCpuVerified(account)).toBe(false);
      expect(stakeBefore - (await providerStake(account))).toBe(BigInt(faultSlash));
      expect((await balanceOf(VALIDATOR)) - balanceBefore).toBe((BigInt(faultSlash) * BigInt(rewardBps)) / 10_000n);
      await validator.stop();
      await provider.stop();
    });
  }

  it("a false accusation fails on-chain and the validator's bond goes to the honest provider", async (ctx) => {
    if (!trustDeployed) ctx.skip("deployOcx does not deploy ProofOfCompute and ValidatorRegistry yet");
    const { challengeBond } = await parameters();
    const provider = await startProviderNode(7);
    const providerBalanceBefore = await balanceOf(7);
    const validator = await startValidatorNode("false-accuser", [address(7)], { falseAccusation: "demand-row" });
    // Read after start: the daemon tops its stake up before it serves /health.
    const validatorStakeBefore = (await validatorRecord()).stake;
    await waitFor("the accusation to be dismissed", async () =>
      (await challengesOf(address(7))).some((c) => c.phase === "Dismissed"),
    );
    expect(validatorStakeBefore - (await validatorRecord()).stake).toBe(BigInt(challengeBond));
    expect((await balanceOf(7)) - providerBalanceBefore).toBe(BigInt(challengeBond));
    await validator.stop();
    await provider.stop();
  });

  it("a provider that goes offline after offering is proven late and slashed", async (ctx) => {
    if (!trustDeployed) ctx.skip("deployOcx does not deploy ProofOfCompute and ValidatorRegistry yet");
    const { faultSlash } = await parameters();
    const provider = await startProviderNode(8);
    await provider.stop(KILL);
    const stakeBefore = await providerStake(8);
    const validator = await startValidatorNode("late", [address(8)]);
    await waitFor(
      "the late fault",
      async () => (await challengesOf(address(8))).some((c) => c.phase === "Faulted"),
      120_000,
    );
    expect(stakeBefore - (await providerStake(8))).toBe(BigInt(faultSlash));
    expect(validator.log()).toMatch(/proved challenge \d+ .* late on-chain/);
    await validator.stop();
  });
});
