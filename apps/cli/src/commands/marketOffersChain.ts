// The chain path of `ocx market offers`, imported only when it runs (no indexer, or one that cannot answer; or the
// OCX/USD price of a market settling in OCX). Its own module so that the indexer path never loads viem's contract
// actions: the CLI's build bundles `market offers` alone and this file as a separate entry (build.mjs).
import { annotateOffers, getOcxPrice, listOffers, type OfferTerms } from "@ocx/sdk";
import type { Command } from "commander";
import { createContext } from "../context.js";

/** What `ocx market offers` asks of the chain. */
export interface ChainReads {
  /** Every offer, with `verified` and `reputation` read from the trust contracts; when the indexer did not answer. */
  offers: boolean;
  /** The deployment's OCX/USD price (its PriceFeed). */
  usdPrice: boolean;
}

/** Reads from the chain what `reads` asks for. */
export async function readOffersFromChain(
  command: Command,
  reads: ChainReads,
): Promise<{ offers?: OfferTerms[]; usdPerOcx?: { price: bigint; decimals: number } }> {
  const { publicClient, deployment } = await createContext(command);
  const offers = reads.offers
    ? await annotateOffers(publicClient, {
        deployment,
        offers: await listOffers(publicClient, deployment, { indexerUrl: "" }),
      })
    : undefined;
  const usdPerOcx = reads.usdPrice ? await getOcxPrice(publicClient, { deployment }) : undefined;
  return { offers, usdPerOcx };
}
