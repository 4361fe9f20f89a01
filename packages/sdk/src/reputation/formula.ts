// The reputation formula: one deterministic number in [0, 1] per provider from its on-chain record, in exact
// integer arithmetic so that anyone who reads the same events at the same time gets the same score, bit for bit.

/** What happened to a provider on-chain, as far as reputation is concerned. */
export type ReputationEventKind =
  | "leaseCompleted" // Marketplace LeaseCompleted of one of its leases
  | "noShow" // Marketplace ProviderNoShow: a lease cancelled unacknowledged
  | "challengeFaulted" // ProofOfCompute ChallengeFaulted: a proven hardware-proof fault
  | "slashed" // ProviderRegistry Slashed by anyone but ProofOfCompute and SpotChecks (counted by their own events)
  | "spotCheckValid" // SpotChecks SpotCheckFinalized, outcome Valid
  | "spotCheckInvalid" // SpotChecks SpotCheckFinalized, outcome Invalid
  | "attested"; // ProofOfCompute Attested: a current hardware attestation

/** One event of a provider's record: its kind and the block time it happened at (unix seconds). */
export interface ReputationEvent {
  kind: ReputationEventKind;
  at: bigint;
}

/**
 * How much each kind of event moves the score: a gain adds to the good side, a loss to the bad side. Losses weigh
 * more than gains: one no-show undoes three completions, a proven fault or a failed spot check ten.
 */
export const REPUTATION_WEIGHTS: Readonly<Record<ReputationEventKind, { gain: number; loss: number }>> = {
  leaseCompleted: { gain: 1, loss: 0 },
  attested: { gain: 2, loss: 0 },
  spotCheckValid: { gain: 2, loss: 0 },
  noShow: { gain: 0, loss: 3 },
  challengeFaulted: { gain: 0, loss: 10 },
  slashed: { gain: 0, loss: 10 },
  spotCheckInvalid: { gain: 0, loss: 10 },
};

/** The half-life of an event's weight: 7 days, in seconds. */
export const REPUTATION_HALF_LIFE_SECONDS = 604_800n;
/** The neutral prior: one gain and one loss of weight 1 that never decay, so a new provider scores 0.5. */
export const REPUTATION_PRIOR = 1n;

/** Fixed-point scale of weights: 1e18 = 1. */
export const WEIGHT_SCALE = 10n ** 18n;
// 2^(-1/2^j) for j = 1..40, at WEIGHT_SCALE, rounded down (computed with 60-digit decimals).
const HALVINGS = [
  707106781186547524n,
  840896415253714543n,
  917004043204671231n,
  957603280698573646n,
  978572062087700134n,
  989228013193975484n,
  994599423483633175n,
  997296056085470126n,
  998647112890970173n,
  999323327502650752n,
  999661606496243683n,
  999830788931929063n,
  999915390886613497n,
  999957694548431132n,
  999978847050491929n,
  999989423469314464n,
  999994711720674283n,
  999997355856841394n,
  999998677927546759n,
  999999338963554895n,
  999999669481722826n,
  999999834740847757n,
  999999917370420465n,
  999999958685209379n,
  999999979342604476n,
  999999989671302184n,
  999999994835651079n,
  999999997417825536n,
  999999998708912767n,
  999999999354456383n,
  999999999677228191n,
  999999999838614095n,
  999999999919307047n,
  999999999959653523n,
  999999999979826761n,
  999999999989913380n,
  999999999994956690n,
  999999999997478345n,
  999999999998739172n,
  999999999999369586n,
];

/**
 * The weight 2^(−age/halfLife) of an event `ageSeconds` old, at `WEIGHT_SCALE`, in integers: the whole half-lives
 * shift, the fraction multiplies the factors 2^(−1/2^j) of its first 40 binary digits (each product rounded down).
 * A negative age (an event after `now`) weighs 1.
 * @example
 * decayWeight(0n); // 10n ** 18n
 * decayWeight(604_800n); // 5n * 10n ** 17n
 */
export function decayWeight(ageSeconds: bigint, halfLife: bigint = REPUTATION_HALF_LIFE_SECONDS): bigint {
  if (ageSeconds <= 0n) return WEIGHT_SCALE;
  const halves = ageSeconds / halfLife;
  if (halves >= 64n) return 0n;
  let rest = ageSeconds % halfLife;
  let weight = WEIGHT_SCALE;
  for (const factor of HALVINGS) {
    rest *= 2n;
    if (rest >= halfLife) {
      rest -= halfLife;
      weight = (weight * factor) / WEIGHT_SCALE;
    }
  }
  return weight >> halves;
}

/** A provider's reputation: the score and the decayed sums it comes from. */
export interface Reputation {
  /** The score in [0, 1]: `scorePpm / 1e6`. */
  score: number;
  /** The score in parts per million, rounded down: (prior + gains) / (2·prior + gains + losses). */
  scorePpm: number;
  /** Σ weight·gain over the events, at `WEIGHT_SCALE`. */
  gains: bigint;
  /** Σ weight·loss over the events, at `WEIGHT_SCALE`. */
  losses: bigint;
  /** How many events of each kind went in (whatever their age). */
  counts: Record<ReputationEventKind, number>;
}

/**
 * The reputation of one provider from its on-chain events at time `now` (unix seconds): an exponential moving
 * average of outcomes with a 7-day half-life, where each event weighs 2^(−age/7 d) times its gain or loss
 * (`REPUTATION_WEIGHTS`), and a neutral prior of one gain and one loss:
 * score = (1 + Σ gains) / (2 + Σ gains + Σ losses), in exact integers, rounded down to parts per million.
 * A provider with no events scores 0.5; it rises towards 1 with recent good work and falls towards 0 with faults.
 * @example
 * reputationFromEvents([], 1_700_000_000n).score; // 0.5
 * reputationFromEvents([{ kind: "leaseCompleted", at: 1_700_000_000n }], 1_700_000_000n).scorePpm; // 666666
 * reputationFromEvents([{ kind: "noShow", at: 1_700_000_000n }], 1_700_000_000n).scorePpm; // 200000
 */
export function reputationFromEvents(events: readonly ReputationEvent[], now: bigint): Reputation {
  let gains = 0n;
  let losses = 0n;
  const counts = Object.fromEntries(Object.keys(REPUTATION_WEIGHTS).map((k) => [k, 0])) as Record<
    ReputationEventKind,
    number
  >;
  for (const event of events) {
    const weights = REPUTATION_WEIGHTS[event.kind];
    if (!weights) throw new TypeError(`unknown reputation event kind ${JSON.stringify(event.kind)}`);
    counts[event.kind] += 1;
    const weight = decayWeight(now - event.at);
    gains += weight * BigInt(weights.gain);
    losses += weight * BigInt(weights.loss);
  }
  const prior = REPUTATION_PRIOR * WEIGHT_SCALE;
  // Rounded down: a score is never shown higher than the record supports.
  const scorePpm = Number(((prior + gains) * 1_000_000n) / (2n * prior + gains + losses));
  return { score: scorePpm / 1_000_000, scorePpm, gains, losses, counts };
}
