// What several commands read from the chain (leases, provider endpoints, the chain's clock), how they
// read ids and amounts from the command line, and the balance check before an approval.
import {
  ensureAllowance,
  formatOcx,
  getTokenBalance,
  marketplaceAbi,
  parseOcxAmount,
  providerRegistryAbi,
} from "@ocx/sdk";
import { type Address, isAddress } from "viem";
import { CliError, type Context, EXIT } from "./context.js";
import { walletAddress } from "./wallets.js";

export const LEASE_STATES = ["none", "pending", "active", "closed"] as const;
export const REQUEST_STATES = ["none", "open", "closed", "cancelled"] as const;
export const CLOSE_REASONS = ["completed", "closed by buyer", "cancelled", "exhausted"] as const;

/** Reads an amount of OCX given on the command line, or fails with a usage error naming the argument. */
export function parseOcxArgument(value: string, what: string): bigint {
  try {
    const amount = parseOcxAmount(value);
    if (amount <= 0n) throw new Error("zero");
    return amount;
  } catch {
    throw new CliError(`${what} must be a positive amount of OCX such as "2.5", got "${value}"`, EXIT.usage);
  }
}

/** Reads a lease, offer or request id given on the command line. */
export function parseId(value: string, what: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) {
    throw new CliError(`${what} must be a positive whole number, got "${value}"`, EXIT.usage);
  }
  return BigInt(value);
}

/** Reads an address given on the command line. */
export function parseAddress(value: string): Address {
  if (!isAddress(value)) {
    throw new CliError(`"${value}" is not an address (0x followed by 40 hex digits)`, EXIT.usage);
  }
  return value;
}

/**
 * Lets `spender` take `amount` of the acting account's OCX (the SDK's `ensureAllowance`), after checking that
 * the account holds that much: a usage problem to fix with the faucet, not a transaction to send and see refused.
 */
export async function allowSpending(context: Context, spender: Address, amount: bigint): Promise<void> {
  const wallet = await context.walletClient();
  const owner = wallet.account.address;
  const balance = await getTokenBalance(context.publicClient, { deployment: context.deployment, account: owner });
  if (balance < amount) {
    throw new CliError(
      `${owner} holds ${formatOcx(balance)} but ${formatOcx(amount)} are needed; get OCX first (\`ocx faucet\` on a local chain)`,
      EXIT.failure,
    );
  }
  const { approved } = await ensureAllowance(wallet, { deployment: context.deployment, spender, amount });
  if (approved) context.progress(`approved ${spender} to spend ${formatOcx(amount)}`);
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
  const market = { address: context.deployment.marketplace, abi: marketplaceAbi } as const;
  const lease = await context.publicClient.readContract({ ...market, functionName: "getLease", args: [leaseId] });
  if (lease.state === 0) throw new CliError(`no lease #${leaseId} on this marketplace`, EXIT.usage);
  const [, escrowLeft] =
    lease.state === 2
      ? await context.publicClient.readContract({ ...market, functionName: "accrued", args: [leaseId] })
      : [0n, lease.escrow];
  let creation = created;
  if (creation === undefined) {
    const [log] = await context.publicClient.getContractEvents({
      ...market,
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
  const record = await context.publicClient.readContract({
    address: context.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [provider],
  });
  if (!record.registered || record.endpoint === "") {
    throw new CliError(`provider ${provider} has no registered API endpoint`, EXIT.provider);
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
