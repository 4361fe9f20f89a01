// Running jobs: offer matching and the end-to-end runJob.
export { type OfferTerms, offerMismatches, offerPricePerGpuHour } from "./match.js";
export { listOffers } from "./offers.js";
export {
  NoMatchingOfferError,
  type RunJobEvent,
  type RunJobParameters,
  type RunJobReturnType,
  runJob,
} from "./runJob.js";
