// Turns the contracts' custom errors into messages a person can act on.
import { BaseError, ContractFunctionRevertedError } from "viem";

/** A revert of an OCX contract, decoded: the error's name, its arguments, and a readable message. */
export class OcxContractError extends Error {
  override name = "OcxContractError";
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    readonly functionName: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${functionName ? `${functionName}: ` : ""}${errorName}(${args.map(formatArg).join(", ")})${hint(errorName)}`,
      options,
    );
  }
}

const formatArg = (v: unknown): string =>
  typeof v === "bigint" ? v.toString() : typeof v === "string" ? v : JSON.stringify(v);

/** What to do about the errors people meet most. */
const HINTS: Record<string, string> = {
  MarketplacePriceAboveLimit: "the price is above your limit: raise --max-price or pick another offer",
  MarketplaceOfferFull: "the offer runs as many leases as it can: pick another offer or wait",
  MarketplaceDepositBelowMinimum: "the deposit covers less than the offer's minimum duration: deposit more",
  MarketplaceDepositAboveMaximum: "the deposit would fund more than the maximum duration: deposit less",
  MarketplaceProviderInactive: "the provider is jailed or under-staked: pick another provider",
  MarketplaceAckDeadlinePassed: "the provider did not acknowledge in time: cancel the lease for a full refund",
  MarketplaceLeaseExhausted: "the lease's escrow ran out: settle it, then start a new lease",
  RegistryInsufficientStake: "stake more OCX (`ocx provider stake`) or offer fewer GPUs",
  RegistryNotRegistered: "register first (`ocx provider start` does it)",
  ERC20InsufficientBalance: "the account has too little OCX",
  ERC20InsufficientAllowance: "approve the contract to spend your OCX first",
};
const hint = (name: string) => (HINTS[name] ? ` — ${HINTS[name]}` : "");

/**
 * Returns an `OcxContractError` when `error` is a decoded custom-error revert, else `error` unchanged.
 * @example
 * try { await simulateContract(...) } catch (e) { throw decodeContractError(e) }
 * // OcxContractError: takeOffer: MarketplacePriceAboveLimit(2000, 1000) — the price is above your limit: …
 */
export function decodeContractError(error: unknown): unknown {
  if (!(error instanceof BaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data?.errorName) return error;
  const functionName = (error as { functionName?: string }).functionName;
  return new OcxContractError(reverted.data.errorName, reverted.data.args ?? [], functionName, { cause: error });
}
