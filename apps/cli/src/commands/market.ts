// `ocx market`: what is for sale (offers), what buyers ask for (requests), and why a job's
// manifest matches no offer; and ending a request (cancel it, or close its auction after the deadline).
import {
  cancelRequestSync,
  closeAuctionSync,
  describeVerdict,
  EXIT,
  explainMatch,
  formatMiB,
  getRequest,
  marketplaceAbi,
  OcxUsageError,
  paymentUnit,
  perSecondToPerHour,
  pricePerGpuHour,
  RequestState,
  requestStateName,
} from "@ocx/sdk";
import { Command } from "commander";
import { actingAddress, parseId, parseOcxArgument, spaced } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { formatCores, formatPayment, formatRelative, renderTable, settlesInCredits } from "../format.js";
import { readJobFile } from "../jobfile.js";
import { marketOffersCommand, offerJson, resourcesJson } from "./marketOffers.js";

export { offerJson, offersTable } from "./marketOffers.js";

export function marketCommand(): Command {
  const market = new Command("market").description("browse the market: offers, requests, and why a job finds no match");

  market.addCommand(marketOffersCommand(new Command("offers")));

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
      const money = (wei: bigint) => formatPayment(wei, context.deployment);
      const unit = settlesInCredits(context.deployment) ? "$" : "OCX";
      const text =
        shown.length === 0
          ? "no open requests"
          : renderTable(
              [
                { header: "REQUEST", align: "right" },
                "BUYER",
                "NEEDS",
                "REGION",
                { header: `MAX ${unit}/GPU-H`, align: "right" },
                { header: "DEPOSIT", align: "right" },
                "DEADLINE",
                { header: "BIDS", align: "right" },
                { header: `BEST ${unit}/GPU-H`, align: "right" },
                "STATE",
              ],
              shown.map((r) => [
                `#${r.requestId}`,
                `${r.buyer.slice(0, 8)}…${r.buyer.slice(-4)}`,
                `${r.gpuCount}× ${r.gpuModel || "any"}${r.gpuVramMiB ? ` ≥${formatMiB(r.gpuVramMiB)}` : ""}, ${formatCores(r.cpuMillicores)} CPU, ${formatMiB(r.memoryMiB)}`,
                r.region || "any",
                money(r.maxPricePerGpuHour),
                money(r.deposit),
                formatRelative(r.biddingDeadline),
                String(r.bids),
                r.bestPricePerGpuHour === null ? "-" : money(r.bestPricePerGpuHour),
                r.state,
              ]),
            );
      context.print(text, { requests: shown });
    });

  market
    .command("why")
    .description("say, for every active offer, which of a job's needs excludes it (or that it matches)")
    .argument("<manifest>", "an OCX job manifest or an Akash SDL (YAML)")
    .option("--max-price <usd>", "price limit in dollars per GPU-hour (replaces the manifest's)")
    .addHelpText(
      "after",
      `
Exits with 0 when at least one offer matches, 6 when none does.

Examples:
  $ ocx market why job.yaml
  #3 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required
  #5 nvidia-h100-80gb: matches ($2.50/GPU-h)
  $ ocx market why deploy.sdl.yaml --max-price 3 --json
`,
    )
    .action(async (file: string, options: { maxPrice?: string }, command: Command) => {
      // 18 decimals in either token ("$2.50" of credits, or OCX): read exactly, "$" allowed.
      const maxPrice = options.maxPrice?.trim().replace(/^\$/, "");
      const maxPricePerGpuHour =
        maxPrice === undefined ? undefined : parseOcxArgument(maxPrice, "--max-price", "dollars");
      const { manifest } = await readJobFile(file, { maxPrice });
      const context = await createContext(command);
      const { needs, verdicts, matching, conclusion } = await explainMatch(context.publicClient, {
        deployment: context.deployment,
        manifest,
        ...(maxPricePerGpuHour === undefined ? {} : { maxPricePerGpuHour }),
      });
      const lines =
        verdicts.length === 0
          ? ["no active offers on the market"]
          : verdicts.map((v) => describeVerdict(v, paymentUnit(context.deployment)));
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
      context.print(`request #${requestId} cancelled; ${formatPayment(event.refund, context.deployment)} refunded`, {
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
          `request #${requestId} closed: lease #${closed.leaseId} with ${closed.winner} at ${formatPayment(perSecondToPerHour(closed.pricePerSecond), context.deployment)}/h`,
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
          `request #${requestId} closed without a bid; ${formatPayment(cancelled.refund, context.deployment)} refunded to its buyer`,
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
