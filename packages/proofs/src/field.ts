// The field of the work: integers mod the prime 127, the largest prime whose residues fit in int8.
// Every matrix entry is a residue in [0, 126]; a GPU prover may shift them to [-63, 63] first so
// that int32 accumulation cannot overflow below n = 541,000 (63·63·n < 2^31).

/** The modulus p of every matrix product: the largest prime below 128. */
export const MODULUS = 127;

/**
 * The largest n for which a dot product of two rows of residues in [0, 126] stays below 2^31,
 * i.e. what the TypeScript prover's Int32 accumulation allows (126·126·n < 2^31).
 */
export const MAX_N_UNSIGNED_ACCUMULATION = Math.floor(0x7fffffff / (126 * 126));

/**
 * The largest n for which symmetric residues in [-63, 63] accumulate in int32 without overflow
 * (63·63·n < 2^31): the bound the GPU prover's `torch._int_mm` relies on.
 */
export const MAX_N_SYMMETRIC_ACCUMULATION = Math.floor(0x7fffffff / (63 * 63));
