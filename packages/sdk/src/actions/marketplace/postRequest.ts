// Posts a buyer's request for bids (a reverse auction).
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `postRequest` and `postRequestSync`: the deployment, and the arguments of `Marketplace.postRequest`
 * by their ABI names.
 */
export type PostRequestParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "postRequest"
>;
/** The hash of the sent transaction. */
export type PostRequestReturnType = Hash;
/**
 * What `postRequest` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type PostRequestErrorType = WriteErrorType;

/**
 * Posts a request for bids on a job needing at least `requirements`, paying at most `maxPricePerSecond`, and pulls
 * `deposit` from the account (approve it first with `ensureAllowance`). Bidding ends at `biddingDeadline` (unix
 * seconds).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `postRequestSync` waits.
 * @example
 * import { readFile } from "node:fs/promises";
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, manifestHash, parseManifest, perHourToPerSecond, postRequest, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await postRequest(client, {
 *   deployment,
 *   requirements: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel(""),
 *     gpuCount: 1,
 *     gpuVramMiB: 0,
 *     cpuMillicores: 0,
 *     memoryMiB: 0,
 *     diskMiB: 0,
 *   },
 *   maxPricePerSecond: perHourToPerSecond(parseEther("4")),
 *   deposit: parseEther("4"),
 *   biddingDeadline: Math.floor(Date.now() / 1000) + 600,
 *   manifestHash: manifestHash(parseManifest(await readFile("job.yaml", "utf8"))),
 * });
 */
export async function postRequest(
  client: WriteClient,
  parameters: PostRequestParameters,
): Promise<PostRequestReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "postRequest",
    parameters,
  });
}

/** Parameters of `postRequestSync`: those of `postRequest`. */
export type PostRequestSyncParameters = PostRequestParameters;
/** The receipt and the `RequestPosted` event's arguments: `event.requestId` is the new request. */
export type PostRequestSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "RequestPosted">;
/**
 * What `postRequestSync` throws: what `postRequest` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PostRequestSyncErrorType = WriteSyncErrorType;

/**
 * `postRequest`, then waits for the receipt and returns it with the `RequestPosted` event's arguments:
 * `event.requestId` is the new request.
 * @example
 * import { readFile } from "node:fs/promises";
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, manifestHash, parseManifest, perHourToPerSecond, postRequestSync, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await postRequestSync(client, {
 *   deployment,
 *   requirements: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel(""),
 *     gpuCount: 1,
 *     gpuVramMiB: 0,
 *     cpuMillicores: 0,
 *     memoryMiB: 0,
 *     diskMiB: 0,
 *   },
 *   maxPricePerSecond: perHourToPerSecond(parseEther("4")),
 *   deposit: parseEther("4"),
 *   biddingDeadline: Math.floor(Date.now() / 1000) + 600,
 *   manifestHash: manifestHash(parseManifest(await readFile("job.yaml", "utf8"))),
 * });
 * event.requestId; // 1n
 */
export async function postRequestSync(
  client: WriteClient,
  parameters: PostRequestSyncParameters,
): Promise<PostRequestSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "postRequest",
    parameters,
    events: ["RequestPosted"],
  });
}
