// Provider-signed quotes: the price of one lease of one of this node's offers, for one buyer and
// one manifest, signed (EIP-712) with the registered apiSigner key. The buyer takes it on-chain
// with `takeQuote` in one transaction, and the lease is created already acknowledged. Each quote has
// a fresh nonce (kept in SQLite, so never reused across restarts) and a short expiry.
import type { Logger } from "@ocx/node-kit";
import { getOffer, OfferState, type Quote, signQuote } from "@ocx/sdk";
import type { Address, Hex, LocalAccount } from "viem";
import type { ChainAccess } from "../chain/client.js";
import type { GpuAllocator } from "../leases/allocation.js";
import { LeaseInputError } from "../leases/errors.js";
import type { ProviderStore } from "../leases/store.js";
import type { OfferBook } from "./offers.js";

/** What `createApi`'s `quote` option takes. */
export type QuoteFunction = (
  offerId: bigint,
  buyer: Address,
  manifestHash: Hex,
) => Promise<{ quote: Quote; signature: Hex }>;

/**
 * Builds the quote function: checks that the offer is this node's, active and has capacity, then
 * signs a quote at the offer's price.
 * @example
 * const quote = createQuoter({ chain, store, signer: account, offers, allocator, expirySeconds: 120, log });
 * const { quote: q, signature } = await quote(1n, buyer, manifestHash);
 */
export function createQuoter(options: {
  chain: ChainAccess;
  chainId: number;
  store: ProviderStore;
  signer: LocalAccount;
  offers: OfferBook;
  allocator: GpuAllocator;
  expirySeconds: number;
  log: Logger;
}): QuoteFunction {
  const { chain, store, offers, allocator, log } = options;
  const { deployment } = chain;
  return async (offerId, buyer, manifestHash) => {
    const published = offers.offers.find((o) => o.offerId === offerId);
    if (!published) {
      throw new LeaseInputError("not-found", `offer ${offerId} is not an offer of this provider`, {
        offers: offers.offers.map((o) => o.offerId.toString()),
      });
    }
    const offer = await getOffer(chain.reader, { deployment, offerId });
    if (offer.provider.toLowerCase() !== chain.address.toLowerCase()) {
      throw new LeaseInputError("not-found", `offer ${offerId} is not an offer of this provider`);
    }
    if (offer.state !== OfferState.Active) {
      throw new LeaseInputError("conflict", `offer ${offerId} is not active (it is paused or withdrawn); try later`);
    }
    if (offer.activeLeases >= offer.maxLeases || allocator.free.length < offer.resources.gpuCount) {
      throw new LeaseInputError(
        "conflict",
        `offer ${offerId} has no free capacity now (${offer.activeLeases} of ${offer.maxLeases} leases run, ${allocator.free.length} GPU(s) free); try later`,
      );
    }
    // Expiry in chain time: a chain running ahead of this clock (a devnet moved forward) still sees it valid.
    const head = await chain.reader.getBlock({ blockTag: "latest" });
    const now = Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp));
    const expiry = now + options.expirySeconds;
    const nonce = store.nextQuoteNonce({ offerId, buyer, manifestHash, pricePerSecond: offer.pricePerSecond, expiry });
    const quote: Quote = {
      offerId,
      buyer,
      pricePerSecond: offer.pricePerSecond,
      manifestHash,
      nonce,
      expiry: BigInt(expiry),
    };
    const signature = await signQuote(options.signer, { deployment, chainId: options.chainId, quote });
    log.info("signed a quote", { offerId, buyer, nonce, expiry, pricePerSecond: offer.pricePerSecond });
    return { quote, signature };
  };
}
