// Reads the market's offers: through the indexer when the network's config names one (the deployment's `indexer`
// URL, or `indexerUrl`), otherwise from the chain through the typed actions (the offer count, then each offer).
import type { ReadClient } from "../actions/internal/contract.js";
import { getCounts } from "../actions/marketplace/getCounts.js";
import { getOffer } from "../actions/marketplace/getOffer.js";
import type { Deployment } from "../deployment.js";
import { createIndexerClient, IndexerError, toOfferTerms } from "../indexer/client.js";
import type { OffersQuery } from "../indexer/types.js";
import type { OfferTerms } from "./match.js";

/** Options of `listOffers`. */
export interface ListOffersOptions {
  /** The indexer to ask; default the deployment's `indexer`. Empty string: read the chain. */
  indexerUrl?: string;
  /** Filters the indexer applies before answering (ignored on the chain path: the caller filters). */
  query?: Omit<OffersQuery, "state" | "limit" | "offset">;
  /** Called when the indexer cannot answer and the chain is read instead. */
  onIndexerError?: (error: IndexerError) => void;
}

/** The indexer URL a deployment names (`"indexer"` in deployments/<chainId>.json), if any. */
export function deploymentIndexerUrl(deployment: object): string | undefined {
  const url = (deployment as { indexer?: unknown }).indexer;
  return typeof url === "string" && url !== "" ? url : undefined;
}

/**
 * Every offer ever posted, with its current state and terms, oldest first (by price, cheapest first, through the
 * indexer, with `verified` and `reputation` filled in). An indexer that cannot answer falls back to the chain.
 * @example
 * const offers = await listOffers(publicClient, deployment);
 * offers.filter((o) => o.state === OfferState.Active);
 */
export async function listOffers(
  client: ReadClient,
  deployment: Pick<Deployment, "marketplace" | "startBlock">,
  options: ListOffersOptions = {},
): Promise<OfferTerms[]> {
  const indexerUrl = options.indexerUrl ?? deploymentIndexerUrl(deployment);
  if (indexerUrl) {
    try {
      const { offers } = await createIndexerClient(indexerUrl).offers({
        ...options.query,
        state: "all",
        limit: 100_000, // the indexer's most: every match of a 10,000-offer book
      });
      return offers.map(toOfferTerms);
    } catch (error) {
      if (!(error instanceof IndexerError)) throw error;
      options.onIndexerError?.(error);
    }
  }
  const [count] = await getCounts(client, { deployment });
  const offers: OfferTerms[] = [];
  // A bounded number of reads in flight: 10,000 at once open as many sockets (EMFILE) and stall the node.
  for (let first = 1n; first <= count; first += CHAIN_READS_IN_FLIGHT) {
    const last = first + CHAIN_READS_IN_FLIGHT - 1n < count ? first + CHAIN_READS_IN_FLIGHT - 1n : count;
    const ids = Array.from({ length: Number(last - first + 1n) }, (_, i) => first + BigInt(i));
    const read = await Promise.all(ids.map((offerId) => getOffer(client, { deployment, offerId })));
    offers.push(...read.map((o, i) => ({ ...o, offerId: ids[i] as bigint })));
  }
  return offers;
}

/** How many offers the chain path reads at once. */
const CHAIN_READS_IN_FLIGHT = 64n;
