// `ocx market offers`: the providers' standing offers. Its own module, loaded alone by `ocx market offers` (see
// commands/index.ts; build.mjs bundles it as a file of its own), and kept light: through the indexer it reads one
// JSON answer and never loads viem's contract actions; the chain path (marketOffersChain.ts) is imported when needed.
import {
  createIndexerClient,
  DEFAULT_MIN_REPUTATION,
  deploymentIndexerUrl,
  formatMiB,
  formatOcx,
  fromLabel,
  IndexerError,
  OcxUsageError,
  OfferState,
  type OfferTerms,
  offerPricePerGpuHour,
  offerStateName,
  toOfferTerms,
} from "@ocx/sdk";
import type { Command } from "commander";
import { parsePaymentArgument, spaced } from "../chain.js";
import { formatCores, formatUsd, renderTable } from "../format.js";
import { resolveNetwork } from "../network.js";

interface OffersOptions {
  gpuModel?: string;
  minGpus?: string;
  region?: string;
  maxPrice?: string;
  sort: string;
  all?: boolean;
  verified?: boolean;
  minReputation?: string;
  limit: string;
}

/** How many offers `ocx market offers` prints unless `--limit` says otherwise. */
export const DEFAULT_OFFERS_LIMIT = 100;

/** A bundle of resources (an offer's, or a request's requirements) as --json prints it: labels decoded. */
export function resourcesJson(r: OfferTerms["resources"]) {
  return {
    gpuModel: fromLabel(r.gpuModel),
    gpuCount: r.gpuCount,
    gpuVramMiB: r.gpuVramMiB,
    cpuMillicores: r.cpuMillicores,
    memoryMiB: r.memoryMiB,
    diskMiB: r.diskMiB,
    region: fromLabel(r.region),
  };
}

/** An offer as --json prints it: amounts in wei as decimal strings, ready for JSON.stringify as they are. */
export function offerJson(offer: OfferTerms) {
  return {
    offerId: offer.offerId.toString(),
    provider: offer.provider,
    state: spaced(offerStateName(offer.state)),
    ...resourcesJson(offer.resources),
    pricePerSecond: offer.pricePerSecond.toString(),
    pricePerGpuHour: offerPricePerGpuHour(offer).toString(),
    maxLeases: offer.maxLeases,
    activeLeases: offer.activeLeases,
    freeCapacity: Math.max(offer.maxLeases - offer.activeLeases, 0),
    minDuration: offer.minDuration,
    maxDuration: offer.maxDuration,
    verified: offer.verified ?? null,
    reputation: offer.reputation ?? null,
  };
}

/**
 * The offers table: one row per offer. A market that settles in credits (`inCredits`) prices in dollars: one
 * $/GPU-H column. One settling in OCX shows OCX/GPU-H, and with `usdPerOcx` (the deployment's OCX/USD feed) a
 * $/GPU-H column beside it at the oracle's price, rounded down.
 */
export function offersTable(
  offers: OfferTerms[],
  usdPerOcx?: { price: bigint; decimals: number },
  inCredits = false,
): string {
  const usd = (perGpuHour: bigint) =>
    inCredits
      ? [formatUsd(perGpuHour)]
      : usdPerOcx
        ? [formatUsd((perGpuHour * usdPerOcx.price) / 10n ** BigInt(usdPerOcx.decimals))]
        : [];
  const ocx = (perGpuHour: bigint) => (inCredits ? [] : [formatOcx(perGpuHour, { unit: false })]);
  return renderTable(
    [
      { header: "OFFER", align: "right" },
      "PROVIDER",
      "MODEL",
      { header: "GPUS", align: "right" },
      { header: "VRAM", align: "right" },
      { header: "CPU", align: "right" },
      { header: "MEMORY", align: "right" },
      "REGION",
      ...(inCredits ? [] : [{ header: "OCX/GPU-H", align: "right" as const }]),
      ...(usdPerOcx || inCredits ? [{ header: "$/GPU-H", align: "right" as const }] : []),
      { header: "FREE", align: "right" },
      "VERIFIED",
      { header: "REP", align: "right" },
      "STATE",
    ],
    offers.map((o) => {
      const j = offerJson(o);
      return [
        `#${o.offerId}`,
        `${o.provider.slice(0, 8)}…${o.provider.slice(-4)}`,
        j.gpuModel || "cpu",
        String(j.gpuCount),
        j.gpuCount > 0 ? formatMiB(j.gpuVramMiB) : "-",
        formatCores(j.cpuMillicores),
        formatMiB(j.memoryMiB),
        j.region || "-",
        ...ocx(offerPricePerGpuHour(o)),
        ...usd(offerPricePerGpuHour(o)),
        `${j.freeCapacity}/${j.maxLeases}`,
        j.verified === null ? "?" : j.verified ? "yes" : "no",
        j.reputation === null ? "?" : j.reputation.toFixed(2),
        j.state,
      ];
    }),
  );
}

