// The challenge responder on a real node against the real ProofOfCompute on anvil: a validator
// (account 3, admitted and staked here) challenges the provider's CPU; the node proves, commits
// before the deadline, responds on-chain and serves an opening that verifies; the validator attests.
// Then the dispute rounds (demandRow, disputeProducts → pickStep → proveStep) are answered on-chain
// and the accusations fail; a node stopped mid-proof resumes after its restart; and the same node
// run as the test-only skipping cheater is faulted on-chain.
import {
  assertChallengeId,
  type Challenge,
  deriveChallenge,
  encodeChallenge,
  type Hex,
  type Opening,
  sha256,
  toHex,
  verifyOpening,
} from "@ocx/proofs";
import {
  approveSync,
  challengePhaseName,
  fromLabel,
  proofOfComputeAbi,
  toLabel,
  validatorRegistryAbi,
  verifyAnswer,
} from "@ocx/sdk";
import { type Address, parseEther, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Market, startMarket } from "./harness.js";

const VALIDATOR = 3;
const CPU = toLabel("cpu");

let market: Market;
let poc: Address;
let validator: Wallet;

type Wallet = ReturnType<Market["net"]["wallet"]>;

beforeAll(async () => {
  market = await startMarket("", { captureLogs: true });
  const { net } = market;
  poc = net.deployment.proofOfCompute as Address;
  const registry = net.deployment.validatorRegistry as Address;
  validator = net.wallet(VALIDATOR);
  const deployer = net.wallet(0);
  await write(deployer, registry, validatorRegistryAbi, "admit", [validator.account.address]);
  await approveSync(validator, { deployment: net.deployment, spender: registry, value: parseEther("5000") });
  await write(validator, registry, validatorRegistryAbi, "stake", [parseEther("5000")]);
});

afterAll(async () => {
  await market?.stop();
});

