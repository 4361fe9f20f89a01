// A provider's signed price for one lease of one of its offers (EIP-712), which a buyer takes with `takeQuote`.
import {
  type Address,
  type Hex,
  hashTypedData,
  type LocalAccount,
  recoverTypedDataAddress,
  type TypedDataDomain,
} from "viem";
import type { Deployment } from "../../deployment.js";
import type { marketplaceAbi } from "../../generated/abis.js";
import type { ContractArgs } from "../internal/contract.js";

/**
 * A provider's quote, as `Marketplace.takeQuote` takes it: offer, buyer, price per second (at most the offer's),
 * the job's manifest hash, a nonce the provider uses once (in any order) and an expiry (unix seconds, block time).
 */
export type Quote = ContractArgs<typeof marketplaceAbi, "takeQuote">["quote"];

/** The EIP-712 types of a quote; they match `Marketplace.QUOTE_TYPEHASH`. */
export const quoteTypes = {
  Quote: [
    { name: "offerId", type: "uint256" },
    { name: "buyer", type: "address" },
    { name: "pricePerSecond", type: "uint128" },
    { name: "manifestHash", type: "bytes32" },
    { name: "nonce", type: "uint64" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

/** Where a quote is valid: one marketplace on one chain. */
export interface QuoteDomainParameters {
  deployment: Pick<Deployment, "marketplace">;
  chainId: number;
}

/**
 * The EIP-712 domain of quotes: name "OCX Marketplace", version "1", the chain and the marketplace's address.
 * @example
 * import { quoteDomain } from "@ocx/sdk";
 *
 * const domain = quoteDomain({ deployment: { marketplace: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" }, chainId: 31337 });
 * domain.name; // "OCX Marketplace"
 */
export function quoteDomain(parameters: QuoteDomainParameters): TypedDataDomain {
  return {
    name: "OCX Marketplace",
    version: "1",
    chainId: parameters.chainId,
    verifyingContract: parameters.deployment.marketplace,
  };
}

/** Parameters of `signQuote`: the domain (deployment and chain) and the quote. */
export interface SignQuoteParameters extends QuoteDomainParameters {
  quote: Quote;
}

/**
 * Signs `quote` with `account`, which must be the provider's registered `apiSigner` for the marketplace to accept
 * it. Returns the 65-byte signature (low-s, as the contract requires). Throws only what the account's signer throws.
 * @example
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, signQuote } from "@ocx/sdk";
 *
 * const apiSigner = privateKeyToAccount(process.env.OCX_API_SIGNER_KEY as `0x${string}`);
 * const deployment = await loadDeployment(foundry.id);
 * const signature = await signQuote(apiSigner, {
 *   deployment,
 *   chainId: foundry.id,
 *   quote: {
 *     offerId: 1n,
 *     buyer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
 *     pricePerSecond: 10n ** 15n,
 *     manifestHash: "0x9c22ff5f21f0b81b113e63f7db6da94fedef11b2119b4088b89664fb9a3cb658",
 *     nonce: 1n,
 *     expiry: BigInt(Math.floor(Date.now() / 1000) + 120),
 *   },
 * });
 */
export async function signQuote(
  account: Pick<LocalAccount, "signTypedData">,
  parameters: SignQuoteParameters,
): Promise<Hex> {
  return account.signTypedData({
    domain: quoteDomain(parameters),
    types: quoteTypes,
    primaryType: "Quote",
    message: parameters.quote,
  });
}

/**
 * The EIP-712 digest of `quote`: what its signer signs and the marketplace recovers from.
 * @example
 * import { quoteDigest } from "@ocx/sdk";
 *
 * const digest = quoteDigest({
 *   deployment: { marketplace: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
 *   chainId: 31337,
 *   quote: { offerId: 1n, buyer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", pricePerSecond: 1n,
 *     manifestHash: `0x${"00".repeat(32)}`, nonce: 1n, expiry: 1767225600n },
 * });
 */
export function quoteDigest(parameters: SignQuoteParameters): Hex {
  return hashTypedData({
    domain: quoteDomain(parameters),
    types: quoteTypes,
    primaryType: "Quote",
    message: parameters.quote,
  });
}

/** Parameters of `recoverQuoteSigner`: the domain, the quote and its signature. */
export interface RecoverQuoteSignerParameters extends SignQuoteParameters {
  signature: Hex;
}

/**
 * The address that signed `quote`. A buyer compares it with the provider's registered `apiSigner` (`getProvider`)
 * before sending `takeQuote`, which would revert with `MarketplaceQuoteSignerMismatch` otherwise.
 * @example
 * import { recoverQuoteSigner } from "@ocx/sdk";
 *
 * declare const quote: import("@ocx/sdk").Quote;
 * declare const signature: `0x${string}`;
 * const signer = await recoverQuoteSigner({
 *   deployment: { marketplace: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
 *   chainId: 31337,
 *   quote,
 *   signature,
 * });
 */
export async function recoverQuoteSigner(parameters: RecoverQuoteSignerParameters): Promise<Address> {
  return recoverTypedDataAddress({
    domain: quoteDomain(parameters),
    types: quoteTypes,
    primaryType: "Quote",
    message: parameters.quote,
    signature: parameters.signature,
  });
}
