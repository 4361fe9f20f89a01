// What several commands read from and write to the chain: offers, requests and leases from
// their events, token approvals, and transactions sent with their reverts decoded.
import { decodeContractError, marketplaceAbi, ocxTokenAbi, parseOcxAmount, providerRegistryAbi } from "@ocx/sdk";
import type { Abi, Address, Hash, TransactionReceipt } from "viem";
import { CliError, type Context, EXIT } from "./context.js";
import type { OfferView } from "./match.js";
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

/**
 * Simulates a contract call, sends it and waits for its receipt. A revert comes back as an
 * `OcxContractError` naming the custom error (exit code 4).
 */
export async function sendContract(
  context: Context,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<{ hash: Hash; receipt: TransactionReceipt; result: unknown }> {
  const wallet = await context.walletClient();
  try {
    const { request, result } = await context.publicClient.simulateContract({
      ...call,
      account: wallet.account,
      chain: context.chain,
    } as never);
    const hash = await wallet.writeContract(request as never);
    const receipt = await context.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new CliError(`${call.functionName} reverted in transaction ${hash}`, EXIT.rejected);
    }
    return { hash, receipt, result };
  } catch (error) {
    throw decodeContractError(error);
  }
}

/** Lets `spender` take `amount` of the acting account's OCX, if it may not already. */
export async function ensureAllowance(context: Context, spender: Address, amount: bigint): Promise<void> {
  const owner = (await context.account()).address;
  const token = context.deployment.token;
  const [allowance, balance] = await Promise.all([
    context.publicClient.readContract({
      address: token,
      abi: ocxTokenAbi,
      functionName: "allowance",
      args: [owner, spender],
    }),
    context.publicClient.readContract({ address: token, abi: ocxTokenAbi, functionName: "balanceOf", args: [owner] }),
  ]);
  if (balance < amount) {
    throw new CliError(
      `${owner} holds ${balance} wei of OCX but ${amount} are needed; get OCX first (\`ocx faucet\` on a local chain)`,
      EXIT.failure,
    );
  }
  if (allowance >= amount) return;
  context.progress(`approving ${spender} to spend the OCX…`);
  await sendContract(context, {
    address: token,
    abi: ocxTokenAbi as Abi,
    functionName: "approve",
    args: [spender, amount],
  });
}

/** Every offer posted on the marketplace (from its OfferPosted events), with its current terms. */
export async function listOffers(context: Context): Promise<OfferView[]> {
  const { publicClient, deployment } = context;
  const logs = await publicClient.getContractEvents({
    address: deployment.marketplace,
    abi: marketplaceAbi,
    eventName: "OfferPosted",
    fromBlock: BigInt(deployment.startBlock),
  });
  const ids = [...new Set(logs.map((log) => log.args.offerId as bigint))].sort((a, b) => (a < b ? -1 : 1));
  return Promise.all(
    ids.map(async (offerId) => {
      const offer = await publicClient.readContract({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        functionName: "getOffer",
        args: [offerId],
      });
      return { ...offer, offerId } as OfferView;
    }),
  );
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
