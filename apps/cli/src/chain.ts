// What several commands read from the chain (leases, provider endpoints, the chain's clock), how they
// read ids and amounts from the command line, and the balance check before an approval.
import {
  ensureAllowance,
  formatOcx,
  getAccrued,
  getLease,
  getProvider,
  getTokenBalance,
  LeaseState,
  marketplaceAbi,
  OcxError,
  OcxProviderError,
  OcxUsageError,
  parseDuration,
  parseOcxAmount,
  tokenPulledBy,
} from "@ocx/sdk";
import { type Address, isAddress, maxUint256 } from "viem";
import type { Context } from "./context.js";
import { formatUsd, type PaymentDeployment, settlesInCredits } from "./format.js";
import { walletAddress } from "./wallets.js";

/**
 * A generated enum member's name as people read it: "ClosedByBuyer" → "closed by buyer".
 * @example
 * spaced(leaseStateName(2)) // "active"
 */
export function spaced(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/**
 * Reads an amount of OCX given on the command line, or fails with a usage error naming the argument (and `unit`,
 * when the amount is in another 18-decimal token: "dollars" for credits).
 * @example
 * parseOcxArgument("2.5", "--max-price") // 2_500_000_000_000_000_000n
 */
export function parseOcxArgument(value: string, what: string, unit = "OCX"): bigint {
  const text = value.trim();
  const example = unit === "OCX" ? '"2.5"' : '"1.20"';
  // An exponent ("1e400") is how a number too large to write out arrives: say it is out of range, not malformed.
  if (/^\d+(\.\d+)?[eE][+-]?\d+$/.test(text)) {
    throw new OcxUsageError(
      `${what} is out of range: "${value}" is not an amount of ${unit} the chain can hold; give a plain decimal such as ${example}`,
    );
  }
  let amount: bigint;
  try {
    amount = parseOcxAmount(text);
  } catch {
    throw new OcxUsageError(`${what} must be a positive amount of ${unit} such as ${example}, got "${value}"`);
  }
  if (amount <= 0n)
    throw new OcxUsageError(`${what} must be a positive amount of ${unit} such as ${example}, got "${value}"`);
  if (amount > maxUint256) {
    throw new OcxUsageError(`${what} is out of range: ${value} ${unit} is more than the chain can hold`);
  }
  return amount;
}

/**
 * Reads an amount of the market's payment token given on the command line: dollars of credits (an optional
 * leading "$": "1.20", "$1.20") when the market settles in credits, OCX otherwise; exact, 18 decimals.
 * @example
 * parsePaymentArgument("$1.20", "--max-price", deployment) // 1_200_000_000_000_000_000n
 */
export function parsePaymentArgument(value: string, what: string, deployment: PaymentDeployment): bigint {
  if (!settlesInCredits(deployment)) return parseOcxArgument(value, what);
  return parseOcxArgument(value.trim().replace(/^\$/, ""), what, "dollars");
}

/**
 * Reads a lease, offer or request id given on the command line: a whole number from 1 to 2^256 − 1.
 * @example
 * parseId("12", "the lease id") // 12n
 */
export function parseId(value: string, what: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) {
    throw new OcxUsageError(`${what} must be a positive whole number, got "${value}"`);
  }
  const id = BigInt(value);
  if (id > maxUint256) {
    throw new OcxUsageError(
      `${what} is out of range: ${value.length > 20 ? `${value.slice(0, 10)}…${value.slice(-6)} (${value.length} digits)` : value} is above 2^256 − 1; pass the id as \`ocx job list\` shows it`,
    );
  }
  return id;
}

/**
 * Reads a duration given on the command line ("90s", "10m", "2h"), in seconds.
 * @example
 * parseDurationArgument("2m", "--retry-for") // 120
 */
export function parseDurationArgument(value: string, what: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new OcxUsageError(`${what} must be a duration such as "90s", "10m" or "2h", got "${value}"`);
  }
}

/** Reads an address given on the command line. */
export function parseAddress(value: string): Address {
  if (!isAddress(value)) {
    throw new OcxUsageError(`"${value}" is not an address (0x followed by 40 hex digits)`);
  }
  return value;
}

