// The payer's side of x402 payments: a `fetch` that answers 402 with a signed voucher, within a spending cap.
import { type Address, getAddress, isAddressEqual } from "viem";
import { type ChannelsDeployment, channelsAddress } from "../actions/channels/address.js";
import { depositToChannelSync } from "../actions/channels/depositToChannel.js";
import { getChannel, getChannelTerms } from "../actions/channels/getChannel.js";
import type { ReadClient, WriteClient } from "../actions/internal/contract.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import {
  decodePaymentReceipt,
  encodePaymentHeader,
  findPaymentInSse,
  OcxPaymentError,
  PAYMENT_HEADER,
  PAYMENT_RESPONSE_HEADER,
  type PaymentRequirements,
  parsePaymentRequired,
} from "./protocol.js";
import { signVoucher } from "./voucher.js";

/** Options of {@link createPaymentFetch}. */
export interface PaymentFetchOptions {
  /** The payer's wallet: signs vouchers (and deposits, with `autoDeposit`). */
  walletClient: WriteClient;
  /** Reads the chain. Default: `walletClient`. */
  publicClient?: ReadClient;
  /** The deployment whose PaymentChannels this fetch pays through; a 402 naming another contract is refused. */
  deployment: ChannelsDeployment;
  /** The most this fetch may commit in all, over every payee, in the token's smallest units. */
  capTotal: bigint;
  /** The most one request may cost (its `maxAmountRequired`). Default: no limit beyond `capTotal`. */
  capPerRequest?: bigint;
  /**
   * When a voucher needs more than the channel holds, deposit (approving exactly) the largest of this, the payee's
   * `minDeposit` and the shortfall. Default: never deposit (the request throws, saying how much to deposit).
   */
  autoDeposit?: bigint;
  /** The fetch underneath. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** A `fetch` that pays, with its running figures. */
export interface PaymentFetch {
  (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response>;
  /** What payees have reported charging, in all (from X-PAYMENT-RESPONSE and `ocx-payment` events). */
  spent(): bigint;
  /** What this fetch's vouchers allow payees to redeem beyond what was redeemed when it first met them. */
  committed(): bigint;
  /** `capTotal - committed()`. */
  remaining(): bigint;
  /** What `payee` reported as owed, cumulative, last time. */
  owed(payee: Address): bigint;
}

interface PayeeBooks {
  /** On-chain `redeemed` when first met: the cap counts from here. */
  baseline: bigint;
  /** On-chain `redeemed + balance`, as last read or deposited. */
  capacity: bigint;
  /** The largest cumulative amount signed. */
  signed: bigint;
  /** The payee's latest reported owed amount. */
  owed: bigint;
  /** Max amounts of this fetch's requests in flight to this payee. */
  inflight: bigint;
  /** Deposits are serialized per payee. */
  depositing?: Promise<void>;
}

/**
 * Creates a `fetch` that pays x402 "ocx-channel" endpoints: on a 402 it signs a voucher for owed + the request's
 * maximum and retries once; it then pays ahead on later requests to the same origin (one round trip). It refuses,
 * with `OcxPaymentError` (`cap_exceeded`) before sending, a request that would take the committed total past
 * `capTotal` or cost more than `capPerRequest`.
 * @example
 * import { createPaymentFetch, loadDeployment } from "@ocx/sdk";
 *
 * const pay = createPaymentFetch({ walletClient, deployment: await loadDeployment(31337), capTotal: 10n ** 18n, autoDeposit: 10n ** 17n });
 * const response = await pay("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body });
 * pay.spent(); // what it cost so far
 */
export function createPaymentFetch(options: PaymentFetchOptions): PaymentFetch {
  const { walletClient, deployment, capTotal } = options;
  const publicClient = options.publicClient ?? walletClient;
  const channels = channelsAddress(deployment);
  const chainId = walletClient.chain.id;
  const payer = walletClient.account.address;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const books = new Map<string, PayeeBooks>();
  /** Per origin, the payee and maximum of its last 402: the next request pays ahead with them. */
  const terms = new Map<string, { payee: Address; maxAmount: bigint; minDeposit: bigint }>();
  let spent = 0n;
  let token: Address | undefined;

  const committed = () =>
    [...books.values()].reduce((sum, b) => sum + (b.signed > b.baseline ? b.signed - b.baseline : 0n), 0n);

  async function booksOf(payee: Address): Promise<PayeeBooks> {
    const key = payee.toLowerCase();
    const known = books.get(key);
    if (known) return known;
    const c = await getChannel(publicClient, { deployment, payer, payee });
    const fresh = books.get(key) ?? {
      baseline: c.redeemed,
      capacity: c.redeemed + c.balance,
      signed: 0n,
      owed: c.redeemed,
      inflight: 0n,
    };
    books.set(key, fresh);
    return fresh;
  }

  async function ensureCapacity(payee: Address, b: PayeeBooks, cumulative: bigint, minDeposit: bigint) {
    while (b.depositing) await b.depositing;
    if (cumulative <= b.capacity) return;
    const c = await getChannel(publicClient, { deployment, payer, payee });
    b.capacity = c.redeemed + c.balance;
    if (cumulative <= b.capacity) return;
    const shortfall = cumulative - b.capacity;
    if (options.autoDeposit === undefined) {
      throw new OcxPaymentError(
        `the channel to ${payee} covers ${b.capacity} in all, the voucher needs ${cumulative}: deposit at least ${shortfall > minDeposit ? shortfall : minDeposit} (\`ocx channels deposit\`) or set autoDeposit`,
        "insufficient_channel_balance",
      );
    }
    const amount = [options.autoDeposit, minDeposit, shortfall].reduce((a, x) => (x > a ? x : a));
    b.depositing = (async () => {
      token ??= (await getChannelTerms(publicClient, { deployment })).token;
      await ensureAllowance(walletClient, { deployment: { token }, spender: channels, amount });
      const { event } = await depositToChannelSync(walletClient, { deployment, payee, amount });
      b.capacity = c.redeemed + event.balance;
    })();
    try {
      await b.depositing;
    } finally {
      b.depositing = undefined;
    }
  }

  /** Signs a voucher for `owed + maxAmount` within the caps; returns the header value and the amount held. */
  /**
   * Signs a voucher for what is owed (with holds in flight) + `maxAmount`, within the caps, and holds `maxAmount`
   * in `inflight` until the response; `owedHint` is a 402's owed amount. Returns the header value.
   */
  async function pay(payee: Address, owedHint: bigint, maxAmount: bigint, minDeposit: bigint, url: string) {
    if (options.capPerRequest !== undefined && maxAmount > options.capPerRequest) {
      throw new OcxPaymentError(
        `${url} asks up to ${maxAmount} per request, above the per-request cap ${options.capPerRequest}: raise capPerRequest or send a smaller request`,
        "cap_exceeded",
      );
    }
    const b = await booksOf(payee);
    // From here to the hold nothing awaits, so concurrent requests to one payee sign increasing amounts.
    const owed = b.owed + b.inflight > owedHint ? b.owed + b.inflight : owedHint;
    const cumulative = owed + maxAmount;
    const mine = (x: bigint) => (x > b.baseline ? x - b.baseline : 0n);
    const exposure = committed() - mine(b.signed) + mine(cumulative > b.signed ? cumulative : b.signed);
    if (exposure > capTotal) {
      throw new OcxPaymentError(
        `paying ${url} would commit ${exposure} in all, above the cap ${capTotal} (committed so far ${committed()}, spent ${spent}, this request asks up to ${maxAmount}): raise capTotal or stop`,
        "cap_exceeded",
      );
    }
    if (cumulative > b.signed) b.signed = cumulative;
    b.inflight += maxAmount;
    try {
      await ensureCapacity(payee, b, cumulative, minDeposit);
      const signature = await signVoucher(walletClient, {
        domain: { chainId, channels },
        voucher: { payer, payee, cumulativeAmount: cumulative },
      });
      return encodePaymentHeader({
        chainId,
        payment: { voucher: { payer, payee, cumulativeAmount: cumulative }, signature },
      });
    } catch (error) {
      b.inflight -= maxAmount;
      throw error;
    }
  }

  function accept(requirements: PaymentRequirements, url: string) {
    if (requirements.network !== `eip155:${chainId}`) {
      throw new OcxPaymentError(
        `${url} asks payment on ${requirements.network}; this wallet is on eip155:${chainId}`,
        "wrong_network",
      );
    }
    if (!isAddressEqual(requirements.channels, channels)) {
      throw new OcxPaymentError(
        `${url} asks payment through PaymentChannels ${requirements.channels}; this fetch pays only through ${channels}`,
        "wrong_channels",
      );
    }
  }

  function settle(response: Response, payee: Address, b: PayeeBooks, maxAmount: bigint): Response {
    const record = (charged: bigint, owed: bigint) => {
      spent += charged;
      if (owed > b.owed) b.owed = owed;
    };
    const receipt = decodePaymentReceipt(response.headers.get(PAYMENT_RESPONSE_HEADER));
    b.inflight -= maxAmount;
    if (receipt && isAddressEqual(receipt.payee, payee)) {
      record(receipt.charged, receipt.owed);
      return response;
    }
    if (!response.body || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) return response;
    // A stream says its charge at its end (`: ocx-payment …`): watch complete lines without holding the stream back.
    let pending = "";
    let recorded = false;
    const decoder = new TextDecoder();
    const watch = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        if (recorded) return;
        pending += decoder.decode(chunk, { stream: true });
        const cut = pending.lastIndexOf("\n\n");
        if (cut === -1) return;
        const r = findPaymentInSse(pending.slice(0, cut));
        pending = pending.slice(cut + 2);
        if (r && isAddressEqual(r.payee, payee)) {
          recorded = true;
          record(r.charged, r.owed);
        }
      },
    });
    return new Response(response.body.pipeThrough(watch), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  const paymentFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const origin = url.origin;
    // The body is read once (it may be sent twice); the fetch underneath gets (url, init), which any fetch takes.
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const send = (header?: string) => {
      const headers = new Headers(request.headers);
      if (header) headers.set(PAYMENT_HEADER, header);
      return baseFetch(request.url, { ...init, method: request.method, headers, body, signal: request.signal });
    };
    // Pay ahead with the origin's last terms; a 402 resyncs and retries once.
    const ahead = terms.get(origin);
    let response: Response;
    let paid: { payee: Address; maxAmount: bigint; books: PayeeBooks } | undefined;
    if (ahead) {
      const b = await booksOf(ahead.payee);
      const header = await pay(ahead.payee, 0n, ahead.maxAmount, ahead.minDeposit, url.href);
      paid = { payee: ahead.payee, maxAmount: ahead.maxAmount, books: b };
      response = await send(header).catch((error) => {
        b.inflight -= ahead.maxAmount;
        throw error;
      });
    } else {
      response = await send();
    }
    if (response.status !== 402) return paid ? settle(response, paid.payee, paid.books, paid.maxAmount) : response;
    if (paid) paid.books.inflight -= paid.maxAmount;
    // Pay and retry; a second time only to resync a voucher that was too low (an unpaid request does not say who
    // pays, so its 402 cannot say what that payer owes).
    for (let attempt = 0; ; attempt++) {
      const required = parsePaymentRequired(
        await response
          .clone()
          .json()
          .catch(() => undefined),
      );
      if (!required) return response;
      if (attempt > 0 && !(required.body.reason === "voucher_too_low" && attempt < 2)) return response;
      const { requirements } = required;
      accept(requirements, url.href);
      const payee = getAddress(requirements.payTo);
      const maxAmount = BigInt(requirements.maxAmountRequired);
      const minDeposit = BigInt(requirements.minDeposit);
      terms.set(origin, { payee, maxAmount, minDeposit });
      const b = await booksOf(payee);
      // The 402's owed counts holds of requests in flight, ours included.
      const owedWithHolds = BigInt(requirements.owed);
      if (owedWithHolds - b.inflight > b.owed) b.owed = owedWithHolds - b.inflight;
      const header = await pay(payee, owedWithHolds, maxAmount, minDeposit, url.href);
      try {
        response = await send(header);
      } catch (error) {
        b.inflight -= maxAmount;
        throw error;
      }
      if (response.status !== 402) return settle(response, payee, b, maxAmount);
      b.inflight -= maxAmount;
    }
  };

  return Object.assign(paymentFetch, {
    spent: () => spent,
    committed,
    remaining: () => capTotal - committed(),
    owed: (payee: Address) => books.get(payee.toLowerCase())?.owed ?? 0n,
  });
}
