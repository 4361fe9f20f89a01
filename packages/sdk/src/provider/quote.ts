// A provider's signed quote as it travels over HTTP: every integer as a decimal string.
import type { Address, Hex } from "viem";
import type { Quote } from "../actions/marketplace/signQuote.js";

/**
 * A quote for the marketplace's `takeQuote`: the provider offers `offerId` to `buyer` for the job
 * `manifestHash` at `pricePerSecond`, once (`nonce`), until `expiry` (unix seconds). The same type
 * as `signQuote`'s `Quote`.
 */
export type ProviderQuote = Quote;

/** A quote in JSON: integers as decimal strings. */
export interface SerializedQuote {
  offerId: string;
  buyer: Address;
  pricePerSecond: string;
  manifestHash: Hex;
  nonce: string;
  expiry: string;
}

/**
 * A quote for JSON, integers as decimal strings.
 * @example
 * JSON.stringify({ quote: serializeQuote(quote), signature });
 */
export function serializeQuote(quote: ProviderQuote): SerializedQuote {
  return {
    offerId: quote.offerId.toString(),
    buyer: quote.buyer,
    pricePerSecond: quote.pricePerSecond.toString(),
    manifestHash: quote.manifestHash,
    nonce: quote.nonce.toString(),
    expiry: quote.expiry.toString(),
  };
}

/**
 * Reads a quote from JSON, refusing a field that is missing or malformed by name.
 * @example
 * const quote = parseQuote((await response.json()).quote);
 */
export function parseQuote(value: unknown): ProviderQuote {
  const q = (value ?? {}) as Record<string, unknown>;
  const integer = (name: keyof SerializedQuote) => {
    const v = q[name];
    if (typeof v !== "string" || !/^\d{1,78}$/.test(v)) {
      throw new Error(`quote.${name} must be a decimal string, got ${JSON.stringify(v)}`);
    }
    return BigInt(v);
  };
  const hex = (name: keyof SerializedQuote, bytes: number) => {
    const v = q[name];
    if (typeof v !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(v)) {
      throw new Error(`quote.${name} must be ${bytes} bytes in 0x-hex, got ${JSON.stringify(v)}`);
    }
    return v as Hex;
  };
  return {
    offerId: integer("offerId"),
    buyer: hex("buyer", 20) as Address,
    pricePerSecond: integer("pricePerSecond"),
    manifestHash: hex("manifestHash", 32),
    nonce: integer("nonce"),
    expiry: integer("expiry"),
  };
}
