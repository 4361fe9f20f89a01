// Reads of SpotChecks: a check, its votes, a provider's record and rate, the parameters.
import { createHash } from "node:crypto";
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ContractResult, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheck`: the deployment's SpotChecks address and the check id. */
export type GetSpotCheckParameters = On & ContractArgs<typeof spotChecksAbi, "getCheck">;
/** What `SpotChecks.getCheck` returns. */
export type GetSpotCheckReturnType = ContractResult<typeof spotChecksAbi, "getCheck">;

/**
 * Reads spot check `checkId` (state `None` when there is no such check). Calls the contract's `getCheck`.
 * @example
 * const check = await getSpotCheck(client, { deployment, checkId: 1n });
 * checkStateName(check.state); // "Open"
 */
export async function getSpotCheck(
  client: ReadClient,
  parameters: GetSpotCheckParameters,
): Promise<GetSpotCheckReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "getCheck",
    parameters,
  });
}

/** Parameters of `getSpotCheckOfLease`: the deployment's SpotChecks address and the lease id. */
export type GetSpotCheckOfLeaseParameters = On & ContractArgs<typeof spotChecksAbi, "checkOfLease">;

/**
 * The id of lease `leaseId`'s spot check, or 0n when it has none (each lease gets at most one). Calls `checkOfLease`.
 * @example
 * await getSpotCheckOfLease(client, { deployment, leaseId: 7n }); // 0n
 */
export async function getSpotCheckOfLease(
  client: ReadClient,
  parameters: GetSpotCheckOfLeaseParameters,
): Promise<bigint> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "checkOfLease",
    parameters,
  });
}

/** Parameters of `getSpotCheckVote`: the deployment's SpotChecks address, the check and the validator. */
export type GetSpotCheckVoteParameters = On & ContractArgs<typeof spotChecksAbi, "voteOf">;

/**
 * The result hash `validator` submitted to check `checkId` (zero when it did not vote). Calls `voteOf`.
 * @example
 * await getSpotCheckVote(client, { deployment, checkId: 1n, validator: "0x…" });
 */
export async function getSpotCheckVote(
  client: ReadClient,
  parameters: GetSpotCheckVoteParameters,
): Promise<`0x${string}`> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "voteOf",
    parameters,
  });
}

/** Parameters of `getSpotCheckRecord`: the deployment's SpotChecks address and the provider. */
export type GetSpotCheckRecordParameters = On & ContractArgs<typeof spotChecksAbi, "recordOf">;
/** What `SpotChecks.recordOf` returns: consecutive valid, valid and invalid checks. */
export type GetSpotCheckRecordReturnType = ContractResult<typeof spotChecksAbi, "recordOf">;

/**
 * A provider's spot-check record. Calls `recordOf`.
 * @example
 * const { consecutiveValid } = await getSpotCheckRecord(client, { deployment, provider: "0x…" });
 */
export async function getSpotCheckRecord(
  client: ReadClient,
  parameters: GetSpotCheckRecordParameters,
): Promise<GetSpotCheckRecordReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "recordOf",
    parameters,
  });
}

/** Parameters of `getSpotCheckRate`: the deployment's SpotChecks address and the provider. */
export type GetSpotCheckRateParameters = On & ContractArgs<typeof spotChecksAbi, "rateOf">;

/**
 * The provider's check rate in parts per million: 1e6 until 10 consecutive valid checks, then 1e6/consecutive,
 * never below the floor `minRatePpm`. Calls `rateOf`.
 * @example
 * await getSpotCheckRate(client, { deployment, provider: "0x…" }); // 1000000 for a new provider
 */
export async function getSpotCheckRate(client: ReadClient, parameters: GetSpotCheckRateParameters): Promise<number> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "rateOf",
    parameters,
  });
}

/** Parameters of `getSpotCheckParameters`: the deployment's SpotChecks address. */
export type GetSpotCheckParametersParameters = On;
/** What `SpotChecks.parameters` returns. */
export type GetSpotCheckParametersReturnType = ContractResult<typeof spotChecksAbi, "parameters">;

/**
 * The spot-check parameters: bond, slash, reward, quorums, windows, the replication threshold and the rate floor.
 * @example
 * const { submitWindow } = await getSpotCheckParameters(client, { deployment });
 */
export async function getSpotCheckParameters(
  client: ReadClient,
  parameters: GetSpotCheckParametersParameters,
): Promise<GetSpotCheckParametersReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "parameters",
    parameters: {},
  });
}

/**
 * Whether a check of `leaseId` opened in a block with hash `seed` at rate `ratePpm` selects the lease: the
 * contract's rule, uint256(sha256(seed ‖ leaseId)) mod 1e6 < ratePpm, computed locally.
 * @example
 * isSpotCheckSelected("0x…", 7n, 1_000_000); // true: at the full rate every lease is checked
 */
export function isSpotCheckSelected(seed: `0x${string}`, leaseId: bigint, ratePpm: number): boolean {
  const hex = seed.slice(2).padStart(64, "0") + leaseId.toString(16).padStart(64, "0");
  const digest = createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
  return BigInt(`0x${digest}`) % 1_000_000n < BigInt(ratePpm);
}
