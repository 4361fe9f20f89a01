// Reputation and trust-aware matching on a real anvil with the real contracts: a provider's completed lease and
// its no-shows, read back from the chain, give the hand-computed score; the matcher passes over the provider once
// its score falls below the threshold, and says why; a verified-only job finds no unattested offer.
import { keccak256, parseEther, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acknowledgeLeaseSync } from "../actions/marketplace/acknowledgeLease.js";
import { cancelLeaseSync } from "../actions/marketplace/cancelLease.js";
import { completeLeaseSync } from "../actions/marketplace/completeLease.js";
import { postOfferSync } from "../actions/marketplace/postOffer.js";
import { takeOfferSync } from "../actions/marketplace/takeOffer.js";
import { registerProviderSync } from "../actions/registry/registerProvider.js";
import { stakeSync } from "../actions/registry/stake.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { parseManifest } from "../manifest/parse.js";
import { findOffer, NoMatchingOfferError } from "../run/findOffer.js";
import { type OfferTerms, offerMismatches } from "../run/match.js";
import { toLabel } from "../units.js";
import { getReputation, getReputations } from "./getReputation.js";
import { annotateOffers, attestationModel } from "./offerTrust.js";

const DAY = 86_400n;
const CPU_BUNDLE = {
  gpuModel: toLabel(""),
  region: toLabel("eu-west"),
  gpuCount: 0,
  gpuVramMiB: 0,
  cpuMillicores: 2000,
  memoryMiB: 4096,
  diskMiB: 10240,
};
const job = (extra = "") =>
  parseManifest(`version: 1
name: trust
command: [sh, -c, "echo hi"]
resources: { cpu: 1, memory: 256Mi, disk: 64Mi }
maxDuration: 10m
${extra}`);

let testnet: Testnet;
beforeAll(async () => {
  testnet = await startTestnet();
});
afterAll(async () => {
  await testnet?.stop();
});

describe("offerMismatches on trust", () => {
  const offer: OfferTerms = {
    offerId: 1n,
    provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    state: 1,
    maxLeases: 1,
    activeLeases: 0,
    minDuration: 60,
    maxDuration: 3600,
    pricePerSecond: 1n,
    resources: CPU_BUNDLE,
  };

  it("asks for verification from the manifest or the option, and names it", () => {
    expect(offerMismatches(job("placement: { verified: true }"), { ...offer, verified: false })).toEqual([
      { need: "verified", message: "not verified: its GPUs hold no current hardware attestation" },
    ]);
    expect(offerMismatches(job(), { ...offer, verified: false }, { requireVerified: true })[0]?.need).toBe("verified");
    expect(offerMismatches(job(), { ...offer, verified: true }, { requireVerified: true })).toEqual([]);
    expect(offerMismatches(job(), offer, { requireVerified: true })[0]?.message).toMatch(/unknown/);
  });

  it("passes over a provider below the reputation threshold, with the score", () => {
    expect(offerMismatches(job(), { ...offer, reputation: 0.2 }, { minReputation: 0.25 })).toEqual([
      { need: "reputation", message: "provider reputation 0.20 < 0.25 required" },
    ]);
    expect(offerMismatches(job(), { ...offer, reputation: 0.25 }, { minReputation: 0.25 })).toEqual([]);
  });

  it("attests a CPU bundle under the label cpu", () => {
    expect(attestationModel(offer)).toBe(toLabel("cpu"));
    expect(attestationModel({ resources: { ...CPU_BUNDLE, gpuCount: 1, gpuModel: toLabel("nvidia-h100-80gb") } })).toBe(
      toLabel("nvidia-h100-80gb"),
    );
  });
});

