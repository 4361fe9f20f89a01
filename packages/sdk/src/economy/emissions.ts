// Emissions' formulas in exact integer arithmetic, the same steps as contracts/src/Emissions.sol: the economy
// simulation (bench/sim-economy.ts) uses these, and a test cross-checks them against the contract on anvil.

/** 1.0 in the decay's 18-decimal fixed point. */
export const DECAY_ONE = 10n ** 18n;

/** An emission schedule segment, as `Emissions.schedules()` returns it. */
export interface EmissionScheduleSegment {
  /** The first epoch this segment applies to. */
  firstEpoch: bigint;
  /** When `firstEpoch` starts (unix seconds). */
  start: bigint;
  /** Seconds per epoch. */
  length: bigint;
  /** What `firstEpoch` emits, in wei. */
  emission: bigint;
  /** Per-epoch decay, 1e18 = 100 %. */
  decay: bigint;
}

/**
 * (1 − decay)^n in 1e18 fixed point, by squaring with every product rounded down: `Emissions.decayFactor`.
 * @example
 * decayFactor(10n ** 16n, 365n); // 25517964452291209n (0.99^365, 1 wei under the exact value)
 */
export function decayFactor(decay: bigint, n: bigint): bigint {
  if (decay < 0n || decay > DECAY_ONE) throw new RangeError(`decay must be within 0..1e18, got ${decay}`);
  if (n < 0n) throw new RangeError(`the epoch count must be ≥ 0, got ${n}`);
  let f = DECAY_ONE;
  let b = DECAY_ONE - decay;
  let k = n;
  while (k !== 0n) {
    if ((k & 1n) !== 0n) f = (f * b) / DECAY_ONE;
    k >>= 1n;
    if (k !== 0n) b = (b * b) / DECAY_ONE;
  }
  return f;
}

/**
 * E_e = ⌊E_s · (1 − d)^(e − s)⌋ (rounded down): what epoch `epoch` of `segment` emits, in wei.
 * @example
 * emissionOf({ firstEpoch: 0n, start: 0n, length: 604800n, emission: 10n ** 24n, decay: 2n * 10n ** 16n }, 1n); // 98e22
 */
export function emissionOf(segment: EmissionScheduleSegment, epoch: bigint): bigint {
  if (epoch < segment.firstEpoch) {
    throw new RangeError(`epoch ${epoch} is before the schedule's first epoch ${segment.firstEpoch}`);
  }
  return (segment.emission * decayFactor(segment.decay, epoch - segment.firstEpoch)) / DECAY_ONE;
}

/**
 * A provider's reward for one epoch: ⌊emission · units / totalUnits⌋, rounded down (the dust is never minted);
 * 0 when nothing was recorded or the provider was slashed in or after the epoch.
 * @example
 * rewardOf(1000n, 1n, 3n); // 333n
 */
export function rewardOf(emission: bigint, units: bigint, totalUnits: bigint, slashed = false): bigint {
  if (units < 0n || units > totalUnits) throw new RangeError(`units ${units} must be within 0..${totalUnits}`);
  if (slashed || totalUnits === 0n) return 0n;
  return (emission * units) / totalUnits;
}

/**
 * The epoch running at `time` under `segment`, with its bounds (unix seconds): `Emissions.epochAt`.
 * @example
 * epochAt({ firstEpoch: 0n, start: 100n, length: 60n, emission: 1n, decay: 0n }, 250n); // { epoch: 2n, start: 220n, end: 280n }
 */
export function epochAt(segment: EmissionScheduleSegment, time: bigint): { epoch: bigint; start: bigint; end: bigint } {
  if (time < segment.start) throw new RangeError(`time ${time} is before the schedule's start ${segment.start}`);
  const k = (time - segment.start) / segment.length;
  const start = segment.start + k * segment.length;
  return { epoch: segment.firstEpoch + k, start, end: start + segment.length };
}

/**
 * OCX burned, net, per dollar of usage with dollar credits, in basis points (rounded up): buyers burn OCX at the
 * price less the spread (1 / (1 − s) per dollar), the protocol fee is burned in credits, and providers redeem the
 * rest at the price plus the spread ((1 − f) / (1 + s)): 1 / (1 − s) − (1 − f) / (1 + s), as OcxCredits converts
 * (exact integers: `usageBurn`).
 * @example
 * netBurnBps(250, 50); // 349 (2.5 % fee and 0.5 % spread)
 */
export function netBurnBps(feeBps: number, spreadBps: number): number {
  const f = feeBps / 10_000;
  const s = spreadBps / 10_000;
  return Math.ceil((1 / (1 - s) - (1 - f) / (1 + s)) * 10_000 - 1e-9);
}
