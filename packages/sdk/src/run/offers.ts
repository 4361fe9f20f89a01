// Reads the market's offers from the chain through the typed actions: the offer count, then each offer's terms.
import type { ReadClient } from "../actions/internal/contract.js";
import { getCounts } from "../actions/marketplace/getCounts.js";
import { getOffer } from "../actions/marketplace/getOffer.js";
import type { Deployment } from "../deployment.js";
import type { OfferTerms } from "./match.js";

/**
 * Every offer ever posted, with its current state and terms, oldest first.
 * @example
 * const offers = await listOffers(publicClient, deployment);
 * offers.filter((o) => o.state === OfferState.Active);
 */
export async function listOffers(
  client: ReadClient,
  deployment: Pick<Deployment, "marketplace" | "startBlock">,
): Promise<OfferTerms[]> {
  const [count] = await getCounts(client, { deployment });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const offers = await Promise.all(ids.map((offerId) => getOffer(client, { deployment, offerId })));
  return offers.map((o, i) => ({ ...o, offerId: ids[i] as bigint }));
}
