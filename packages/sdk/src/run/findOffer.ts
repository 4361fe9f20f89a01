// Step 1 of a job: which offer to take, or a reverse auction when none matches.

import type { ReadClient } from "../actions/internal/contract.js";
import { paymentUnit } from "../credits/money.js";
import type { Deployment } from "../deployment.js";
import { OcxNoMatchError } from "../errors.js";
import { OfferState } from "../generated/enums.js";
import type { Manifest } from "../manifest/types.js";
import type { ReputationDeployment } from "../reputation/getReputation.js";
import { annotateOffers, DEFAULT_MIN_REPUTATION } from "../reputation/offerTrust.js";
import { cheapestMatch, type OfferTerms, offerMismatches, offerPricePerGpuHour } from "./match.js";
import { listOffers } from "./offers.js";

/**
 * No offer meets the job's needs (exit 6); `reasons` says, per offer, which needs exclude it.
 * @example
 * try { await findOffer(client, parameters) } catch (e) {
 *   if (e instanceof NoMatchingOfferError) for (const r of e.reasons) console.log(r.offerId, r.why);
 * }
 */
export class NoMatchingOfferError extends OcxNoMatchError {
  override name = "NoMatchingOfferError";
  constructor(readonly reasons: { offerId: bigint; why: string[] }[]) {
    super(
      reasons.length === 0
        ? "no offer is posted on this market yet: post a request with a price limit (--max-price) or try later"
        : `no offer matches the job (${reasons.length} looked at): raise --max-price, ask for less, or see \`ocx market why\``,
      { details: reasons.map((r) => `  #${r.offerId}: ${r.why.join("; ")}`).join("\n") },
    );
  }
}

/** Parameters of `findOffer`. */
export interface FindOfferParameters {
  /** With `registry` (and `proofOfCompute`, `spotChecks` where deployed), offers are judged on trust too. */
  deployment: Pick<Deployment, "marketplace" | "startBlock"> &
    Partial<ReputationDeployment> &
    Partial<Pick<Deployment, "token" | "paymentToken">>;
  manifest: Pick<Manifest, "resources" | "placement" | "maxDurationSeconds" | "maxPricePerGpuHour">;
  /** Take this offer (it must match) instead of the cheapest. */
  offerId?: bigint;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** "offer": offers only. "auto" (default): an auction when no offer matches and there is a price limit. */
  market?: "offer" | "auto";
  /** Only offers whose GPUs hold a current hardware attestation (the manifest's `placement.verified` asks it too). */
  requireVerified?: boolean;
  /**
   * Pass over offers whose provider's reputation is below this, in [0, 1]; default `DEFAULT_MIN_REPUTATION` (0.25),
   * 0 to take the cheapest whatever its record. The cheapest offer among the reputable ones wins.
   */
  minReputation?: number;
  /** Ask this indexer for the offers (default: the deployment's `indexer`, if any); "" reads the chain. */
  indexerUrl?: string;
}

/** What `findOffer` chose: an offer to take, or a reverse auction at the job's price limit. */
export type FindOfferReturnType =
  | { kind: "offer"; offer: OfferTerms; pricePerGpuHour: bigint }
  | { kind: "auction"; maxPricePerGpuHour: bigint; reasons: { offerId: bigint; why: string[] }[] };

/**
 * Finds the cheapest active offer that meets every need of the job — verified when asked, and from a provider whose
 * reputation is at least `minReputation` — or, when none does and the job has a price
 * limit, says to run a reverse auction. Throws `NoMatchingOfferError` (an `OcxNoMatchError`) with each offer's
 * reasons when neither is possible, or when the `offerId` asked for does not match.
 * @example
 * const found = await findOffer(publicClient, { deployment, manifest });
 * if (found.kind === "offer") console.log(found.offer.offerId, found.pricePerGpuHour);
 */
export async function findOffer(client: ReadClient, parameters: FindOfferParameters): Promise<FindOfferReturnType> {
  const { deployment, manifest } = parameters;
  let offers = await listOffers(client, deployment, { indexerUrl: parameters.indexerUrl });
  const priceOptions = {
    ...(parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {}),
    ...(deployment.paymentToken !== undefined && deployment.token !== undefined
      ? { priceUnit: paymentUnit({ token: deployment.token, paymentToken: deployment.paymentToken }) }
      : {}),
  };
  const requireVerified =
    parameters.requireVerified === true || (manifest.placement as { verified?: boolean }).verified === true;
  const minReputation = parameters.minReputation ?? DEFAULT_MIN_REPUTATION;
  const options = { ...priceOptions, requireVerified, minReputation: minReputation > 0 ? minReputation : undefined };
  // Trust is read (attestations, the providers' events) only for offers that meet every other need.
  // The indexer's offers come with trust already judged (same formula, same events); the chain's are annotated here.
  const judged = offers.length > 0 && offers.every((o) => o.verified !== undefined && o.reputation !== undefined);
  if ((requireVerified || minReputation > 0) && deployment.registry !== undefined && !judged) {
    const { registry } = deployment;
    const eligible = offers.filter(
      (o) =>
        o.state !== OfferState.Withdrawn &&
        offerMismatches(manifest, o, priceOptions).every((m) => m.need === "verified" || m.need === "reputation"),
    );
    const annotated = new Map(
      (await annotateOffers(client, { deployment: { ...deployment, registry }, offers: eligible })).map((o) => [
        o.offerId,
        o,
      ]),
    );
    offers = offers.map((o) => annotated.get(o.offerId) ?? o);
  }
  const reasons = (o: OfferTerms) => offerMismatches(manifest, o, options).map((m) => m.message);
  if (parameters.offerId !== undefined) {
    const offer = offers.find((o) => o.offerId === parameters.offerId);
    const why = offer ? reasons(offer) : [`no offer #${parameters.offerId} on this market`];
    if (!offer || why.length > 0) throw new NoMatchingOfferError([{ offerId: parameters.offerId, why }]);
    return { kind: "offer", offer, pricePerGpuHour: offerPricePerGpuHour(offer) };
  }
  const candidates = offers.filter((o) => o.state !== OfferState.Withdrawn);
  const offer = cheapestMatch(manifest, candidates, options);
  if (offer) return { kind: "offer", offer, pricePerGpuHour: offerPricePerGpuHour(offer) };
  const why = candidates.map((o) => ({ offerId: o.offerId, why: reasons(o) }));
  const limit = parameters.maxPricePerGpuHour ?? manifest.maxPricePerGpuHour;
  if (parameters.market === "offer" || limit === undefined) throw new NoMatchingOfferError(why);
  return { kind: "auction", maxPricePerGpuHour: limit, reasons: why };
}