/** What `ocx market offers` asks for, once its options are checked. */
interface OffersFilter {
  /** A GPU model label, or "cpu" for CPU-only bundles. */
  gpuModel?: string;
  region?: string;
  minGpus: number;
  /** Per GPU-hour (per hour for CPU bundles), in the payment token's wei. */
  maxPrice?: bigint;
  verified: boolean;
  minReputation: number;
  /** Active offers only, or every state. */
  all: boolean;
  sort: "price" | "id";
  /** At most this many offers printed; 0 for all. */
  limit: number;
}

/** Whether an offer (from the chain, or an indexer that may predate a filter) passes `filter`. */
function passes(o: OfferTerms, filter: OffersFilter): boolean {
  if (!filter.all && o.state !== OfferState.Active) return false;
  if (filter.gpuModel !== undefined) {
    const model = fromLabel(o.resources.gpuModel);
    // A CPU-only bundle, as the indexer counts one: no GPUs, or the empty or "cpu" label.
    const cpu = o.resources.gpuCount === 0 || model === "" || model === "cpu";
    if (filter.gpuModel === "cpu" ? !cpu : model !== filter.gpuModel) return false;
  }
  if (filter.region !== undefined && fromLabel(o.resources.region) !== filter.region) return false;
  if (o.resources.gpuCount < filter.minGpus) return false;
  if (filter.maxPrice !== undefined && offerPricePerGpuHour(o) > filter.maxPrice) return false;
  if (filter.verified && !o.verified) return false;
  return (o.reputation ?? 0.5) >= filter.minReputation;
}

/** Orders offers as `--sort` asks: by price per GPU-hour then id, or by id. */
function byOrder(sort: OffersFilter["sort"]) {
  return (a: OfferTerms, b: OfferTerms): number => {
    if (sort === "price") {
      const pa = offerPricePerGpuHour(a);
      const pb = offerPricePerGpuHour(b);
      if (pa !== pb) return pa < pb ? -1 : 1;
    }
    return a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0;
  };
}

/**
 * The matching offers and how many match in all, through the indexer at `url`: it filters, sorts and cuts at the
 * limit itself, so the answer holds only the offers printed. They are checked again here, which costs nothing and
 * keeps the answer right from an indexer older than a filter.
 */
async function offersFromIndexer(url: string, filter: OffersFilter): Promise<{ offers: OfferTerms[]; total: number }> {
  const answer = await createIndexerClient(url).offers({
    gpuModel: filter.gpuModel,
    region: filter.region,
    state: filter.all ? "all" : "active",
    verified: filter.verified ? true : undefined,
    minGpus: filter.minGpus > 0 ? filter.minGpus : undefined,
    minReputation: filter.minReputation > 0 ? filter.minReputation : undefined,
    maxPrice: filter.maxPrice,
    sort: filter.sort,
    limit: filter.limit === 0 ? 100_000 : filter.limit,
  });
  const offers = answer.offers.map(toOfferTerms).filter((o) => passes(o, filter));
  return { offers, total: answer.total };
}

/** Parses and checks the command's options; a wrong one is a usage error that says what is expected. */
function parseFilter(options: OffersOptions): OffersFilter {
  if (options.sort !== "price" && options.sort !== "id") {
    throw new OcxUsageError(`--sort must be "price" or "id", got "${options.sort}"`);
  }
  const minGpus = options.minGpus === undefined ? 0 : Number(options.minGpus);
  if (!Number.isInteger(minGpus) || minGpus < 0) {
    throw new OcxUsageError(`--min-gpus must be a whole number, got "${options.minGpus}"`);
  }
  const minReputation = options.minReputation === undefined ? 0 : Number(options.minReputation);
  if (options.minReputation !== undefined && !(minReputation >= 0 && minReputation <= 1)) {
    throw new OcxUsageError(`--min-reputation must be a number from 0 to 1, got "${options.minReputation}"`);
  }
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new OcxUsageError(`--limit must be a whole number (0 for every match), got "${options.limit}"`);
  }
  return {
    gpuModel: options.gpuModel,
    region: options.region,
    minGpus,
    verified: options.verified === true,
    minReputation,
    all: options.all === true,
    sort: options.sort,
    limit,
  };
}

/**
 * The `offers` subcommand of `ocx market`, set up on `command` (a `new Command("offers")` of the caller's): this
 * module imports commander's types only, so that loading it alone does not load a second copy of commander.
 */
