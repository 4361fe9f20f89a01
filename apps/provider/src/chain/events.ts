// Follows the marketplace's events from a durable cursor, so a restarted node misses none and
// handles each block range once (handlers must be idempotent: a crash mid-range replays it).
import type { Logger } from "@ocx/node-kit";
import { marketplaceAbi } from "@ocx/sdk";
import type { Address, GetContractEventsReturnType, PublicClient } from "viem";
import type { ProviderStore } from "../leases/store.js";

export type MarketplaceEvent = GetContractEventsReturnType<typeof marketplaceAbi, undefined, true>[number];

export interface EventFollower {
  /** Reads every new block once; resolves when caught up. */
  poll(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** The last block fully handled. */
  readonly cursor: bigint;
}

const CURSOR_KEY = "marketplace_cursor";
const MAX_RANGE = 2_000n;

/**
 * Calls `handle` for every marketplace event, in chain order, from `startBlock` on.
 * @example
 * const events = followEvents({ publicClient, marketplace, store, startBlock, log, handle: async (e) => … });
 * events.start();
 */
export function followEvents(options: {
  publicClient: PublicClient;
  marketplace: Address;
  store: ProviderStore;
  startBlock: bigint;
  pollIntervalMs: number;
  log: Logger;
  handle: (event: MarketplaceEvent) => Promise<void>;
  /** Called after each range's events were handled (before the cursor moves past them), e.g. to batch what they asked for. */
  afterBatch?: () => Promise<void>;
}): EventFollower {
  const { publicClient, marketplace, store, log } = options;
  let cursor = BigInt(store.getMeta(CURSOR_KEY) ?? (options.startBlock - 1n).toString());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  // Polls run one at a time (the timer's and the API's catch-up for an unseen lease): two at once
  // would hand the same block range to the handlers twice.
  let queue: Promise<void> = Promise.resolve();
  const poll = () => {
    queue = queue.catch(() => {}).then(readNewBlocks);
    return queue;
  };

  const readNewBlocks = async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    while (cursor < head && !stopped) {
      const toBlock = cursor + MAX_RANGE < head ? cursor + MAX_RANGE : head;
      const events = await publicClient.getContractEvents({
        address: marketplace,
        abi: marketplaceAbi,
        fromBlock: cursor + 1n,
        toBlock,
        strict: true,
      });
      for (const event of events) await options.handle(event);
      if (events.length > 0) await options.afterBatch?.();
      cursor = toBlock;
      store.setMeta(CURSOR_KEY, cursor.toString());
    }
  };

  // An outage is logged when it begins and when it ends, not on every poll.
  let failingSince: number | undefined;
  const loop = async () => {
    if (stopped) return;
    running = poll().then(
      () => {
        if (failingSince !== undefined) {
          log.info("reading chain events again; caught up", {
            afterSeconds: Math.round((Date.now() - failingSince) / 1000),
            cursor: cursor.toString(),
          });
          failingSince = undefined;
        }
      },
      (error: unknown) => {
        if (failingSince !== undefined) return;
        failingSince = Date.now();
        log.warn("reading chain events failed; retrying quietly until the chain answers", {
          error: (error as Error).message.split("\n")[0],
        });
      },
    );
    await running;
    if (!stopped) timer = setTimeout(loop, options.pollIntervalMs);
  };

  return {
    poll,
    start: () => void loop(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
    get cursor() {
      return cursor;
    },
  };
}
