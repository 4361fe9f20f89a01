// `ocx market`: what is for sale (offers), what buyers ask for (requests), and why a job's
// manifest matches no offer; and ending a request (cancel it, or close its auction after the deadline).
import {
  annotateOffers,
  cancelRequestSync,
  closeAuctionSync,
  DEFAULT_MIN_REPUTATION,
  deploymentIndexerUrl,
  describeVerdict,
  EXIT,
  explainMatch,
  formatMiB,
  formatOcx,
  fromLabel,
  getOcxPrice,
  getRequest,
  listOffers,
  marketplaceAbi,
  OcxUsageError,
  OfferState,
  type OfferTerms,
  offerPricePerGpuHour,
  offerStateName,
  perSecondToPerHour,
  pricePerGpuHour,
  RequestState,
  requestStateName,
} from "@ocx/sdk";
import { Command } from "commander";
import { actingAddress, parseId, parseOcxArgument, spaced } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { formatCores, formatRelative, formatUsd, renderTable } from "../format.js";
import { readJobFile } from "../jobfile.js";

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
function resourcesJson(r: OfferTerms["resources"]) {
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
 * The offers table: one row per offer. With `usdPerOcx` (the deployment's OCX/USD feed), a $/GPU-H column shows
 * each price at the oracle's price, rounded down.
 */
export function offersTable(offers: OfferTerms[], usdPerOcx?: { price: bigint; decimals: number }): string {
  const usd = (perGpuHour: bigint) =>
    usdPerOcx ? [formatUsd((perGpuHour * usdPerOcx.price) / 10n ** BigInt(usdPerOcx.decimals))] : [];
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
      { header: "OCX/GPU-H", align: "right" },
      ...(usdPerOcx ? [{ header: "$/GPU-H", align: "right" as const }] : []),
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
        formatOcx(j.pricePerGpuHour, { unit: false }),
        ...usd(j.pricePerGpuHour),
        `${j.freeCapacity}/${j.maxLeases}`,
        j.verified === null ? "?" : j.verified ? "yes" : "no",
        j.reputation === null ? "?" : j.reputation.toFixed(2),
        j.state,
      ];
    }),
  );
}

