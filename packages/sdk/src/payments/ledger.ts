// A key-free payee's books read from outside: a payee server that holds no key (a model server on a
// service lease) keeps what each payer owes and its latest voucher, and hands them to the payee
// (the registrant, who holds the key) on an authenticated request; the payee redeems exactly what is
// owed on-chain. Authentication: a fresh EIP-191 signature of the payee over a timestamp and a random
// nonce (two reads in one second sign different texts), each signature taken once (docs/payments.md "key-free payee").
import { randomBytes } from "node:crypto";
import { type Address, getAddress, type Hash, type Hex, isAddressEqual, recoverMessageAddress } from "viem";
import { signMessage } from "viem/actions";
import type { ChannelsDeployment } from "../actions/channels/address.js";
import { getChannel } from "../actions/channels/getChannel.js";
import { redeemVoucherSync } from "../actions/channels/redeemVoucher.js";
import type { ReadClient, WriteClient } from "../actions/internal/contract.js";
import { OcxPaymentError } from "./protocol.js";
import type { PaymentStore } from "./store.js";
import { isVoucherSignedByPayer, type SignedVoucher } from "./voucher.js";

/** Where a payee server hands out its books (GET). */
export const PAYEE_VOUCHERS_PATH = "/v1/payments/vouchers";
/** The `Authorization` scheme of a payee's request: `OCX-Payee <unix seconds>.<nonce: 16 hex>.<signature>`. */
export const PAYEE_AUTH_SCHEME = "OCX-Payee";
/** How far a payee's timestamp may be from the server's clock, in seconds (either way). */
export const PAYEE_AUTH_MAX_SKEW_SECONDS = 60;

/**
 * The text the payee signs (EIP-191 personal message) to read its books at `time` (unix seconds); `nonce` (16 hex
 * digits) makes each request's text, and so its signature, unique even within one second.
 */
export function payeeAuthMessage(payee: Address, time: number, nonce: string): string {
  return `OCX payee books\npayee: ${getAddress(payee)}\ntime: ${time}\nnonce: ${nonce}`;
}

/**
 * The `Authorization` header value for the payee behind `walletClient`, signed now.
 * @example
 * await fetch(`${url}/v1/payments/vouchers`, { headers: { authorization: await signPayeeAuth(wallet) } });
 */
export async function signPayeeAuth(
  walletClient: WriteClient,
  time = Math.floor(Date.now() / 1000),
  nonce = randomBytes(8).toString("hex"),
): Promise<string> {
  const signature = await signMessage(walletClient, {
    account: walletClient.account,
    message: payeeAuthMessage(walletClient.account.address, time, nonce),
  });
  return `${PAYEE_AUTH_SCHEME} ${time}.${nonce}.${signature}`;
}

const AUTH_FORM = /^OCX-Payee (\d{1,12})\.([0-9a-f]{16})\.(0x[0-9a-fA-F]{130})$/;

/**
 * Checks payees' `Authorization` headers for `payee`: the form first (no work for anything else), then the clock
 * (within {@link PAYEE_AUTH_MAX_SKEW_SECONDS}), then that the signature was not used before, then the signer.
 * Resolves `undefined` when accepted, else why not.
 */
export function createPayeeAuthVerifier(
  payee: Address,
  options: { maxSkewSeconds?: number; now?: () => number } = {},
): (header: string | null | undefined) => Promise<string | undefined> {
  const skew = options.maxSkewSeconds ?? PAYEE_AUTH_MAX_SKEW_SECONDS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  /** Signatures accepted, with the time after which they are stale anyway (then forgotten). */
  const used = new Map<string, number>();
  return async (header) => {
    const match = header ? AUTH_FORM.exec(header) : null;
    if (!match) return `send Authorization: ${PAYEE_AUTH_SCHEME} <unix seconds>.<nonce>.<the payee's signature>`;
    const time = Number(match[1]);
    const nonce = match[2] as string;
    const signature = (match[3] as string).toLowerCase() as Hex;
    const t = now();
    if (Math.abs(t - time) > skew)
      return `the signed time ${time} is ${t - time} s from this server's clock; sign a fresh one (within ${skew} s)`;
    for (const [s, until] of used) if (until < t) used.delete(s);
    if (used.has(signature)) return "this signature was used already: sign a fresh one for each request";
    let signer: Address;
    try {
      signer = await recoverMessageAddress({ message: payeeAuthMessage(payee, time, nonce), signature });
    } catch {
      return "the signature cannot be read";
    }
    if (!isAddressEqual(signer, payee)) return `the signature is not the payee's (${getAddress(payee)})`;
    used.set(signature, time + skew);
    return undefined;
  };
}

/** One payer's unredeemed debt as the payee server's books hold it. */
export interface OwedVoucher {
  payer: Address;
  /** Charged in all, cumulative (what the payee may redeem, up to the voucher). */
  owed: bigint;
  /** The payer's voucher with the largest cumulative amount seen (≥ owed). */
  latest: SignedVoucher;
}

/** The books a payee server hands out at {@link PAYEE_VOUCHERS_PATH}. */
export interface PayeeBooks {
  payee: Address;
  chainId: number;
  channels: Address;
  payers: OwedVoucher[];
}

/** Every payer in `store` that owes more than the books know redeemed and left a voucher. */
export function owedVouchers(store: PaymentStore): OwedVoucher[] {
  return store.unredeemed().flatMap((payer) => {
    const account = store.get(payer);
    return account.latest ? [{ payer, owed: account.owed, latest: account.latest }] : [];
  });
}

