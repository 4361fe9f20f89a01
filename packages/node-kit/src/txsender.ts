// Sends a daemon's transactions so that RPC errors, restarts and gas changes never leave a stuck
// nonce or a double submission: one transaction at a time per account, each signed locally and
// recorded (raw bytes and nonce) in SQLite before it is broadcast, keyed by what it is for.
import { EXIT, OcxError, toOcxError } from "@ocx/sdk";
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hex,
  keccak256,
  NonceTooLowError,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { getNodeError } from "viem/utils";
import type { Logger } from "./logger.js";
import type { Store } from "./store.js";

/**
 * The table the sender keeps; add it to the daemon's migrations.
 * @example
 * const store = openStore("state/provider.db", [TX_MIGRATION, ...ownMigrations]);
 */
export const TX_MIGRATION = `
CREATE TABLE tx (
  key TEXT PRIMARY KEY,
  nonce INTEGER NOT NULL,
  hash TEXT NOT NULL,
  raw TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sent', 'mined', 'reverted', 'dropped')),
  updated_at INTEGER NOT NULL
);`;

export interface WriteRequest<
  abi extends Abi = Abi,
  fn extends ContractFunctionName<abi, "nonpayable" | "payable"> = ContractFunctionName<abi, "nonpayable" | "payable">,
> {
  address: Address;
  abi: abi;
  functionName: fn;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", fn>;
}

/**
 * A transaction that was mined but reverted (exit 4, not retryable: the chain's state refused it).
 * @example
 * try { await tx.write(`ack:${leaseId}`, request) } catch (e) {
 *   if (e instanceof TransactionRevertedError) log.warn("acknowledge reverted", { leaseId });
 * }
 */
export class TransactionRevertedError extends OcxError {
  override name = "TransactionRevertedError";
  constructor(shortMessage: string) {
    super(shortMessage, { exitCode: EXIT.rejected });
  }
}

export interface TxSender {
  /**
   * Sends `request` once for `key` and waits for its receipt. Calling again with a key that was
   * already mined returns that receipt; a key still in flight (after a restart) is awaited, not resent.
   * A revert found in simulation throws the decoded `OcxContractError` and records nothing; any other failure
   * is thrown as an `OcxError` (`toOcxError`) after the retries that its `retryable` allows.
   */
  write<abi extends Abi, fn extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    key: string,
    request: WriteRequest<abi, fn>,
    options?: WriteOptions,
  ): Promise<TransactionReceipt>;
  /** Re-broadcasts and awaits every transaction left in flight by an earlier process. */
  resume(): Promise<void>;
}

/** Options of one {@link TxSender.write}. */
export interface WriteOptions {
  /**
   * The caller (an SDK action) has just simulated the call and decoded any revert: skip the sender's own
   * simulation. Gas estimation still refuses a call that would revert now.
   */
  simulated?: boolean;
}

export interface TxSenderOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  store: Store;
  log: Logger;
  /** How long to wait for a receipt before re-pricing the transaction. Default: 30 s. */
  receiptTimeoutMs?: number;
  /** Attempts for RPC errors that a retry can fix. Default: 5. */
  retries?: number;
}

interface TxRow {
  key: string;
  nonce: number;
  hash: Hex;
  raw: Hex;
  status: "sent" | "mined" | "reverted" | "dropped";
}

/**
 * Creates the transaction sender of one account.
 * @example
 * const tx = createTxSender({ publicClient, walletClient, store, log });
 * await tx.write(`ack:${leaseId}`, { address: marketplace, abi: marketplaceAbi, functionName: "acknowledge", args: [leaseId] });
 */
