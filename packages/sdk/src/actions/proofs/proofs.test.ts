// A proof-of-compute challenge through the Sync actions on a real anvil, answered by the real TypeScript prover:
// deployOcx's trust contracts and model table, a validator staked and admitted, the honest path to a verified GPU,
// a false accusation that pays the provider, and a decoded revert.
import {
  type Challenge,
  deriveAudit,
  deriveChallenge,
  type Hex,
  type Opening,
  type ProverSession,
  proveChallenge,
  verifyOpening,
} from "@ocx/proofs";
import { keccak256, parseEther, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proofModelTable } from "../../deploy.js";
import { OcxContractError } from "../../errors.js";
import { ChallengePhase } from "../../generated/enums.js";
import { toLabel } from "../../units.js";
import { registerProviderSync } from "../registry/registerProvider.js";
import { stakeSync } from "../registry/stake.js";
import { startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { ensureAllowance } from "../token/ensureAllowance.js";
import { getTokenBalance } from "../token/getTokenBalance.js";
import { admitValidatorSync } from "../validators/admitValidator.js";
import { getValidator } from "../validators/getValidator.js";
import { isValidatorActive } from "../validators/isValidatorActive.js";
import { stakeValidatorSync } from "../validators/stakeValidator.js";
import { attestChallengeSync } from "./attestChallenge.js";
import { challengeProviderSync } from "./challengeProvider.js";
import { commitChallenge, commitChallengeSync } from "./commitChallenge.js";
import { demandRowSync } from "./demandRow.js";
import { getAttestation } from "./getAttestation.js";
import { getChallenge } from "./getChallenge.js";
import { getChallengeProducts } from "./getChallengeProducts.js";
import { getModelSize } from "./getModelSize.js";
import { getProofParameters } from "./getProofParameters.js";
import { isVerified } from "./isVerified.js";
import { respondChallengeSync } from "./respondChallenge.js";
import { revealRowSync } from "./revealRow.js";

const CPU = toLabel("cpu");

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet();
  const { deployment } = net;
  const provider = net.wallet(1);
  const validator = net.wallet(2);
  await registerProviderSync(provider, {
    deployment,
    endpoint: "https://cpu.example.com",
    region: toLabel("eu-west"),
    metadataHash: keccak256(stringToHex("{}")),
    apiSigner: provider.account.address,
  });
  await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: parseEther("2000") });
  await stakeSync(provider, { deployment, amount: parseEther("2000") });
  const validatorRegistry = deployment.validatorRegistry as Hex;
  await ensureAllowance(validator, { deployment, spender: validatorRegistry, amount: parseEther("2000") });
  await stakeValidatorSync(validator, { deployment, amount: parseEther("2000") });
  await admitValidatorSync(net.wallet(0), { deployment, validator: validator.account.address });
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

/** The validator challenges the provider's GPU 0 as "cpu"; the provider proves and commits with the TS prover. */
async function challengeAndCommit(): Promise<{ id: bigint; challenge: Challenge; session: ProverSession }> {
  const { deployment, publicClient } = net;
  const provider = net.wallet(1);
  const { event, receipt } = await challengeProviderSync(net.wallet(2), {
    deployment,
    provider: provider.account.address,
    model: CPU,
    gpuIndex: 0,
  });
  // The seed is the challenge block's hash: known from its receipt on.
  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
  const challenge = deriveChallenge({
    seed: block.hash,
    provider: provider.account.address,
    gpuIndex: event.gpuIndex,
    model: "cpu",
    n: event.n,
    steps: event.steps,
  });
  const session = proveChallenge(challenge);
  const committed = await commitChallengeSync(provider, { deployment, id: event.id, root: session.commitment.root });
  expect(committed.event.workId).toBe(challenge.id);
  return { id: event.id, challenge, session };
}

