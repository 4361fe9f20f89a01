// Reads a standing offer.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getOffer`: the deployment, and the arguments of `Marketplace.getOffer` by their ABI names. */
export type GetOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "getOffer"
>;
/** What `Marketplace.getOffer` returns, typed by the generated ABI. */
export type GetOfferReturnType = ContractResult<typeof marketplaceAbi, "getOffer">;
/** What `getOffer` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetOfferErrorType = ReadErrorType;

/**
 * Reads offer `offerId` (state `0`, None, when there is no such offer).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getOffer, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const offer = await getOffer(client, { deployment, offerId: 1n });
 * offer.pricePerSecond; // 1000000000000000n
 */
export async function getOffer(client: ReadClient, parameters: GetOfferParameters): Promise<GetOfferReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "getOffer",
    parameters,
  });
}
