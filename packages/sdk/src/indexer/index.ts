// The OCX indexer's API: its JSON types and a typed client.
export {
  createIndexerClient,
  type IndexerClient,
  type IndexerClientOptions,
  IndexerError,
  toOfferTerms,
} from "./client.js";
export type * from "./types.js";
