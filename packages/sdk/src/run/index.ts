// Running jobs: offer matching and the end-to-end runJob.
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
export { listOffers } from "./offers.js";
export {
  NoMatchingOfferError,
  type RunJobEvent,
  type RunJobParameters,
  type RunJobReturnType,
  runJob,
} from "./runJob.js";
