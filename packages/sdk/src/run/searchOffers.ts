// Offers a buyer can take, filtered the way a person asks for them (GPU model, count, price, trust) and judged on
// trust (verified hardware, reputation), through the indexer when there is one, else from the chain.
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { OfferState } from "../generated/enums.js";
import { annotateOffers } from "../reputation/offerTrust.js";
import { fromLabel } from "../units.js";
import { type OfferTerms, offerPricePerGpuHour } from "./match.js";
import { type ListOffersOptions, listOffers } from "./offers.js";

/** Parameters of `searchOffers`. */
export interface SearchOffersParameters {
  deployment: Deployment;
  /** Only this GPU model id (e.g. "nvidia-h100-80gb"); "cpu" for CPU offers. */
  gpuModel?: string;
  /** Only bundles with at least this many GPUs. */
  minGpus?: number;
  region?: string;
  /** Only offers at or below this price, in wei per GPU-hour (per hour for CPU offers). */
  maxPricePerGpuHour?: bigint;
  /** Only offers whose GPUs hold a current hardware attestation. */
  verified?: boolean;
  /** Only providers with at least this reputation, 0 to 1 (an unknown one counts as 0.5). */
  minReputation?: number;
  /** Include paused and withdrawn offers. Default: active only. */
  all?: boolean;
  /** "price" (per GPU-hour, then id) or "id" (default). */
  sort?: "price" | "id";
  /** Ask this indexer (default: the deployment's, if any); "" reads the chain. */
  indexerUrl?: string;
  /** Told when the indexer cannot answer and the chain is read instead. */
  onIndexerError?: ListOffersOptions["onIndexerError"];
}

/**
 * The offers that meet every filter, with `verified` and `reputation` filled in.
 * @example
 * const offers = await searchOffers(publicClient, { deployment, gpuModel: "nvidia-h100-80gb", sort: "price" });
 * offers[0]?.offerId;
 */
export async function searchOffers(client: ReadClient, parameters: SearchOffersParameters): Promise<OfferTerms[]> {
  const { deployment, gpuModel, region } = parameters;
  const listed = await listOffers(client, deployment, {
    ...(parameters.indexerUrl !== undefined ? { indexerUrl: parameters.indexerUrl } : {}),
    query: { gpuModel: gpuModel === "cpu" ? undefined : gpuModel, region },
    ...(parameters.onIndexerError ? { onIndexerError: parameters.onIndexerError } : {}),
  });
  // The indexer's offers come with trust judged (same formula, same events); the chain's are annotated here.
  const judged = listed.length > 0 && listed.every((o) => o.verified !== undefined);
  const offers = (judged ? listed : await annotateOffers(client, { deployment, offers: listed })).filter((o) => {
    if (!parameters.all && o.state !== OfferState.Active) return false;
    if (gpuModel !== undefined && (fromLabel(o.resources.gpuModel) || "cpu") !== gpuModel) return false;
    if (o.resources.gpuCount < (parameters.minGpus ?? 0)) return false;
    if (region !== undefined && fromLabel(o.resources.region) !== region) return false;
    if (parameters.maxPricePerGpuHour !== undefined && offerPricePerGpuHour(o) > parameters.maxPricePerGpuHour) {
      return false;
    }
    if (parameters.verified && !o.verified) return false;
    if ((o.reputation ?? 0.5) < (parameters.minReputation ?? 0)) return false;
    return true;
  });
  if (parameters.sort === "price") {
    offers.sort((a, b) => {
      const pa = offerPricePerGpuHour(a);
      const pb = offerPricePerGpuHour(b);
      return pa < pb ? -1 : pa > pb ? 1 : Number(a.offerId - b.offerId);
    });
  }
  return offers;
}
