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
import { Command } from "commander";
import { spaced } from "../chain.js";
import { formatCores, formatUsd, renderTable } from "../format.js";
import { resolveNetwork } from "../network.js";
import { jsonReplacer } from "../options.js";

interface OffersOptions {
  gpuModel?: string;
  minGpus?: string;
  region?: string;
  sort: string;
  all?: boolean;
  verified?: boolean;
  minReputation?: string;
}

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

/** An offer as --json prints it. */
export function offerJson(offer: OfferTerms) {
  return {
    offerId: offer.offerId,
    provider: offer.provider,
    state: spaced(offerStateName(offer.state)),
    ...resourcesJson(offer.resources),
    pricePerSecond: offer.pricePerSecond,
    pricePerGpuHour: offerPricePerGpuHour(offer),
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
        ...ocx(j.pricePerGpuHour),
        ...usd(j.pricePerGpuHour),
        `${j.freeCapacity}/${j.maxLeases}`,
        j.verified === null ? "?" : j.verified ? "yes" : "no",
        j.reputation === null ? "?" : j.reputation.toFixed(2),
        j.state,
      ];
    }),
  );
}

/** The `offers` subcommand of `ocx market`. */
export function marketOffersCommand(): Command {
  return new Command("offers")
    .description("list the providers' standing offers (active ones unless --all)")
    .option("--gpu-model <model>", 'only this GPU model id (e.g. nvidia-h100-80gb; "cpu" for CPU offers)')
    .option("--min-gpus <n>", "only bundles with at least this many GPUs")
    .option("--region <region>", "only this region")
    .option("--sort <key>", "order by: price (per GPU-hour) or id", "id")
    .option("--all", "include paused and withdrawn offers")
    .option("--verified", "only offers whose GPUs hold a current hardware attestation")
    .option("--min-reputation <score>", "only providers with at least this reputation, 0 to 1")
    .addHelpText(
      "after",
      `
Prices are in dollars per GPU-hour (per hour for CPU offers): the market settles in $1 credits
(OCX on a deployment made without credits). FREE is the leases the offer can
still take (maxLeases − activeLeases). VERIFIED: a validator attested every GPU of the bundle
and the attestation has not expired. REP: the provider's reputation, 0 to 1 (0.5 for a new
provider; see docs/trust.md); \`ocx run\` passes over providers below ${DEFAULT_MIN_REPUTATION}.

Examples:
  $ ocx market offers --sort price
  $ ocx market offers --gpu-model nvidia-h100-80gb --min-gpus 2 --region eu-west
  $ ocx market offers --verified --min-reputation 0.6
  $ ocx market offers --json | jq '.offers[0]'
`,
    )
    .action(async (options: OffersOptions, command: Command) => {
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
      const { deployment } = await resolveNetwork(command);
      // Through the indexer when OCX_INDEXER_URL or the deployment's "indexer" names one: it filters by model, region
      // and state and judges trust itself, so nothing else is read and viem's contract actions are never loaded.
      // Otherwise, or when it cannot answer, from the chain (listOffers and annotateOffers, imported then).
      const indexerUrl = process.env.OCX_INDEXER_URL ?? deploymentIndexerUrl(deployment);
      const query = {
        gpuModel: options.gpuModel === "cpu" ? undefined : options.gpuModel,
        region: options.region,
        state: options.all ? ("all" as const) : ("active" as const),
      };
      let listed: OfferTerms[] | undefined;
      if (indexerUrl) {
        try {
          listed = (await createIndexerClient(indexerUrl).offers({ ...query, limit: 100_000 })).offers.map(
            toOfferTerms,
          );
        } catch (error) {
          if (!(error instanceof IndexerError)) throw error;
          process.stderr.write(`${error.shortMessage}; reading the chain instead\n`);
        }
      }
      // The chain is read only when the indexer did not answer, or for the OCX/USD price of a market that settles
      // in OCX (a market settling in credits prices in dollars already).
      const inCredits = deployment.paymentToken !== deployment.token;
      const usdFeed = deployment.priceFeed !== undefined && !inCredits;
      const chain =
        listed === undefined || usdFeed
          ? await (await import("./marketOffersChain.js")).readOffersFromChain(command, {
              offers: listed === undefined,
              usdPrice: usdFeed,
            })
          : undefined;
      listed ??= chain?.offers;
      let offers = (listed ?? []).filter((o) => {
        const model = fromLabel(o.resources.gpuModel) || "cpu";
        if (!options.all && o.state !== OfferState.Active) return false;
        if (options.gpuModel !== undefined && model !== options.gpuModel) return false;
        if (o.resources.gpuCount < minGpus) return false;
        if (options.region !== undefined && fromLabel(o.resources.region) !== options.region) return false;
        if (options.verified && !o.verified) return false;
        if ((o.reputation ?? 0.5) < minReputation) return false;
        return true;
      });
      if (options.sort === "price") {
        offers = offers.sort((a, b) => {
          const pa = offerPricePerGpuHour(a);
          const pb = offerPricePerGpuHour(b);
          return pa < pb ? -1 : pa > pb ? 1 : Number(a.offerId - b.offerId);
        });
      } else {
        offers = offers.sort((a, b) => Number(a.offerId - b.offerId));
      }
      // Dollars beside OCX when the market settles in OCX and the deployment has an OCX/USD feed.
      const usdPerOcx = chain?.usdPerOcx;
      if (!command.optsWithGlobals().json) {
        process.stdout.write(
          `${offers.length === 0 ? "no offers match" : offersTable(offers, usdPerOcx, inCredits)}\n`,
        );
        return;
      }
      const data = {
        unit: inCredits ? "usd" : "ocx",
        offers: offers.map((o) => {
          const j = offerJson(o);
          return inCredits ? { ...j, usdPerGpuHour: formatUsd(j.pricePerGpuHour) } : j;
        }),
      };
      process.stdout.write(`${JSON.stringify(data, jsonReplacer)}\n`);
    });
}