describe("getReputation on the chain", () => {
  it("scores a completion and two no-shows as computed by hand, and the matcher follows the score", async () => {
    const { deployment, publicClient } = testnet;
    const provider = testnet.wallet(1);
    const buyer = testnet.wallet(2);
    await registerProviderSync(provider, {
      deployment,
      endpoint: "http://127.0.0.1:9",
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    const stake = parseEther("1000");
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
    await stakeSync(provider, { deployment, amount: stake });
    const { event: posted } = await postOfferSync(provider, {
      deployment,
      resources: CPU_BUNDLE,
      pricePerSecond: 10n,
      maxLeases: 4,
      minDuration: 60,
      maxDuration: 86_400,
    });
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: parseEther("1") });
    const take = async () =>
      (
        await takeOfferSync(buyer, {
          deployment,
          offerId: posted.offerId,
          maxPricePerSecond: 10n,
          manifestHash: keccak256(stringToHex("job")),
          deposit: 6000n,
        })
      ).event.leaseId;

    const now = BigInt((await publicClient.getBlock()).timestamp);
    const t0 = now + 100n;
    // A completed lease at t0.
    const first = await take();
    await acknowledgeLeaseSync(provider, { deployment, leaseId: first });
    await testnet.setNextBlockTimestamp(t0);
    await completeLeaseSync(provider, {
      deployment,
      leaseId: first,
      resultHash: keccak256("0x01"),
      exitCode: 0,
      endedAt: t0,
    });
    // Two leases the provider never acknowledged, cancelled as no-shows exactly 7 days later.
    const second = await take();
    const third = await take();
    await testnet.setNextBlockTimestamp(t0 + 7n * DAY);
    await cancelLeaseSync(buyer, { deployment, leaseId: second });
    await testnet.setNextBlockTimestamp(t0 + 7n * DAY + 1n);
    await cancelLeaseSync(buyer, { deployment, leaseId: third });
    const at = t0 + 7n * DAY + 1n;

    // Scored at t0 + 7 d + 1 s: the completion weighs 1/2 and each no-show 3 (one second's decay, 2^(−1/604800),
    // moves the score by less than a ppm): (1 + 0.5)/(2 + 0.5 + 3 + 3) = 1.5/8.5 = 0.176470…
    const reputation = await getReputation(publicClient, { deployment, provider: provider.account.address, now: at });
    expect(reputation.counts).toMatchObject({ leaseCompleted: 1, noShow: 2 });
    expect(reputation.scorePpm).toBe(176_470);

    // All providers at once: the same events and score.
    const { reputations, events } = await getReputations(publicClient, { deployment, now: at });
    expect(events.get(provider.account.address)?.map((e) => e.kind)).toEqual(["leaseCompleted", "noShow", "noShow"]);
    expect(reputations.get(provider.account.address)?.scorePpm).toBe(176_470);

    // The matcher passes over the provider (0.18 < 0.25) and says so; with the threshold off it takes the offer.
    const refused = await findOffer(publicClient, { deployment, manifest: job(), market: "offer" }).catch((e) => e);
    expect(refused).toBeInstanceOf(NoMatchingOfferError);
    expect((refused as NoMatchingOfferError).reasons[0]?.why).toEqual(["provider reputation 0.18 < 0.25 required"]);
    const taken = await findOffer(publicClient, { deployment, manifest: job(), minReputation: 0 });
    expect(taken.kind === "offer" && taken.offer.offerId).toBe(posted.offerId);

    // No validator attested this provider: a verified-only job finds nothing.
    const unverified = await findOffer(publicClient, {
      deployment,
      manifest: job("placement: { verified: true }"),
      minReputation: 0,
      market: "offer",
    }).catch((e) => e);
    expect(unverified).toBeInstanceOf(NoMatchingOfferError);
    expect((unverified as NoMatchingOfferError).reasons[0]?.why).toEqual([
      "not verified: its GPUs hold no current hardware attestation",
    ]);
    const offers = taken.kind === "offer" ? [taken.offer] : [];
    const [annotated] = await annotateOffers(publicClient, { deployment, offers, now: at });
    expect(annotated).toMatchObject({ verified: false, reputation: 0.17647 });
  }, 60_000);
});