/** The provider derives the audit from the commit block's hash and posts its products. */
async function respond(id: bigint, challenge: Challenge, session: ProverSession) {
  const { deployment, publicClient } = net;
  const c = await getChallenge(publicClient, { deployment, id });
  const commitBlock = await publicClient.getBlock({ blockNumber: c.commitBlock });
  const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed: commitBlock.hash, k: c.k, t: c.t });
  const opening = session.open(audit);
  const products = `0x${opening.products.map((p) => p.slice(2)).join("")}` as Hex;
  const { event } = await respondChallengeSync(net.wallet(1), { deployment, id, products });
  expect(event.auditId).toBe(audit.id);
  return { opening, checkSeed: commitBlock.hash, k: c.k, t: c.t };
}

describe("proof of compute through the SDK", () => {
  it("deploys the model table from @ocx/proofs and an active validator", async () => {
    const { deployment, publicClient } = net;
    const cpu = proofModelTable().find((m) => m.model === "cpu");
    expect(await getModelSize(publicClient, { deployment, model: CPU })).toEqual({
      n: 128,
      steps: 2,
      deadlineSeconds: cpu?.deadlineSeconds,
    });
    const h100 = proofModelTable().find((m) => m.model === "nvidia-h100-80gb");
    expect((await getModelSize(publicClient, { deployment, model: toLabel("nvidia-h100-80gb") })).n).toBe(h100?.n);
    expect(await isValidatorActive(publicClient, { deployment, validator: net.wallet(2).account.address })).toBe(true);
    expect((await getProofParameters(publicClient, { deployment })).repetitions).toBe(2);
  });

  it("an honest provider is challenged, verified off-chain, attested and shown as verified", async () => {
    const { deployment, publicClient } = net;
    const { id, challenge, session } = await challengeAndCommit();
    const { opening, checkSeed, k, t } = await respond(id, challenge, session);
    // The validator checks the opening off-chain against the products on-chain.
    const onChain = await getChallengeProducts(publicClient, { deployment, id });
    const posted: Opening = {
      ...opening,
      products: [0, 1].map((i) => `0x${onChain.slice(2 + i * 256, 258 + i * 256)}` as Hex),
    };
    const verdict = verifyOpening({ challenge, commitment: session.commitment, checkSeed, opening: posted, k, t });
    expect(verdict.ok).toBe(true);
    const { event } = await attestChallengeSync(net.wallet(2), { deployment, id, score: 10_000 });
    expect(event.challengeId).toBe(id);
    expect((await getChallenge(publicClient, { deployment, id })).phase).toBe(ChallengePhase.Attested);
    const provider = net.wallet(1).account.address;
    expect(await isVerified(publicClient, { deployment, provider, model: CPU, gpuCount: 0 })).toBe(true);
    expect((await getAttestation(publicClient, { deployment, provider, model: CPU, gpuIndex: 0 })).score).toBe(10_000);
  }, 60_000);

  it("a false accusation fails on-chain and pays the provider the bond", async () => {
    const { deployment, publicClient } = net;
    const { id, challenge, session } = await challengeAndCommit();
    const { opening } = await respond(id, challenge, session);
    const row = opening.rows[0];
    if (!row) throw new Error("the opening has no rows");
    await demandRowSync(net.wallet(2), { deployment, id, row: row.index });
    const provider = net.wallet(1);
    const before = await getTokenBalance(publicClient, { deployment, account: provider.account.address });
    const revealed = await revealRowSync(provider, {
      deployment,
      id,
      row: row.index,
      values: row.values,
      proof: row.proof,
    });
    expect(revealed.eventName).toBe("AccusationFailed");
    const after = await getTokenBalance(publicClient, { deployment, account: provider.account.address });
    const { challengeBond } = await getProofParameters(publicClient, { deployment });
    expect(after - before).toBe(challengeBond);
    expect((await getValidator(publicClient, { deployment, validator: net.wallet(2).account.address })).locked).toBe(
      0n,
    );
  }, 60_000);

  it("decodes a revert into a named error (a commit from the wrong account)", async () => {
    const { deployment } = net;
    const { event } = await challengeProviderSync(net.wallet(2), {
      deployment,
      provider: net.wallet(1).account.address,
      model: CPU,
      gpuIndex: 1,
    });
    const error = await commitChallenge(net.wallet(3), {
      deployment,
      id: event.id,
      root: `0x${"ab".repeat(32)}`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcxContractError);
    expect((error as OcxContractError).errorName).toBe("ProofWrongCaller");
  }, 60_000);
});
