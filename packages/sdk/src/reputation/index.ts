// Reputation: a deterministic score per provider from its on-chain record (docs/trust.md).
export {
  decayWeight,
  REPUTATION_HALF_LIFE_SECONDS,
  REPUTATION_PRIOR,
  REPUTATION_WEIGHTS,
  type Reputation,
  type ReputationEvent,
  type ReputationEventKind,
  reputationFromEvents,
  WEIGHT_SCALE,
} from "./formula.js";
export {
  type GetReputationParameters,
  type GetReputationsParameters,
  type GetReputationsReturnType,
  getReputation,
  getReputations,
  type ReputationDeployment,
} from "./getReputation.js";
export {
  type AnnotateOffersParameters,
  annotateOffers,
  attestationModel,
  DEFAULT_MIN_REPUTATION,
} from "./offerTrust.js";
