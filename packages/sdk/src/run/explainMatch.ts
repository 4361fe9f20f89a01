// Why a job matches no offer: every active offer judged against the job's needs with the same trust rules as
// `findOffer` (verified when the manifest asks, reputation at least the default). `ocx market why` and the MCP
// server's explain_no_match both read it.
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { OfferState } from "../generated/enums.js";
import type { Manifest } from "../manifest/types.js";
import { annotateOffers, DEFAULT_MIN_REPUTATION } from "../reputation/offerTrust.js";
import { formatMiB } from "../units.js";
import { judgeOffers, type OfferVerdict } from "./match.js";
import { listOffers } from "./offers.js";

/** Parameters of `explainMatch`. */
export interface ExplainMatchParameters {
  deployment: Deployment;
  manifest: Manifest;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** Offers from providers below this reputation do not match. Default: `DEFAULT_MIN_REPUTATION`. */
  minReputation?: number;
}

/** What `explainMatch` returns. */
export interface ExplainMatchReturnType {
  /** The job's needs in one sentence. */
  needs: string;
  /** Every active offer with its mismatches, matching ones first, cheapest first. */
  verdicts: OfferVerdict[];
  /** The matching offers' verdicts (cheapest first). */
  matching: OfferVerdict[];
  /** One line: how many match and the cheapest, or that none does. */
  conclusion: string;
}

/**
 * Judges every active offer against `manifest` and says, per offer, which needs exclude it.
 * @example
 * const { verdicts, conclusion } = await explainMatch(publicClient, { deployment, manifest });
 * for (const v of verdicts) console.log(describeVerdict(v));
 * console.log(conclusion); // "no offer matches"
 */
export async function explainMatch(
  client: ReadClient,
  parameters: ExplainMatchParameters,
): Promise<ExplainMatchReturnType> {
  const { deployment, manifest } = parameters;
  const active = (await listOffers(client, deployment)).filter((o) => o.state === OfferState.Active);
  const offers = await annotateOffers(client, { deployment, offers: active });
  const verdicts = judgeOffers(manifest, offers, {
    ...(parameters.maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour: parameters.maxPricePerGpuHour }),
    minReputation: parameters.minReputation ?? DEFAULT_MIN_REPUTATION,
  });
  const matching = verdicts.filter((v) => v.matches);
  const conclusion =
    matching.length === 0
      ? "no offer matches"
      : `${matching.length} of ${verdicts.length} offer(s) match; the cheapest is #${matching[0]?.offer.offerId}`;
  return { needs: describeJobNeeds(manifest), verdicts, matching, conclusion };
}

/**
 * A job's needs in one sentence.
 * @example
 * describeJobNeeds(manifest); // 'job "train" needs 1 GPU(s) of nvidia-h100-80gb, 4 CPU, 16 GiB memory, 10 GiB disk'
 */
export function describeJobNeeds(manifest: Manifest): string {
  const needs = manifest.resources;
  return `job "${manifest.name}" needs ${needs.gpu.count} GPU(s)${needs.gpu.models.length ? ` of ${needs.gpu.models.join("/")}` : ""}${needs.gpu.minVramMiB ? ` with ≥${needs.gpu.minVramMiB} MiB VRAM` : ""}, ${needs.cpuMillicores / 1000} CPU, ${formatMiB(needs.memoryMiB)} memory, ${formatMiB(needs.diskMiB)} disk${manifest.placement.regions.length ? ` in ${manifest.placement.regions.join("/")}` : ""}`;
}