async function write(
  wallet: Wallet,
  address: Address,
  abi: typeof proofOfComputeAbi | typeof validatorRegistryAbi,
  functionName: string,
  args: readonly unknown[],
) {
  const { request } = await market.net.publicClient.simulateContract({
    account: wallet.account,
    address,
    abi,
    functionName: functionName as never,
    args: args as never,
  });
  const hash = await wallet.writeContract(request as never);
  const receipt = await market.net.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function challenge(): Promise<bigint> {
  const provider = market.node.address;
  const receipt = await write(validator, poc, proofOfComputeAbi, "challenge", [provider, CPU, 0]);
  const [issued] = parseEventLogs({ abi: proofOfComputeAbi, logs: receipt.logs, eventName: "ChallengeIssued" });
  return (issued as { args: { id: bigint } }).args.id;
}

const onChain = async (id: bigint) =>
  (await market.net.publicClient.readContract({
    address: poc,
    abi: proofOfComputeAbi,
    functionName: "getChallenge",
    args: [id],
  })) as {
    phase: number;
    stage: number;
    n: number;
    steps: number;
    k: number;
    t: number;
    challengedAt: bigint;
    deadlineAt: bigint;
    committedAt: bigint;
    commitBlock: bigint;
    seed: Hex;
    workId: Hex;
    root: Hex;
    model: Hex;
    gpuIndex: number;
  };

/** The node's view of challenge `id`, from its /status. */
async function nodeState(id: bigint): Promise<{ state: string; message: string } | undefined> {
  const status = (await (await fetch(`${market.node.url}/status`)).json()) as {
    components: { challenges: { challenges?: { id: string; state: string; message: string }[] } };
  };
  return status.components.challenges.challenges?.find((c) => c.id === id.toString());
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) {
      const said = market.logs
        .filter((l) => /challenge/.test(JSON.stringify(l)))
        .slice(-8)
        .map((l) => JSON.stringify(l));
      throw new Error(`timed out waiting for ${what}; the node said:\n${said.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nodeReaches = (id: bigint, state: string) =>
  waitFor(`challenge ${id} to be ${state} on the node`, async () => {
    const s = await nodeState(id);
    return s?.state === state ? s : undefined;
  });

/** What a validator does after the response: fetch the signed opening and verify it. */
async function fetchAndVerify(id: bigint) {
  const c = await onChain(id);
  const route = `GET /challenges/${id}/opening`;
  const response = await fetch(`${market.node.url}/challenges/${id}/opening`);
  expect(response.status).toBe(200);
  const body = await response.text();
  await verifyAnswer({
    chainId: market.net.deployment.chainId,
    apiSigner: market.node.address,
    leaseId: 0n,
    route,
    headers: response.headers,
    body,
  });
  const opening = JSON.parse(body) as Opening;
  const block = await market.net.publicClient.getBlock({ blockNumber: c.commitBlock });
  const seedBlock = await market.net.publicClient.getBlock({ blockNumber: (await challengeBlock(id)) as bigint });
  // The validator derives the challenge itself: deriveChallenge with the contract's n and steps, and
  // the contract's deadline (deadlineAt − challengedAt), which the contract hashed into its workId.
  const derived = deriveChallenge({
    seed: seedBlock.hash as Hex,
    provider: market.node.address.toLowerCase() as Hex,
    gpuIndex: c.gpuIndex,
    model: "cpu",
    n: c.n,
    steps: c.steps,
  });
  const { id: _derivedId, ...fields } = { ...derived, deadlineSeconds: Number(c.deadlineAt - c.challengedAt) };
  const ch: Challenge = { ...fields, id: toHex(sha256(encodeChallenge(fields))) };
  assertChallengeId(ch);
  expect(ch.id).toBe(c.workId);
  const commitment = { challengeId: ch.id, root: c.root };
  const verdict = verifyOpening({ challenge: ch, commitment, checkSeed: block.hash as Hex, opening, k: c.k, t: c.t });
  return { verdict, opening, challenge: ch, commitment, checkSeed: block.hash as Hex, c };
}

async function challengeBlock(id: bigint) {
  const c = (await market.net.publicClient.readContract({
    address: poc,
    abi: proofOfComputeAbi,
    functionName: "getChallenge",
    args: [id],
  })) as { challengeBlock: bigint };
  return c.challengeBlock;
}

describe("provider challenge responder (real node, real ProofOfCompute)", () => {
  it("answers an honest challenge end to end: commit before the deadline, respond, opening verifies, attested", async () => {
    const id = await challenge();
    await nodeReaches(id, "responded");
    const c = await onChain(id);
    expect(challengePhaseName(c.phase)).toBe("Responded");
    expect(c.committedAt <= c.deadlineAt).toBe(true);
    const { verdict } = await fetchAndVerify(id);
    expect(verdict).toMatchObject({ ok: true });
    await write(validator, poc, proofOfComputeAbi, "attest", [id, 10_000]);
    await nodeReaches(id, "attested");
    const verified = await market.net.publicClient.readContract({
      address: poc,
      abi: proofOfComputeAbi,
      functionName: "isVerified",
      args: [market.node.address, CPU, 0],
    });
    expect(verified).toBe(true);
    expect(
      market.logs.some((l) => /challenge \d+ cpu#0: committed root 0x.* deadline \d+ s/.test(String(l.message))),
    ).toBe(true);
    expect((await fetch(`${market.node.url}/challenges/999/opening`)).status).toBe(404);
  });

  it("answers demandRow on-chain with the row and its proof: the accusation fails, the bond goes to the provider", async () => {
    const id = await challenge();
    await nodeReaches(id, "responded");
    const { opening } = await fetchAndVerify(id);
    const row = opening.rows[2]?.index as number;
    await write(validator, poc, proofOfComputeAbi, "demandRow", [id, row]);
    const ended = await nodeReaches(id, "dismissed");
    expect(challengePhaseName((await onChain(id)).phase)).toBe("Dismissed");
    expect(ended.message).toMatch(/dismissed/);
  });

  it("answers a products dispute round by round (postTrace, revealStep): proveStep finds the step right, dismissed", async () => {
    const id = await challenge();
    await nodeReaches(id, "responded");
    const { c } = await fetchAndVerify(id);
    await write(validator, poc, proofOfComputeAbi, "disputeProducts", [id, 1]);
    const traced = await waitFor("the trace on-chain", async () => {
      const hashes = (await market.net.publicClient.readContract({
        address: poc,
        abi: proofOfComputeAbi,
        functionName: "traceOf",
        args: [id],
      })) as Hex[];
      return hashes.length > 0 ? hashes : undefined;
    });
    expect(traced).toHaveLength(c.steps + 2);
    await write(validator, poc, proofOfComputeAbi, "pickStep", [id, 1]);
    await waitFor("the step revealed", async () => (await onChain(id)).stage === 5); // StepProofDue
    await write(validator, poc, proofOfComputeAbi, "proveStep", [id, 3]);
    await nodeReaches(id, "dismissed");
    expect(challengePhaseName((await onChain(id)).phase)).toBe("Dismissed");
  });

  it("a node stopped mid-proof resumes after its restart and commits once", async () => {
    // A bigger CPU challenge so the proof takes long enough to be interrupted.
    await write(market.net.wallet(0), poc, proofOfComputeAbi, "setModel", [CPU, 512, 4, 120]);
    const id = await challenge();
    await nodeReaches(id, "proving");
    await market.node.close();
    await market.restart();
    await nodeReaches(id, "responded");
    const commits = await market.net.publicClient.getContractEvents({
      address: poc,
      abi: proofOfComputeAbi,
      eventName: "ChallengeCommitted",
      args: { id },
      fromBlock: 0n,
    });
    expect(commits).toHaveLength(1);
    expect((await fetchAndVerify(id)).verdict).toMatchObject({ ok: true });
    await write(market.net.wallet(0), poc, proofOfComputeAbi, "setModel", [CPU, 128, 2, 11]);
  });

  it("a cheater (skipping half the rows) is caught: demandRow makes it reveal its committed row, the contract faults it", async () => {
    const honest = market.config.challenges;
    await market.node.close();
    // The harness restarts with market.config: the same node, now a cheater.
    market.config.challenges = { ...honest, cheat: "skipping" };
    await market.restart();
    try {
      const id = await challenge();
      await nodeReaches(id, "responded");
      const { verdict } = await fetchAndVerify(id);
      expect(verdict).toMatchObject({ ok: false, fault: "row-inconsistent" });
      const row = (verdict as { row: number }).row;
      await write(validator, poc, proofOfComputeAbi, "demandRow", [id, row]);
      await nodeReaches(id, "faulted");
      expect(challengePhaseName((await onChain(id)).phase)).toBe("Faulted");
      const [faulted] = await market.net.publicClient.getContractEvents({
        address: poc,
        abi: proofOfComputeAbi,
        eventName: "ChallengeFaulted",
        args: { id },
        fromBlock: 0n,
      });
      expect(fromLabel((faulted as { args: { fault: Hex } }).args.fault)).toBe("row-inconsistent");
    } finally {
      market.config.challenges = honest;
      await market.node.close();
      await market.restart();
    }
  });
});