/**
 * Lets `spender` take `amount` of what it pulls from the acting account (the SDK's `ensureAllowance`: credits for
 * the marketplace, OCX for the registry), after checking that the account holds that much: a usage problem to fix
 * with the faucet or `ocx credits mint`, not a transaction to send and see refused.
 */
export async function allowSpending(context: Context, spender: Address, amount: bigint): Promise<void> {
  const { deployment } = context;
  const wallet = await context.walletClient();
  const owner = wallet.account.address;
  const token = tokenPulledBy(deployment, spender);
  const credits = token !== deployment.token;
  const show = (wei: bigint) => (credits ? formatUsd(wei) : formatOcx(wei));
  const balance = await getTokenBalance(context.publicClient, { deployment, token, account: owner });
  if (balance < amount) {
    throw new OcxError(
      `${owner} holds ${show(balance)} ${credits ? "of credits " : ""}but ${show(amount)} are needed; ` +
        (credits
          ? "get credits first (`ocx credits mint <ocx>` burns OCX for them; `ocx faucet` on a local chain)"
          : "get OCX first (`ocx faucet` on a local chain)"),
    );
  }
  const { approved } = await ensureAllowance(wallet, { deployment, token, spender, amount });
  if (approved) context.progress(`approved ${spender} to spend ${show(amount)}`);
}

/** A lease as the CLI shows it. */
export interface LeaseView {
  leaseId: bigint;
  buyer: Address;
  provider: Address;
  state: number;
  offerId: bigint;
  ackDeadline: number;
  settledAt: number;
  pricePerSecond: bigint;
  escrow: bigint;
  /** Escrow left if the lease were settled now. */
  escrowLeft: bigint;
  deposit: bigint;
  manifestHash: `0x${string}`;
}

/** What the LeaseCreated event recorded about a lease. */
export interface LeaseCreation {
  deposit: bigint;
  manifestHash: `0x${string}`;
}

/**
 * Reads one lease with the escrow it would have left after settling now. `created` saves a
 * look-up of its LeaseCreated event when the caller has it.
 */
export async function readLease(context: Context, leaseId: bigint, created?: LeaseCreation): Promise<LeaseView> {
  const { deployment } = context;
  const lease = await getLease(context.publicClient, { deployment, leaseId });
  if (lease.state === LeaseState.None) {
    throw new OcxUsageError(`no lease #${leaseId} on this marketplace; see yours with \`ocx job list\``);
  }
  const [, escrowLeft] =
    lease.state === LeaseState.Active
      ? await getAccrued(context.publicClient, { deployment, leaseId })
      : [0n, lease.escrow];
  let creation = created;
  if (creation === undefined) {
    const [log] = await context.publicClient.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCreated",
      args: { leaseId },
      fromBlock: BigInt(context.deployment.startBlock),
    });
    creation = {
      deposit: (log?.args.deposit as bigint | undefined) ?? lease.escrow,
      manifestHash: (log?.args.manifestHash as `0x${string}` | undefined) ?? "0x",
    };
  }
  return {
    leaseId,
    buyer: lease.buyer,
    provider: lease.provider,
    state: lease.state,
    offerId: BigInt(lease.offerId),
    ackDeadline: Number(lease.ackDeadline),
    settledAt: Number(lease.settledAt),
    pricePerSecond: lease.pricePerSecond,
    escrow: lease.escrow,
    escrowLeft,
    ...creation,
  };
}

/** The API URL a provider registered. */
export async function providerEndpoint(context: Context, provider: Address): Promise<string> {
  const record = await getProvider(context.publicClient, { deployment: context.deployment, provider });
  if (!record.registered || record.endpoint === "") {
    throw new OcxProviderError(`provider ${provider} has no registered API endpoint; it cannot be reached`, {
      url: "",
      retryable: false,
    });
  }
  return record.endpoint;
}

/** The latest block's timestamp: "now" as the contracts see it. */
export async function chainTime(context: Context): Promise<number> {
  const block = await context.publicClient.getBlock();
  return Number(block.timestamp);
}

/** The acting account's address, without asking for a password when the keystore records it. */
export async function actingAddress(context: Context): Promise<Address> {
  if (context.options.devAccount !== undefined) return (await context.account()).address;
  return walletAddress(context.options.wallet);
}