export function marketOffersCommand(command: Command): Command {
  return command
    .description("list the providers' standing offers (active ones unless --all), the first 100 unless --limit")
    .option("--gpu-model <model>", 'only this GPU model id (e.g. nvidia-h100-80gb; "cpu" for CPU offers)')
    .option("--min-gpus <n>", "only bundles with at least this many GPUs")
    .option("--region <region>", "only this region")
    .option("--max-price <price>", "only offers at or below this price per GPU-hour ($, or OCX in an OCX market)")
    .option("--sort <key>", "order by: price (per GPU-hour) or id", "id")
    .option("--all", "include paused and withdrawn offers")
    .option("--verified", "only offers whose GPUs hold a current hardware attestation")
    .option("--min-reputation <score>", "only providers with at least this reputation, 0 to 1")
    .option("--limit <n>", "print at most this many offers; 0 prints every match", String(DEFAULT_OFFERS_LIMIT))
    .addHelpText(
      "after",
      `
Prices are in dollars per GPU-hour (per hour for CPU offers): the market settles in $1 credits
(OCX on a deployment made without credits). FREE is the leases the offer can
still take (maxLeases − activeLeases). VERIFIED: a validator attested every GPU of the bundle
and the attestation has not expired. REP: the provider's reputation, 0 to 1 (0.5 for a new
provider; see docs/trust.md); \`ocx run\` passes over providers below ${DEFAULT_MIN_REPUTATION}.
When more offers match than --limit prints, a line on stderr (and "total" in --json) says how many.

Examples:
  $ ocx market offers --sort price
  $ ocx market offers --gpu-model nvidia-h100-80gb --min-gpus 2 --region eu-west --max-price 2.50
  $ ocx market offers --verified --min-reputation 0.6
  $ ocx market offers --limit 0 --json | jq '.offers[0]'
`,
    )
    .action(async (options: OffersOptions, command: Command) => {
      const filter = parseFilter(options);
      const { deployment } = await resolveNetwork(command);
      const inCredits = deployment.paymentToken !== deployment.token;
      // Dollars or OCX: which one depends on the deployment, known only now.
      if (options.maxPrice !== undefined) {
        filter.maxPrice = parsePaymentArgument(options.maxPrice, "--max-price", deployment);
      }
      // Through the indexer when OCX_INDEXER_URL or the deployment's "indexer" names one: it filters, sorts, cuts at
      // the limit and judges trust itself, so nothing else is read and viem's contract actions are never loaded.
      // Otherwise, or when it cannot answer, from the chain (listOffers and annotateOffers, imported then).
      const indexerUrl = process.env.OCX_INDEXER_URL ?? deploymentIndexerUrl(deployment);
      let found: { offers: OfferTerms[]; total: number } | undefined;
      if (indexerUrl) {
        try {
          found = await offersFromIndexer(indexerUrl, filter);
        } catch (error) {
          if (!(error instanceof IndexerError)) throw error;
          process.stderr.write(`${error.shortMessage}; reading the chain instead\n`);
        }
      }
      // The chain is read only when the indexer did not answer, or for the OCX/USD price of a market that settles
      // in OCX (a market settling in credits prices in dollars already).
      const usdFeed = deployment.priceFeed !== undefined && !inCredits;
      const chain =
        found === undefined || usdFeed
          ? await (await import("./marketOffersChain.js")).readOffersFromChain(command, {
              offers: found === undefined,
              usdPrice: usdFeed,
            })
          : undefined;
      if (found === undefined) {
        const matching = (chain?.offers ?? []).filter((o) => passes(o, filter)).sort(byOrder(filter.sort));
        found = { offers: filter.limit === 0 ? matching : matching.slice(0, filter.limit), total: matching.length };
      }
      const { offers, total } = found;
      if (!command.optsWithGlobals().json) {
        // Dollars beside OCX when the market settles in OCX and the deployment has an OCX/USD feed.
        process.stdout.write(
          `${offers.length === 0 ? "no offers match" : offersTable(offers, chain?.usdPerOcx, inCredits)}\n`,
        );
        if (total > offers.length) {
          process.stderr.write(`showing ${offers.length} of ${total} matching offers; --limit 0 shows them all\n`);
        }
        return;
      }
      const rows = offers.map((o) => {
        const j = offerJson(o);
        return inCredits ? { ...j, usdPerGpuHour: formatUsd(offerPricePerGpuHour(o)) } : j;
      });
      // offerJson holds no bigint: stringify without a replacer, which is several times faster on thousands of offers.
      process.stdout.write(`${JSON.stringify({ unit: inCredits ? "usd" : "ocx", total, offers: rows })}\n`);
    });
}
