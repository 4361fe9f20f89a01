// The one error base of OCX's TypeScript side: a one-line message a person can act on, whether a retry
// can help, and the exit code the CLI uses. `toOcxError` sorts anything thrown (viem's errors included) into it.
import {
  type Address,
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  HttpRequestError,
  InsufficientFundsError,
  IntegerOutOfRangeError,
  InvalidAddressError,
  LimitExceededRpcError,
  ResourceUnavailableRpcError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";
import { getNodeError } from "viem/utils";
import { OcxTransactionRevertedError } from "./actions/errors.js";

/**
 * The exit codes of `ocx` and of any tool built on the SDK, one per kind of failure.
 * @example
 * process.exitCode = error instanceof OcxError ? error.exitCode : EXIT.failure;
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  chain: 3,
  rejected: 4,
  provider: 5,
  noMatch: 6,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What every OCX error takes besides its short message. */
export interface OcxErrorOptions {
  /** More about what happened, shown on the lines after the short message. */
  details?: string;
  /** What to do about it, shown on its own line after the details. */
  hint?: string;
  /** The error this one explains. */
  cause?: unknown;
  /** Whether trying the same thing again later can succeed. Default: false. */
  retryable?: boolean;
  /** The exit code a command ends with. Default: `EXIT.failure`. */
  exitCode?: number;
}

/**
 * The base of every OCX error: `shortMessage` is one line that says what went wrong and what to do;
 * `message` adds the details and the hint on the following lines. Callers decide retries and exit codes by
 * reading `retryable` and `exitCode`, never by matching the message.
 * @example
 * try {
 *   await runJob(options);
 * } catch (e) {
 *   const error = toOcxError(e);
 *   console.error(error.shortMessage);
 *   process.exitCode = error.exitCode;
 * }
 */
export class OcxError extends Error {
  override name = "OcxError";
  /** One line: what went wrong, with the value, and what to do. */
  readonly shortMessage: string;
  readonly details?: string;
  readonly hint?: string;
  /** Whether trying the same thing again later can succeed. */
  readonly retryable: boolean;
  /** The exit code a command ends with (see {@link EXIT}). */
  readonly exitCode: number;

  constructor(shortMessage: string, options: OcxErrorOptions = {}) {
    const lines = [shortMessage, options.details, options.hint].filter((line): line is string => !!line);
    super(lines.join("\n"), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.exitCode = options.exitCode ?? EXIT.failure;
  }

  /**
   * Walks the cause chain: without `fn`, returns the deepest cause; with it, the first error (this one
   * included) for which `fn` is true, or `null`.
   * @example
   * const reverted = error.walk((e) => e instanceof OcxContractError);
   */
  walk(fn?: (error: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

/**
 * An `OcxError`, also one made by another copy of this module (a command the CLI bundles as a file of its own):
 * recognized by its fields where `instanceof` cannot see across copies.
 */
function isOcxError(error: unknown): error is OcxError {
  if (error instanceof OcxError) return true;
  const e = error as Partial<OcxError> | null;
  return (
    error instanceof Error &&
    typeof e?.shortMessage === "string" &&
    typeof e.exitCode === "number" &&
    typeof e.retryable === "boolean"
  );
}

function walk(error: unknown, fn?: (error: unknown) => boolean): unknown {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (fn?.(current)) return current;
    const next = (current as { cause?: unknown }).cause;
    if (!fn && (next === undefined || next === null)) return current;
    current = next;
  }
  return fn ? null : current;
}

/**
 * A command was used wrongly or given a value it cannot take (exit 2).
 * @example
 * throw new OcxUsageError("--max-price must be a positive number, got -1", { hint: "e.g. --max-price 2.5" });
 */
export class OcxUsageError extends OcxError {
  override name = "OcxUsageError";
  constructor(shortMessage: string, options: Omit<OcxErrorOptions, "exitCode"> = {}) {
    super(shortMessage, { ...options, exitCode: EXIT.usage });
  }
}

/**
 * The chain's RPC endpoint could not be reached or did not answer in time (exit 3); a retry can help.
 * @example
 * throw new OcxChainError("cannot reach the chain at http://127.0.0.1:8545; is the node running?", { url });
 */
export class OcxChainError extends OcxError {
  override name = "OcxChainError";
  /** The RPC URL that failed, when known. */
  readonly url?: string;
  constructor(shortMessage: string, options: Omit<OcxErrorOptions, "exitCode"> & { url?: string } = {}) {
    super(shortMessage, { retryable: true, ...options, exitCode: EXIT.chain });
    this.url = options.url;
  }
}

/**
 * The sending account has too little ETH to pay for gas (exit 3). The message names the address and how to fund it.
 * @example
 * throw new OcxInsufficientGasFundsError({ address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
 */
export class OcxInsufficientGasFundsError extends OcxError {
  override name = "OcxInsufficientGasFundsError";
  /** The account that cannot pay, when known. */
  readonly address?: Address;
  constructor(options: Omit<OcxErrorOptions, "exitCode"> & { address?: Address } = {}) {
    const who = options.address ? `account ${options.address}` : "the sending account";
    super(
      `${who} has too little ETH to pay for gas: send it ETH (on the devnet: \`ocx faucet${options.address ? ` ${options.address}` : ""}\`) and retry`,
      { ...options, exitCode: EXIT.chain },
    );
    this.address = options.address;
  }
}

/**
 * A revert of an OCX contract, decoded (exit 4): the error's name, its arguments, the function, and a hint.
 * @example
 * try { await takeOffer(client, parameters) } catch (e) {
 *   if (e instanceof OcxContractError && e.errorName === "MarketplacePriceAboveLimit") console.error(e.shortMessage);
 * }
 * // takeOffer: MarketplacePriceAboveLimit(2000, 1000) — the price is above your limit: raise --max-price or …
 */
export class OcxContractError extends OcxError {
  override name = "OcxContractError";
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    readonly functionName: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${functionName ? `${functionName}: ` : ""}${errorName}(${args.map(formatArg).join(", ")})${hintSuffix(errorName)}`,
      { cause: options?.cause, exitCode: EXIT.rejected },
    );
  }
}

/**
 * A provider's API refused a request or could not be reached (exit 5). Unreachable or 5xx answers are retryable.
 * @example
 * throw new OcxProviderError("provider at http://127.0.0.1:7000 answered 404: no such lease", { url, status: 404 });
 */
export class OcxProviderError extends OcxError {
  override name = "OcxProviderError";
  /** The HTTP status of the answer; undefined when the provider could not be reached. */
  readonly status?: number;
  /** The provider's URL (or the request's). */
  readonly url: string;
  constructor(shortMessage: string, options: Omit<OcxErrorOptions, "exitCode"> & { url: string; status?: number }) {
    const retryable = options.retryable ?? (options.status === undefined || options.status >= 500);
    super(shortMessage, { ...options, retryable, exitCode: EXIT.provider });
    this.status = options.status;
    this.url = options.url;
  }
}

/**
 * No offer or bid matched what the buyer asked for (exit 6); any deposit was refunded.
 * @example
 * throw new OcxNoMatchError("no offer matches 1× H100 at ≤ $2.50/GPU-hour", { hint: "raise --max-price" });
 */
export class OcxNoMatchError extends OcxError {
  override name = "OcxNoMatchError";
  constructor(shortMessage: string, options: Omit<OcxErrorOptions, "exitCode"> = {}) {
    super(shortMessage, { ...options, exitCode: EXIT.noMatch });
  }
}

const formatArg = (v: unknown): string =>
  typeof v === "bigint"
    ? v.toString()
    : typeof v === "string"
      ? v
      : JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));

/** What to do about the errors people meet most. */
const HINTS: Record<string, string> = {
  MarketplacePriceAboveLimit: "the price is above your limit: raise --max-price or pick another offer",
  MarketplaceOfferFull: "the offer runs as many leases as it can: pick another offer or wait",
  MarketplaceDepositBelowMinimum: "the deposit covers less than the offer's minimum duration: deposit more",
  MarketplaceDepositAboveMaximum: "the deposit would fund more than the maximum duration: deposit less",
  MarketplaceProviderInactive: "the provider is jailed or under-staked: pick another provider",
  MarketplaceAckDeadlinePassed: "the provider did not acknowledge in time: cancel the lease for a full refund",
  MarketplaceLeaseExhausted: "the lease's escrow ran out: settle it, then start a new lease",
  RegistryInsufficientStake: "stake more OCX (`ocx provider stake`) or offer fewer GPUs",
  RegistryNotRegistered: "register first (`ocx provider start` does it)",
  ERC20InsufficientBalance: "the account has too little OCX",
  ERC20InsufficientAllowance: "approve the contract to spend your OCX first",
  InferenceNotRegistrant: "only the account that registered the endpoint can change it: act as that account",
  InferenceUnknownEndpoint: "no such endpoint, or it was deregistered: `ocx inference list` shows the registered ones",
  PaymentChannelsStillLocked: "the unlock delay has not passed: withdraw at unlockAt (`ocx channels status`)",
  PaymentChannelsNoUnlockRequested: "ask to leave first (`ocx channels unlock <payee>`), then wait the unlock delay",
  PaymentChannelsInsufficientBalance: "the channel holds less than the voucher asks: redeem at most redeemed + balance",
  PaymentChannelsAlreadyRedeemed: "that amount was already paid (a replayed voucher): redeem only above it",
  PaymentChannelsInvalidSignature: "not the payer's signature for this chain and PaymentChannels contract",
  PaymentChannelsNotPayee: "only the voucher's payee can redeem it: act as that account",
};
const hintSuffix = (name: string) => (HINTS[name] ? ` — ${HINTS[name]}` : "");

/**
 * Returns an `OcxContractError` when `error` is a decoded custom-error revert, else `error` unchanged.
 * @example
 * try { await simulateContract(...) } catch (e) { throw decodeContractError(e) }
 * // OcxContractError: takeOffer: MarketplacePriceAboveLimit(2000, 1000) — the price is above your limit: …
 */
export function decodeContractError(error: unknown): unknown {
  if (!(error instanceof BaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data?.errorName) return error;
  const functionName = (error as { functionName?: string }).functionName;
  return new OcxContractError(reverted.data.errorName, reverted.data.args ?? [], functionName, { cause: error });
}

/** What `toOcxError` may know that the error does not carry. */
export interface ToOcxErrorContext {
  /** The RPC URL in use, named when the chain cannot be reached. */
  rpcUrl?: string;
  /** The sending account, named when it cannot pay for gas. */
  account?: Address;
}

// Network failures below fetch (Node's undici): a retry later can succeed.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** The network error code (`ECONNREFUSED`, …) somewhere in `error`'s cause chain, if any. */
function networkCode(error: unknown): string | undefined {
  const found = walk(error, (e) => {
    const code = (e as { code?: unknown })?.code;
    return typeof code === "string" && NETWORK_CODES.has(code);
  });
  return found ? ((found as { code: string }).code as string) : undefined;
}

const firstLine = (text: string) => text.split("\n", 1)[0]?.trim() || "unknown error";

/**
 * Classifies anything thrown into an {@link OcxError} with a one-line `shortMessage`: unreachable RPCs and
 * timeouts become `OcxChainError` (retryable), a wallet without ETH `OcxInsufficientGasFundsError`, an
 * out-of-range integer or a bad address `OcxUsageError`, a decoded revert `OcxContractError`, and anything else
 * an `OcxError` with its first line. An `OcxError` is returned as it is.
 * @example
 * try {
 *   await getLease(client, { deployment, leaseId: 2n ** 256n });
 * } catch (e) {
 *   const error = toOcxError(e, { rpcUrl });
 *   console.error(error.shortMessage); // lease id … is out of range: …
 *   process.exitCode = error.exitCode; // 2
 * }
 */
export function toOcxError(error: unknown, context: ToOcxErrorContext = {}): OcxError {
  if (isOcxError(error)) return error;
  if (error instanceof OcxTransactionRevertedError) {
    return new OcxError(firstLine(error.message), { cause: error, exitCode: EXIT.rejected });
  }

  if (error instanceof BaseError) {
    const decoded = decodeContractError(error);
    if (decoded instanceof OcxContractError) return decoded;

    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const functionName = (error as { functionName?: string }).functionName;
      const reason = reverted.reason ?? reverted.data?.errorName;
      return new OcxContractError(reason ? "Error" : "Reverted", reason ? [reason] : [], functionName, {
        cause: error,
      });
    }

    // A raw RPC answer (eth_sendRawTransaction) is not sorted by viem: its node-error table does it.
    if (
      error.walk((e) => e instanceof InsufficientFundsError) ||
      getNodeError(error, {}) instanceof InsufficientFundsError
    ) {
      return new OcxInsufficientGasFundsError({ address: senderOf(error) ?? context.account, cause: error });
    }

    const outOfRange = error.walk((e) => e instanceof IntegerOutOfRangeError);
    if (outOfRange instanceof IntegerOutOfRangeError) {
      const functionName = (error as { functionName?: string }).functionName;
      return new OcxUsageError(
        `${functionName ? `${functionName}: ` : ""}${firstLine(outOfRange.shortMessage)}`.replace(/\.$/, "") +
          ": pass a smaller value",
        { cause: error },
      );
    }

    const badAddress = error.walk((e) => e instanceof InvalidAddressError);
    if (badAddress instanceof InvalidAddressError) {
      return new OcxUsageError(`${firstLine(badAddress.shortMessage).replace(/\.$/, "")}: pass a 0x… 20-byte address`, {
        cause: error,
      });
    }

    const http = error.walk((e) => e instanceof HttpRequestError);
    const timeout = error.walk((e) => e instanceof TimeoutError);
    const socket = error.walk((e) => e instanceof SocketClosedError || e instanceof WebSocketRequestError);
    if (http || timeout || socket) {
      const url = (http as HttpRequestError | null)?.url ?? (timeout as TimeoutError | null)?.url ?? context.rpcUrl;
      const status = (http as HttpRequestError | null)?.status;
      if (status !== undefined && status < 500 && status !== 429) {
        return new OcxChainError(`the chain's RPC at ${url} answered HTTP ${status}: check the RPC URL and its key`, {
          url,
          cause: error,
          retryable: false,
        });
      }
      const where = url ?? "its RPC URL";
      const what = timeout
        ? `the chain at ${where} did not answer in time`
        : status
          ? `the chain at ${where} answered HTTP ${status}`
          : `cannot reach the chain at ${where}`;
      return new OcxChainError(`${what}; is the node running? Check --rpc-url and retry`, { url, cause: error });
    }

    if (error.walk((e) => e instanceof LimitExceededRpcError || e instanceof ResourceUnavailableRpcError)) {
      return new OcxChainError(`the chain's RPC is busy (${firstLine(error.shortMessage)}): retry in a moment`, {
        url: context.rpcUrl,
        cause: error,
      });
    }

    return new OcxError(firstLine(error.shortMessage), { details: error.details || undefined, cause: error });
  }

  const code = networkCode(error);
  if (code) {
    const url = context.rpcUrl;
    return new OcxChainError(
      `cannot reach ${url ? `the chain at ${url}` : "the network"} (${code}); is the node running?`,
      {
        url,
        cause: error,
      },
    );
  }
  if (error instanceof Error) {
    const [first, ...rest] = error.message.split("\n");
    return new OcxError(firstLine(first ?? error.name), {
      details: rest.join("\n").trim() || undefined,
      cause: error,
    });
  }
  return new OcxError(firstLine(typeof error === "string" ? error : safeString(error)), { cause: error });
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value, (_, x) => (typeof x === "bigint" ? x.toString() : x)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The account that sent the failing call, when viem recorded it. */
function senderOf(error: BaseError): Address | undefined {
  const call = error.walk((e) => e instanceof ContractFunctionExecutionError);
  if (call instanceof ContractFunctionExecutionError && call.sender) return call.sender;
  // viem prints the request's fields, `from:` among them, as meta messages; read the address back from there.
  for (const line of (error as { metaMessages?: string[] }).metaMessages ?? []) {
    const match = /from:\s*(0x[0-9a-fA-F]{40})/.exec(line);
    if (match) return match[1] as Address;
  }
  return undefined;
}
