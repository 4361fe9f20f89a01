// Issue 11's "emissions are claimable by verified providers", on a real anvil with the real contracts, driven
// through the SDK's actions: a validator challenges providers and attests those whose proofs (the real TypeScript
// prover) hold; three providers serve leases; the epoch ends and
// - the attested provider claims exactly its pro-rata share of the epoch's emission (rounded down, as the contract);
// - the unattested provider's GPU-seconds are recorded as unverified and earn nothing;
// - the attested provider that is slashed in the epoch (a challenge it left unanswered, proven late) gets nothing;
// - the simulation's formulas (emissionOf, rewardOf) give this real epoch's emission and shares.
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import { deriveAudit, deriveChallenge, proveChallenge } from "@ocx/proofs";
import {
  acknowledgeLeaseSync,
  admitValidatorSync,
  attestChallengeSync,
  challengeProviderSync,
  claimEmissionsSync,
  commitChallengeSync,
  emissionOf,
  emissionsAbi,
  getChallenge,
  getEmissionSchedules,
  getEmissionWork,
  isVerified,
  OcxContractError,
  ocxCreditsAbi,
  ocxTokenAbi,
  postOfferSync,
  proveLateSync,
  recordWorkSync,
  registerProviderSync,
  respondChallengeSync,
  rewardOf,
  stakeSync,
  stakeValidatorSync,
  takeOfferSync,
  toLabel,
} from "@ocx/sdk";
import { type Address, erc20Abi, type Hex, keccak256, parseEther, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CPU = toLabel("cpu");
const EPOCH = 3600;
const EMISSION = parseEther("1000");
const PRICE = 10n ** 12n; // payment-token wei per second
const VALIDATOR = 2;
const BUYER = 3;
/** Anvil accounts of the three providers. */
const ATTESTED = 1;
const UNATTESTED = 4;
const SLASHED = 5;

let net: Localnet;
beforeAll(async () => {
  net = await startLocalnet({ deploy: { emissions: { epochLength: EPOCH, emission: EMISSION, decay: 0n } } });
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

const address = (account: number) => net.wallet(account).account.address;
const mined = async (hash: Hex) => {
  const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
};

/** Mines an empty block at `seconds` (anvil), so that simulations see that time. */
async function mineAt(seconds: bigint) {
  await net.publicClient.request({
    method: "evm_setNextBlockTimestamp",
    params: [`0x${seconds.toString(16)}`],
  } as never);
  await net.publicClient.request({ method: "evm_mine" } as never);
}

/** Approves `amount` of `token` from anvil account `account` to `spender`. */
async function approve(account: number, token: Address, spender: Address, amount: bigint) {
  await mined(
    await net.wallet(account).writeContract({
      address: token,
      abi: erc20Abi,
      functionName: "approve",
      args: [spender, amount],
    }),
  );
}

/** Registers and stakes a provider for one CPU "GPU" unit. */
async function registerProvider(account: number) {
  const { deployment } = net;
  await registerProviderSync(net.wallet(account), {
    deployment,
    endpoint: `https://provider-${account}.example.com`,
    region: toLabel("eu-west"),
    metadataHash: keccak256(stringToHex("{}")),
    apiSigner: address(account),
  });
  await approve(account, deployment.token, deployment.registry, parseEther("2000"));
  await stakeSync(net.wallet(account), { deployment, amount: parseEther("2000") });
}

/** The validator challenges the provider's unit 0 as "cpu". */
async function challenge(account: number) {
  const { deployment, publicClient } = net;
  const { event, receipt } = await challengeProviderSync(net.wallet(VALIDATOR), {
    deployment,
    provider: address(account),
    model: CPU,
    gpuIndex: 0,
  });
  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
  return { id: event.id, event, seed: block.hash };
}

/** A challenge answered honestly with the real prover and attested by the validator. */
async function attest(account: number) {
  const { deployment, publicClient } = net;
  const { id, event, seed } = await challenge(account);
  const work = deriveChallenge({
    seed,
    provider: address(account),
    gpuIndex: event.gpuIndex,
    model: "cpu",
    n: event.n,
    steps: event.steps,
  });
  const session = proveChallenge(work);
  await commitChallengeSync(net.wallet(account), { deployment, id, root: session.commitment.root });
  const c = await getChallenge(publicClient, { deployment, id });
  const commitBlock = await publicClient.getBlock({ blockNumber: c.commitBlock });
  const audit = deriveAudit({
    challenge: work,
    commitment: session.commitment,
    checkSeed: commitBlock.hash,
    k: c.k,
    t: c.t,
  });
  const products = `0x${session
    .open(audit)
    .products.map((p) => p.slice(2))
    .join("")}` as Hex;
  await respondChallengeSync(net.wallet(account), { deployment, id, products });
  await attestChallengeSync(net.wallet(VALIDATOR), { deployment, id, score: 10_000 });
}

/** The provider offers one "cpu" unit; the buyer takes it and the provider acknowledges: the lease's id. */
async function serve(account: number, paymentToken: Address): Promise<bigint> {
  const { deployment } = net;
  const { event: offer } = await postOfferSync(net.wallet(account), {
    deployment,
    resources: {
      gpuModel: CPU,
      region: toLabel("eu-west"),
      gpuCount: 1,
      gpuVramMiB: 0,
      cpuMillicores: 1000,
      memoryMiB: 1024,
      diskMiB: 1024,
    },
    pricePerSecond: PRICE,
    maxLeases: 1,
    minDuration: 60,
    maxDuration: EPOCH,
  });
  const deposit = PRICE * BigInt(EPOCH);
  await approve(BUYER, paymentToken, deployment.marketplace, deposit);
  const { event: taken } = await takeOfferSync(net.wallet(BUYER), {
    deployment,
    offerId: offer.offerId,
    maxPricePerSecond: PRICE,
    manifestHash: keccak256(stringToHex(`manifest ${account}`)),
    deposit,
  });
  await acknowledgeLeaseSync(net.wallet(account), { deployment, leaseId: taken.leaseId });
  return taken.leaseId;
}

describe("emissions for verified work", () => {
  it("pay an attested provider its pro-rata share; unattested and slashed providers get nothing", async () => {
    const { deployment, publicClient } = net;
    const emissions = deployment.emissions as Address;
    // The marketplace settles in its payment token: credits (minted from OCX at the feed's price) or OCX.
    const paymentToken = (deployment as { paymentToken?: Address }).paymentToken ?? deployment.token;
    if (paymentToken !== deployment.token) {
      const ocx = parseEther("10000");
      await approve(BUYER, deployment.token, paymentToken, ocx);
      await mined(
        await net.wallet(BUYER).writeContract({
          address: paymentToken,
          abi: ocxCreditsAbi,
          functionName: "mint",
          args: [ocx],
        }),
      );
    }

    await approve(VALIDATOR, deployment.token, deployment.validatorRegistry as Address, parseEther("2000"));
    await stakeValidatorSync(net.wallet(VALIDATOR), { deployment, amount: parseEther("2000") });
    await admitValidatorSync(net.wallet(0), { deployment, validator: address(VALIDATOR) });
    for (const account of [ATTESTED, UNATTESTED, SLASHED]) await registerProvider(account);
    for (const account of [ATTESTED, SLASHED]) await attest(account);
    const verified = async (account: number) =>
      isVerified(publicClient, { deployment, provider: address(account), model: CPU, gpuCount: 1 });
    expect([await verified(ATTESTED), await verified(UNATTESTED), await verified(SLASHED)]).toEqual([
      true,
      false,
      true,
    ]);

    const leases = new Map<number, bigint>();
    for (const account of [ATTESTED, UNATTESTED, SLASHED]) leases.set(account, await serve(account, paymentToken));
    const epoch = (
      await publicClient.readContract({
        address: emissions,
        abi: emissionsAbi,
        functionName: "epochAt",
        args: [(await publicClient.getBlock()).timestamp],
      })
    )[0];

    // Each lease's paid time is recorded (anyone may): different durations, so the shares differ.
    const served = new Map<number, bigint>();
    for (const [account, seconds] of [
      [ATTESTED, 600],
      [UNATTESTED, 900],
      [SLASHED, 1200],
    ] as const) {
      const lease = leases.get(account) as bigint;
      const before = await publicClient.getBlock();
      await mineAt(before.timestamp + BigInt(seconds));
      const { event } = await recordWorkSync(net.wallet(BUYER), { deployment, leaseId: lease });
      expect(event.epoch).toBe(epoch);
      expect(event.verified).toBe(account !== UNATTESTED);
      expect(event.units).toBe(account === UNATTESTED ? 0n : event.seconds_);
      served.set(account, event.units);
    }
    const [attestedUnits] = await getEmissionWork(publicClient, { deployment, provider: address(ATTESTED), epoch });
    const [unattestedUnits] = await getEmissionWork(publicClient, { deployment, provider: address(UNATTESTED), epoch });
    expect(attestedUnits).toBe(served.get(ATTESTED));
    expect(unattestedUnits).toBe(0n);

    // The slashed provider leaves a second challenge unanswered; anyone proves it late, in the same epoch.
    const { id, event: issued } = await challenge(SLASHED);
    await mineAt(BigInt(issued.deadlineAt) + 1n);
    await proveLateSync(net.wallet(BUYER), { deployment, id });

    // Before the epoch ends nothing can be claimed.
    const early = await claimEmissionsSync(net.wallet(ATTESTED), {
      deployment,
      provider: address(ATTESTED),
      epoch,
    }).catch((e: unknown) => e);
    expect((early as OcxContractError).errorName).toBe("EmissionsEpochNotFinished");

    const onChain = await publicClient.readContract({
      address: emissions,
      abi: emissionsAbi,
      functionName: "getEpoch",
      args: [epoch],
    });
    // The simulation's formulas (bench/sim-economy.ts) against this real epoch: its emission and the shares.
    const [schedule] = await getEmissionSchedules(publicClient, { deployment });
    expect(emissionOf({ ...schedule, length: BigInt(schedule.length) }, epoch)).toBe(onChain.emission);
    expect(onChain.emission).toBe(EMISSION);
    const totalUnits = (served.get(ATTESTED) as bigint) + (served.get(SLASHED) as bigint);
    expect(onChain.units).toBe(totalUnits);
    await mineAt(BigInt(onChain.end) + 1n);
    const share = rewardOf(onChain.emission, served.get(ATTESTED) as bigint, totalUnits); // rounded down
    expect(share).toBe((EMISSION * (served.get(ATTESTED) as bigint)) / totalUnits);
    const balance = () =>
      publicClient.readContract({
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "balanceOf",
        args: [address(ATTESTED)],
      });
    const before = await balance();
    const { event: paid } = await claimEmissionsSync(net.wallet(ATTESTED), {
      deployment,
      provider: address(ATTESTED),
      epoch,
    });
    expect(paid).toMatchObject({ reward: share, forfeited: false });
    expect((await balance()) - before).toBe(share);

    const none = await claimEmissionsSync(net.wallet(UNATTESTED), {
      deployment,
      provider: address(UNATTESTED),
      epoch,
    }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(OcxContractError);
    expect((none as OcxContractError).errorName).toBe("EmissionsNoWork");

    const { event: forfeited } = await claimEmissionsSync(net.wallet(SLASHED), {
      deployment,
      provider: address(SLASHED),
      epoch,
    });
    expect(forfeited).toMatchObject({ reward: 0n, forfeited: true });
    expect(rewardOf(onChain.emission, served.get(SLASHED) as bigint, totalUnits, true)).toBe(0n);
  }, 120_000);
});