export function createTxSender(options: TxSenderOptions): TxSender {
  const { publicClient, walletClient, store, log } = options;
  const account = walletClient.account;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
  const retries = options.retries ?? 5;
  const get = store.prepare<[string], TxRow>("SELECT key, nonce, hash, raw, status FROM tx WHERE key = ?");
  const upsert = store.prepare(
    "INSERT INTO tx (key, nonce, hash, raw, status, updated_at) VALUES (@key, @nonce, @hash, @raw, @status, @now) " +
      "ON CONFLICT(key) DO UPDATE SET nonce = @nonce, hash = @hash, raw = @raw, status = @status, updated_at = @now",
  );
  const save = (row: TxRow) => upsert.run({ ...row, now: Date.now() });
  const inFlight = store.prepare<[], TxRow>("SELECT key, nonce, hash, raw, status FROM tx WHERE status = 'sent'");

  // One transaction at a time: the next nonce is always the chain's pending count.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };

  const withRetry = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= retries || !isTransient(error)) throw error;
        const delay = 200 * 2 ** (attempt - 1);
        log.warn("RPC call failed; retrying", { what, attempt, delayMs: delay, error: shortMessage(error) });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  /** Waits for the row's transaction; re-prices it (same nonce) when it sits unmined too long. */
  const settle = async (row: TxRow): Promise<TransactionReceipt> => {
    for (;;) {
      try {
        const receipt = await publicClient.waitForTransactionReceipt({ hash: row.hash, timeout: receiptTimeoutMs });
        row.status = receipt.status === "success" ? "mined" : "reverted";
        save(row);
        pendingCalls.delete(row.key);
        if (receipt.status !== "success") {
          throw new TransactionRevertedError(`transaction ${row.key} (${row.hash}) reverted on-chain`);
        }
        return receipt;
      } catch (error) {
        if (error instanceof TransactionRevertedError) throw error;
        // Not mined in time (or the node forgot it): is the nonce used by another transaction of ours?
        const confirmed = await withRetry("getTransactionCount", () =>
          publicClient.getTransactionCount({ address: account.address, blockTag: "latest" }),
        );
        if (confirmed > row.nonce) {
          const receipt = await publicClient.getTransactionReceipt({ hash: row.hash }).catch(() => undefined);
          if (receipt) continue;
          row.status = "dropped";
          save(row);
          pendingCalls.delete(row.key);
          throw new OcxError(
            `transaction ${row.key} was replaced: nonce ${row.nonce} was used by another transaction of ${account.address}`,
            { hint: "another process sends from this account: give each daemon its own key" },
          );
        }
        log.warn("transaction not mined in time; re-broadcasting with higher fees", { key: row.key, hash: row.hash });
        const replacement = await sign(row.key, await decodeRaw(row), row.nonce, 1.25);
        Object.assign(row, replacement);
        save(row);
        await broadcast(row);
      }
    }
  };

  const broadcast = async (row: TxRow) => {
    try {
      await withRetry("sendRawTransaction", () => publicClient.sendRawTransaction({ serializedTransaction: row.raw }));
    } catch (error) {
      // Already known or already mined: the receipt wait that follows settles it.
      if (!isAlreadyKnown(error)) throw error;
    }
  };

  // What we need to re-sign an in-flight transaction with new fees.
  const pendingCalls = new Map<string, { to: Address; data: Hex; gas: bigint }>();
  const decodeRaw = async (row: TxRow) => {
    const call = pendingCalls.get(row.key);
    if (call) return call;
    const tx = await publicClient.getTransaction({ hash: row.hash }).catch(() => undefined);
    if (!tx?.to) throw new Error(`cannot re-price ${row.key}: ${row.hash} is unknown to the node`);
    return { to: tx.to, data: tx.input, gas: tx.gas };
  };

  const sign = async (key: string, call: { to: Address; data: Hex; gas: bigint }, nonce: number, bump = 1) => {
    const fees = await withRetry("estimateFeesPerGas", () => publicClient.estimateFeesPerGas());
    const scale = (v: bigint) => (v * BigInt(Math.round(bump * 1000))) / 1000n;
    const raw = await walletClient.signTransaction({
      account,
      chain: walletClient.chain,
      to: call.to,
      data: call.data,
      gas: call.gas,
      nonce,
      maxFeePerGas: scale(fees.maxFeePerGas ?? 0n),
      maxPriorityFeePerGas: scale(fees.maxPriorityFeePerGas ?? 0n),
    });
    pendingCalls.set(key, call);
    return { key, nonce, raw, hash: keccak256(raw), status: "sent" as const };
  };

  return {
    write(key, request, writeOptions = {}) {
      return serial(async () => {
        const existing = get.get(key);
        if (existing?.status === "mined") {
          return publicClient.getTransactionReceipt({ hash: existing.hash });
        }
        if (existing?.status === "sent") return settle(existing);

        // Simulate first: a revert is decoded and thrown before anything is signed or stored.
        if (!writeOptions.simulated) {
          try {
            await withRetry("simulate", () =>
              publicClient.simulateContract({ ...(request as WriteRequest), account } as never),
            );
          } catch (error) {
            throw toOcxError(error);
          }
        }
        const data = encodeFunctionData({
          abi: request.abi,
          functionName: request.functionName,
          args: request.args,
        } as never);
        const gas = await withRetry("estimateGas", () =>
          publicClient.estimateGas({ account, to: request.address, data }),
        );
        const nonce = await withRetry("getTransactionCount", () =>
          publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }),
        );
        const row = await sign(key, { to: request.address, data, gas: (gas * 12n) / 10n }, nonce);
        save(row);
        log.debug("sending transaction", { key, nonce, hash: row.hash });
        await broadcast(row);
        return settle(row);
      });
    },
    resume() {
      return serial(async () => {
        for (const row of inFlight.all()) {
          log.info("resuming a transaction left in flight", { key: row.key, hash: row.hash, nonce: row.nonce });
          await broadcast(row);
          await settle(row).catch((error) =>
            log.warn("in-flight transaction did not succeed", { key: row.key, error: shortMessage(error) }),
          );
        }
      });
    },
  };
}

function shortMessage(error: unknown): string {
  return toOcxError(error).shortMessage;
}

/** RPC failures a retry can fix (the network, timeouts, rate limits, a node restarting), as `toOcxError` sorts them. */
function isTransient(error: unknown): boolean {
  return toOcxError(error).retryable;
}

/** The node already has this transaction, or its nonce is used: viem's node-error classes for "nonce too low",
 * "already known" and "already imported". */
function isAlreadyKnown(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return !!error.walk((e) => e instanceof NonceTooLowError) || getNodeError(error, {}) instanceof NonceTooLowError;
}
