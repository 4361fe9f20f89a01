// What a buyer did wrong when handing a lease its manifest, inputs or start: each kind maps to one
// HTTP status in the API, and every message says what was wrong and what to do.

export type LeaseInputProblem = "bad-request" | "not-found" | "conflict" | "too-large";

export class LeaseInputError extends Error {
  override name = "LeaseInputError";
  constructor(
    readonly problem: LeaseInputProblem,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