export function marketCommand(): Command {
  const market = new Command("market").description("browse the market: offers, requests, and why a job finds no match");

  market
    .command("offers")
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
Prices are in OCX per GPU-hour (per hour for CPU offers). FREE is the leases the offer can
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
      const context = await createContext(command);
      // Through the indexer when OCX_INDEXER_URL or the deployment's "indexer" names one (it filters by model and
      // region and judges trust itself); otherwise, or when it cannot answer, from the chain.
      const indexerUrl = process.env.OCX_INDEXER_URL ?? deploymentIndexerUrl(context.deployment);
      const listed = await listOffers(context.publicClient, context.deployment, {
        indexerUrl,
        query: { gpuModel: options.gpuModel === "cpu" ? undefined : options.gpuModel, region: options.region },
        onIndexerError: (error) => process.stderr.write(`${error.shortMessage}; reading the chain instead\n`),
      });
      const judged = listed.length > 0 && listed.every((o) => o.verified !== undefined);
      let offers = (
        judged ? listed : await annotateOffers(context.publicClient, { deployment: context.deployment, offers: listed })
      ).filter((o) => {
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
      }
      // Dollars beside OCX when the deployment has an OCX/USD feed (deployOcx with credits, `ocx devnet --ocx-price`).
      const usdPerOcx = context.deployment.priceFeed
        ? await getOcxPrice(context.publicClient, { deployment: context.deployment })
        : undefined;
      context.print(offers.length === 0 ? "no offers match" : offersTable(offers, usdPerOcx), {
        offers: offers.map(offerJson),
      });
    });

  market
    .command("requests")
    .description("list open requests for bids (reverse auctions)")
    .option("--all", "include closed and cancelled requests")
    .addHelpText(
      "after",
      `
Examples:
  $ ocx market requests
  $ ocx market requests --json
`,
    )
    .action(async (options: { all?: boolean }, command: Command) => {
      const context = await createContext(command);
      const market = { address: context.deployment.marketplace, abi: marketplaceAbi } as const;
      const fromBlock = BigInt(context.deployment.startBlock);
      const [posted, bids] = await Promise.all([
        context.publicClient.getContractEvents({ ...market, eventName: "RequestPosted", fromBlock }),
        context.publicClient.getContractEvents({ ...market, eventName: "BidPlaced", fromBlock }),
      ]);
      const bidders = new Map<bigint, Set<string>>();
      for (const log of bids) {
        const id = log.args.requestId as bigint;
        const set = bidders.get(id) ?? new Set<string>();
        set.add(String(log.args.provider));
        bidders.set(id, set);
      }
      const requests = await Promise.all(
        posted.map(async (log) => {
          const requestId = log.args.requestId as bigint;
          const request = await getRequest(context.publicClient, { deployment: context.deployment, requestId });
          const r = request.requirements;
          return {
            requestId,
            buyer: request.buyer,
            state: spaced(requestStateName(request.state)),
            ...resourcesJson(r),
            maxPricePerSecond: request.maxPricePerSecond,
            maxPricePerGpuHour: pricePerGpuHour(request.maxPricePerSecond, r.gpuCount),
            deposit: request.deposit,
            biddingDeadline: Number(request.biddingDeadline),
            bids: bidders.get(requestId)?.size ?? 0,
            bestBidder: request.bestPrice > 0n ? request.bestBidder : null,
            bestPricePerGpuHour: request.bestPrice > 0n ? pricePerGpuHour(request.bestPrice, r.gpuCount) : null,
          };
        }),
      );
      const shown = requests.filter((r) => options.all || r.state === "open");
      const text =
        shown.length === 0
          ? "no open requests"
          : renderTable(
              [
                { header: "REQUEST", align: "right" },
                "BUYER",
                "NEEDS",
                "REGION",
                { header: "MAX OCX/GPU-H", align: "right" },
                { header: "DEPOSIT", align: "right" },
                "DEADLINE",
                { header: "BIDS", align: "right" },
                { header: "BEST OCX/GPU-H", align: "right" },
                "STATE",
              ],
              shown.map((r) => [
                `#${r.requestId}`,
                `${r.buyer.slice(0, 8)}…${r.buyer.slice(-4)}`,
                `${r.gpuCount}× ${r.gpuModel || "any"}${r.gpuVramMiB ? ` ≥${formatMiB(r.gpuVramMiB)}` : ""}, ${formatCores(r.cpuMillicores)} CPU, ${formatMiB(r.memoryMiB)}`,
                r.region || "any",
                formatOcx(r.maxPricePerGpuHour, { unit: false }),
                formatOcx(r.deposit, { unit: false }),
                formatRelative(r.biddingDeadline),
                String(r.bids),
                r.bestPricePerGpuHour === null ? "-" : formatOcx(r.bestPricePerGpuHour, { unit: false }),
                r.state,
              ]),
            );
      context.print(text, { requests: shown });
    });

  market
    .command("why")
    .description("say, for every active offer, which of a job's needs excludes it (or that it matches)")
    .argument("<manifest>", "an OCX job manifest or an Akash SDL (YAML)")
    .option("--max-price <ocx>", "price limit in OCX per GPU-hour (replaces the manifest's)")
    .addHelpText(
      "after",
      `
Exits with 0 when at least one offer matches, 6 when none does.

Examples:
  $ ocx market why job.yaml
  #3 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required
  #5 nvidia-h100-80gb: matches (2.5 OCX/GPU-h)
  $ ocx market why deploy.sdl.yaml --max-price 3 --json
`,
    )
    .action(async (file: string, options: { maxPrice?: string }, command: Command) => {
      const maxPricePerGpuHour =
        options.maxPrice === undefined ? undefined : parseOcxArgument(options.maxPrice, "--max-price");
      const { manifest } = await readJobFile(file, { maxPrice: options.maxPrice });
      const context = await createContext(command);
      const { needs, verdicts, matching, conclusion } = await explainMatch(context.publicClient, {
        deployment: context.deployment,
        manifest,
        ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
      });
      const lines =
        verdicts.length === 0 ? ["no active offers on the market"] : verdicts.map((v) => describeVerdict(v));
      context.print([needs, ...lines, conclusion].join("\n"), {
        manifest: manifest.name,
        matches: matching.map((v) => v.offer.offerId),
        offers: verdicts.map((v) => ({
          ...offerJson(v.offer),
          matches: v.matches,
          reasons: v.mismatches,
        })),
      });
      if (matching.length === 0) process.exitCode = EXIT.noMatch;
    });

  market
    .command("cancel")
    .description("withdraw your open request for bids and get its deposit back")
    .argument("<requestId>", "the request's id (`ocx market requests` lists them)")
    .addHelpText(
      "after",
      `
Only the request's buyer can cancel it, and only while it is open (before it is closed and a
lease is made), bids or not.

Examples:
  $ ocx market cancel 3
  $ ocx market cancel 3 --json
`,
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const requestId = parseId(id, "the request id");
      const context = await createContext(command);
      const request = await openRequest(context, requestId);
      const me = await actingAddress(context);
      if (request.buyer.toLowerCase() !== me.toLowerCase()) {
        throw new OcxUsageError(
          `request #${requestId} belongs to ${request.buyer}, not to ${me}: only its buyer can cancel it`,
        );
      }
      const { receipt, event } = await cancelRequestSync(await context.walletClient(), {
        deployment: context.deployment,
        requestId,
      });
      context.print(`request #${requestId} cancelled; ${formatOcx(event.refund)} refunded`, {
        requestId,
        action: "cancel",
        refund: event.refund,
        transaction: receipt.transactionHash,
      });
    });

  market
    .command("close")
    .description("end an auction after its bidding deadline: the best bid gets the lease, or the deposit comes back")
    .argument("<requestId>", "the request's id (`ocx market requests` lists them)")
    .addHelpText(
      "after",
      `
Anyone can close a request once its bidding deadline has passed. With a bid, the best bidder
gets the lease (as \`ocx run\` would have taken it); without one, the buyer's deposit comes back.

Examples:
  $ ocx market close 3
  $ ocx market close 3 --json
`,
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const requestId = parseId(id, "the request id");
      const context = await createContext(command);
      const request = await openRequest(context, requestId);
      const deadline = Number(request.biddingDeadline);
      // "Now" is this machine's clock, or the chain's if it is ahead (a chain whose time was moved on).
      const chainNow = Number((await context.publicClient.getBlock()).timestamp);
      const now = Math.max(Math.floor(Date.now() / 1000), chainNow);
      if (now < deadline) {
        throw new OcxUsageError(
          `bidding on request #${requestId} is open until ${new Date(deadline * 1000).toISOString()} (${formatRelative(deadline, now)}); close it after that, or cancel it with \`ocx market cancel ${requestId}\``,
        );
      }
      const wallet = await context.walletClient();
      // An idle chain makes no blocks: its latest block may still be before the deadline, and the contract reads
      // the time of the block that includes the call. An empty transaction makes a block at this machine's time.
      if (chainNow < deadline) {
        const hash = await wallet.sendTransaction({ to: wallet.account.address, value: 0n });
        await context.publicClient.waitForTransactionReceipt({ hash });
      }
      const { receipt, eventName, event } = await closeAuctionSync(wallet, {
        deployment: context.deployment,
        requestId,
      });
      if (eventName === "RequestClosed") {
        const closed = event as { winner: `0x${string}`; pricePerSecond: bigint; leaseId: bigint };
        context.print(
          `request #${requestId} closed: lease #${closed.leaseId} with ${closed.winner} at ${formatOcx(perSecondToPerHour(closed.pricePerSecond))}/h`,
          {
            requestId,
            action: "close",
            outcome: "lease",
            leaseId: closed.leaseId,
            provider: closed.winner,
            pricePerSecond: closed.pricePerSecond,
            transaction: receipt.transactionHash,
          },
        );
      } else {
        const cancelled = event as { refund: bigint };
        context.print(
          `request #${requestId} closed without a bid; ${formatOcx(cancelled.refund)} refunded to its buyer`,
          {
            requestId,
            action: "close",
            outcome: "refunded",
            refund: cancelled.refund,
            transaction: receipt.transactionHash,
          },
        );
      }
    });

  return market;
}

/** A request that is still open, or a usage error saying what became of it. */
async function openRequest(context: Context, requestId: bigint) {
  const request = await getRequest(context.publicClient, { deployment: context.deployment, requestId });
  if (request.state === RequestState.None) {
    throw new OcxUsageError(`no request #${requestId} on this marketplace; \`ocx market requests --all\` lists them`);
  }
  if (request.state !== RequestState.Open) {
    throw new OcxUsageError(
      `request #${requestId} is already ${spaced(requestStateName(request.state))}: there is nothing left to end`,
    );
  }
  return request;
}
