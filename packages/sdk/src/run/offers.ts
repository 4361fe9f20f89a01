// Reads the market's offers from the chain: the OfferPosted events, then each offer's current terms.
import type { PublicClient } from "viem";
import type { Deployment } from "../deployment.js";
import { marketplaceAbi } from "../generated/abis.js";
import type { OfferTerms } from "./match.js";

/**
 * Every offer ever posted, with its current state and terms, oldest first.
 * @example
 * const offers = await listOffers(publicClient, deployment);
 * offers.filter((o) => o.state === 1); // the active ones
 */
export async function listOffers(
  publicClient: PublicClient,
  deployment: Pick<Deployment, "marketplace" | "startBlock">,
): Promise<OfferTerms[]> {
  const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;
  const [count] = await publicClient.readContract({ ...market, functionName: "counts" });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const offers = await Promise.all(
    ids.map((id) => publicClient.readContract({ ...market, functionName: "getOffer", args: [id] })),
  );
  return offers.map((o, i) => ({ ...o, offerId: ids[i] as bigint }));
}
