// Running jobs: offer matching, runJob, and the steps it is made of (each usable alone, e.g. by `ocx job submit`).
export * from "./acknowledgement.js";
export * from "./billLease.js";
export * from "./connect.js";
export * from "./deposit.js";
export * from "./events.js";
export * from "./explainMatch.js";
export * from "./fetchResults.js";
export * from "./findOffer.js";
export * from "./followLogs.js";
export * from "./launchLease.js";
export {
  cheapestMatch,
  describeMismatches,
  describeVerdict,
  type JobNeeds,
  judgeOffers,
  type MatchOptions,
  type Mismatch,
  type Need,
  OFFER_STATES,
  type OfferTerms,
  type OfferVerdict,
  offerMismatches,
  offerPricePerGpuHour,
  type ResourceBundle,
} from "./match.js";
export { deploymentIndexerUrl, type ListOffersOptions, listOffers } from "./offers.js";
export { type ProviderRetryOptions, withProviderRetry } from "./retry.js";
export * from "./runJob.js";
export * from "./searchOffers.js";
export * from "./startJob.js";
export * from "./takeLease.js";
export * from "./uploadJob.js";
