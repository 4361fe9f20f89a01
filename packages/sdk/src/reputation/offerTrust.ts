// What the buyer can know about an offer beyond its terms: whether its GPUs hold a current hardware attestation
// (verified) and its provider's reputation. `findOffer` and `ocx market offers` annotate offers with both.
import { type Address, getAddress, zeroHash } from "viem";
import { readContract } from "viem/actions";
import { getAction } from "viem/utils";
import type { ReadClient } from "../actions/internal/contract.js";
import { proofOfComputeAbi } from "../generated/abis.js";
import type { OfferTerms } from "../run/match.js";
import { toLabel } from "../units.js";
import { getReputations, type ReputationDeployment } from "./getReputation.js";

/**
 * The reputation below which the matcher passes an offer over by default. A new provider (0.5) is taken; one whose
 * recent record is mostly losses is not: a single fresh no-show (0.2) keeps a provider out for about 4 days
 * (until 1/(2 + 3·2^(−age/7 d)) ≥ 0.25). Higher thresholds buy safety with fewer, dearer offers and shut out
 * newcomers; 0 turns the filter off.
 */
export const DEFAULT_MIN_REPUTATION = 0.25;

/** The hardware-proof model label of an offer: its GPU model label, or "cpu" for a CPU-only bundle. */
export function attestationModel(offer: Pick<OfferTerms, "resources">): `0x${string}` {
  const { gpuModel, gpuCount } = offer.resources;
  return gpuCount === 0 || gpuModel === zeroHash ? toLabel("cpu") : gpuModel;
}

/** Parameters of `annotateOffers`. */
export interface AnnotateOffersParameters {
  deployment: ReputationDeployment;
  offers: readonly OfferTerms[];
  /** Score reputation at this time (unix seconds); the latest block's time by default. */
  now?: bigint;
}

/**
 * The offers with `verified` (ProofOfCompute.isVerified(provider, model label or "cpu", gpuCount); false when the
 * deployment has no ProofOfCompute) and `reputation` (the provider's score in [0, 1], `getReputations`) filled in.
 * @example
 * const offers = await annotateOffers(client, { deployment, offers: await listOffers(client, deployment) });
 * offers.filter((o) => o.verified && (o.reputation ?? 0) >= 0.5);
 */
export async function annotateOffers(client: ReadClient, parameters: AnnotateOffersParameters): Promise<OfferTerms[]> {
  const { deployment, offers } = parameters;
  if (offers.length === 0) return [];
  const providers = [...new Set(offers.map((o) => getAddress(o.provider)))];
  // One isVerified read per distinct (provider, model, GPU count), a bounded number in flight: a book of 10,000
  // offers from a few providers is a few dozen reads, and 10,000 at once would time out on the node's queue.
  const key = (offer: OfferTerms) => `${offer.provider}-${attestationModel(offer)}-${offer.resources.gpuCount}`;
  const distinct = [...new Map(offers.map((offer) => [key(offer), offer])).values()];
  const verifiedBy = new Map<string, boolean>();
  const proofOfCompute = deployment.proofOfCompute;
  const readVerified = (offer: OfferTerms): Promise<boolean> =>
    proofOfCompute
      ? getAction(
          client,
          readContract,
          "readContract",
        )({
          address: proofOfCompute,
          abi: proofOfComputeAbi,
          functionName: "isVerified",
          args: [offer.provider, attestationModel(offer), offer.resources.gpuCount],
        })
      : Promise.resolve(false);
  const readAllVerified = async () => {
    for (let first = 0; first < distinct.length; first += TRUST_READS_IN_FLIGHT) {
      const batch = distinct.slice(first, first + TRUST_READS_IN_FLIGHT);
      const read = await Promise.all(batch.map(readVerified));
      for (const [i, offer] of batch.entries()) verifiedBy.set(key(offer), read[i] as boolean);
    }
  };
  const [, { reputations }] = await Promise.all([
    readAllVerified(),
    getReputations(client, { deployment, providers, now: parameters.now }),
  ]);
  return offers.map((offer) => ({
    ...offer,
    verified: verifiedBy.get(key(offer)) ?? false,
    reputation: reputations.get(getAddress(offer.provider) as Address)?.score ?? 0.5,
  }));
}

/** How many trust reads `annotateOffers` keeps in flight. */
const TRUST_READS_IN_FLIGHT = 64;
