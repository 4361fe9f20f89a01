// What `ocx run` and `ocx job submit` say on stderr while the SDK's job steps run: the offer or quote, the
// auction's progress, the lease, uploads, and retries of a provider that stops answering.
import { marketplaceAbi, type RunJobEvent } from "@ocx/sdk";
import type { Context } from "./context.js";
import { formatPayment, formatPricePerGpuHour, formatRelative } from "./format.js";

/** How often an auction's progress is shown, at most. */
const AUCTION_EVERY_MS = 5000;

/**
 * Returns the `onEvent` handler for the job steps, printing a line per step through `context.progress`. Logs are
 * left to the caller (`ocx run` writes them to its own stdout and stderr). Money is in the market's payment token
 * (dollars of credits); prices per GPU-hour over `gpuCount` GPUs (per hour for a CPU job).
 * @example
 * const report = runReporter(context);
 * await runJob({ ...parameters, onEvent: (e) => e.type === "log" ? write(e) : report(e) });
 */
export function runReporter(context: Context, startedAt = Date.now(), gpuCount = 1): (event: RunJobEvent) => void {
  const say = (line: string) => context.progress(line);
  const money = (wei: bigint) => formatPayment(wei, context.deployment);
  const perGpuHour = (perSecond: bigint) => formatPricePerGpuHour(perSecond, gpuCount, context.deployment);
  let endpoint: string | undefined;
  let lastAuctionLine = 0;
  let bestShown: bigint | null = null;
  return (event) => {
    switch (event.type) {
      case "offer":
        say(`offer #${event.offer.offerId}: ${money(event.pricePerGpuHour)} per GPU-hour`);
        break;
      case "quote":
        say(`quote for offer #${event.offerId}: ${perGpuHour(event.pricePerSecond)}, taken in one transaction`);
        break;
      case "quote-unavailable":
        say(`no quote from the provider (${event.reason}); taking offer #${event.offerId} as posted`);
        break;
      case "request":
        say(
          `no offer matches: posted request #${event.requestId} for bids up to ${perGpuHour(event.maxPricePerSecond)}; bidding ends ${formatRelative(Number(event.deadline))}`,
        );
        break;
      case "auction": {
        const now = Date.now();
        if (now - lastAuctionLine < AUCTION_EVERY_MS && event.bestPrice === bestShown && event.secondsLeft > 0) break;
        lastAuctionLine = now;
        bestShown = event.bestPrice;
        void countBids(context, event.requestId).then((bids) => {
          const best = event.bestPrice === null ? "" : `, best ${perGpuHour(event.bestPrice)} from ${event.bestBidder}`;
          say(
            `auction #${event.requestId}: ${bids ?? "?"} bid(s)${best}; ${Math.max(event.secondsLeft, 0)} s to the deadline`,
          );
        });
        break;
      }
      case "refunded":
        say(
          `no provider won request #${event.requestId} by its deadline: it is closed and ${money(event.refund)} came back`,
        );
        break;
      case "acknowledging":
        say(
          `waiting for the provider to acknowledge lease #${event.leaseId} (deadline ${formatRelative(Number(event.ackDeadline))})…`,
        );
        break;
      case "lease":
        endpoint = event.endpoint;
        say(`lease #${event.leaseId} with ${event.provider}: ${money(event.deposit)} in escrow`);
        break;
      case "uploaded":
        say(`uploaded the job and ${event.files} input file(s), ${event.bytes} bytes`);
        break;
      case "started":
        say(`running… (${Date.now() - startedAt} ms after invocation)`);
        break;
      case "retry":
        say(
          `${endpoint ? `provider ${endpoint}: ` : ""}${event.what} failed (${event.error}); retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`,
        );
        break;
      default:
        break;
    }
  };
}

/** How many bids a request has, from its BidPlaced events; undefined when the chain cannot say. */
async function countBids(context: Context, requestId: bigint): Promise<number | undefined> {
  const bids = await context.publicClient
    .getContractEvents({
      address: context.deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "BidPlaced",
      args: { requestId },
      fromBlock: BigInt(context.deployment.startBlock),
    })
    .catch(() => undefined);
  return bids?.length;
}