/** The JSON form of {@link PayeeBooks} (amounts as decimal strings). */
export function encodePayeeBooks(books: PayeeBooks): unknown {
  return {
    payee: books.payee,
    chainId: books.chainId,
    channels: books.channels,
    payers: books.payers.map((p) => ({
      payer: p.payer,
      owed: p.owed.toString(),
      voucher: {
        payer: p.latest.voucher.payer,
        payee: p.latest.voucher.payee,
        cumulativeAmount: p.latest.voucher.cumulativeAmount.toString(),
      },
      signature: p.latest.signature,
    })),
  };
}

const amount = (value: unknown, what: string): bigint => {
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value))
    throw new OcxPaymentError(`the books' ${what} is not a decimal amount`, "invalid_payment");
  return BigInt(value);
};

/**
 * Reads a key-free payee server's books at `url` as the payee of `walletClient` (signs a fresh authorization).
 * Throws an OcxPaymentError when the server refuses or answers something else than books of this payee.
 */
export async function fetchPayeeBooks(
  url: string,
  walletClient: WriteClient,
  options: { fetch?: typeof fetch } = {},
): Promise<PayeeBooks> {
  const target = new URL(PAYEE_VOUCHERS_PATH.slice(1), url.endsWith("/") ? url : `${url}/`);
  const response = await (options.fetch ?? fetch)(target, {
    headers: { authorization: await signPayeeAuth(walletClient) },
  });
  const text = await response.text();
  if (!response.ok)
    throw new OcxPaymentError(`${target} answered ${response.status}: ${text.slice(0, 300)}`, "refused");
  const body = JSON.parse(text) as {
    payee?: string;
    chainId?: number;
    channels?: string;
    payers?: {
      payer: string;
      owed: string;
      voucher: { payer: string; payee: string; cumulativeAmount: string };
      signature: string;
    }[];
  };
  const me = walletClient.account.address;
  if (!body.payee || !isAddressEqual(body.payee as Address, me) || !Array.isArray(body.payers))
    throw new OcxPaymentError(`${target} keeps books for ${body.payee ?? "nobody"}, not for ${me}`, "wrong_payee");
  return {
    payee: getAddress(body.payee),
    chainId: Number(body.chainId),
    channels: getAddress(body.channels as string),
    payers: body.payers.map((p) => ({
      payer: getAddress(p.payer),
      owed: amount(p.owed, "owed"),
      latest: {
        voucher: {
          payer: getAddress(p.voucher.payer),
          payee: getAddress(p.voucher.payee),
          cumulativeAmount: amount(p.voucher.cumulativeAmount, "cumulativeAmount"),
        },
        signature: p.signature as Hex,
      },
    })),
  };
}

/** What {@link redeemPayeeBooks} did for one payer. */
export interface BooksRedemption {
  payer: Address;
  /** The books' owed amount. */
  owed: bigint;
  /** Paid to the payee by this redemption (0 when skipped). */
  amount: bigint;
  /** Redeemed from this payer in all, on-chain, after it. */
  cumulative: bigint;
  hash?: Hash;
  /** Why nothing (or less than owed) was redeemed. */
  note?: string;
}

/**
 * Redeems each payer's owed amount in `books` on-chain with its latest voucher, one transaction per payer: exactly
 * `owed` (never the voucher's larger cumulative amount), less only when the channel holds less (then what it covers,
 * said in `note`). A voucher not signed by its payer for these channels, or for another payee, is skipped.
 */
export async function redeemPayeeBooks(
  walletClient: WriteClient,
  parameters: { deployment: ChannelsDeployment; books: PayeeBooks; publicClient?: ReadClient },
): Promise<BooksRedemption[]> {
  const { deployment, books } = parameters;
  const reader = parameters.publicClient ?? walletClient;
  const payee = walletClient.account.address;
  const chainId = walletClient.chain.id;
  const channels = getAddress(deployment.paymentChannels as Address);
  if (books.chainId !== chainId || !isAddressEqual(books.channels, channels))
    throw new OcxPaymentError(
      `the books are for PaymentChannels ${books.channels} on chain ${books.chainId}, not ${channels} on chain ${chainId}`,
      "wrong_network",
    );
  const results: BooksRedemption[] = [];
  for (const { payer, owed, latest } of books.payers) {
    const base = { payer, owed, amount: 0n };
    const chain = await getChannel(reader, { deployment, payer, payee });
    if (
      !isAddressEqual(latest.voucher.payee, payee) ||
      !isAddressEqual(latest.voucher.payer, payer) ||
      !(await isVoucherSignedByPayer({ domain: { chainId, channels }, ...latest }))
    ) {
      results.push({ ...base, cumulative: chain.redeemed, note: "the voucher is not this payer's to this payee" });
      continue;
    }
    const covered = chain.redeemed + chain.balance;
    const target = [owed, latest.voucher.cumulativeAmount, covered].reduce((a, b) => (a < b ? a : b));
    if (target <= chain.redeemed) {
      results.push({ ...base, cumulative: chain.redeemed, note: "nothing new to redeem" });
      continue;
    }
    const { event, receipt } = await redeemVoucherSync(walletClient, {
      deployment,
      voucher: latest.voucher,
      signature: latest.signature,
      amount: target,
    });
    results.push({
      ...base,
      amount: event.amount,
      cumulative: event.cumulative,
      hash: receipt.transactionHash,
      ...(target < owed ? { note: `the channel covers ${covered} of the ${owed} owed` } : {}),
    });
  }
  return results;
}
