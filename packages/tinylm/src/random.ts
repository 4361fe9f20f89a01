// A small seeded generator (mulberry32): the same seed gives the same weights and the same samples everywhere.

/** A function returning uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Returns a generator of uniform numbers in [0, 1) from a 32-bit seed.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // 0.6011037519201636, the same on every run
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A normally distributed number (Box–Muller) from a uniform generator. */
export function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
