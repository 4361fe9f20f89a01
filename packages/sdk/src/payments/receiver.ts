// The payee's side of x402 payments: check a voucher before any work, charge what the request cost, keep the books
// durable, and redeem what payers owe now and then and on demand.
import { type Address, getAddress, type Hash, isAddressEqual } from "viem";
import type { ChannelsDeployment } from "../actions/channels/address.js";
import { channelsAddress } from "../actions/channels/address.js";
import { getChannel, getChannelTerms } from "../actions/channels/getChannel.js";
import { redeemVoucherSync } from "../actions/channels/redeemVoucher.js";
import type { ReadClient, WriteClient } from "../actions/internal/contract.js";
import {
  decodePaymentHeader,
  OCX_CHANNEL_SCHEME,
  OcxPaymentError,
  type PaymentPrice,
  type PaymentReceipt,
  type PaymentRefusal,
  type PaymentRequiredBody,
  type PaymentRequirements,
  X402_VERSION,
} from "./protocol.js";
import { type PayerAccount, PaymentStore } from "./store.js";
import { isVoucherSignedByPayer, type SignedVoucher, type Voucher } from "./voucher.js";

/** Options of {@link createPaymentReceiver}. */
export interface PaymentReceiverOptions {
  /** The payee's wallet: its account is the `payTo` of every 402 and the sender of redemptions. */
  walletClient: WriteClient;
  /** Reads the chain. Default: `walletClient`. */
  publicClient?: ReadClient;
  /** Where PaymentChannels is (`deployment.paymentChannels`). */
  deployment: ChannelsDeployment;
  /** SQLite file for the books (owed, redeemed, latest voucher per payer); ":memory:" for none that lasts. */
  store: string;
  /** The price terms shown in 402 answers. Default: all zero (the caller passes `maxAmount` per request). */
  price?: PaymentPrice;
  /** The least deposit asked of a new payer, shown in 402 answers. Default: 0. */
  minDeposit?: bigint;
  /** How long a channel's on-chain balance is trusted before it is read again, in ms. Default: 2,000. */
  balanceCacheMs?: number;
  /** Redeem every payer's owed amount this often, in ms; 0 = only on demand and by threshold. Default: 0. */
  redeemIntervalMs?: number;
  /** Redeem a payer as soon as its unredeemed owed amount reaches this. Default: never by threshold. */
  redeemThreshold?: bigint;
  /**
   * Whether this receiver sends redemptions itself. `false` for a key-free payee (a server on a lease, whose
   * `walletClient` holds only the payee's address): the payee redeems the books from outside
   * (`redeemPayeeBooks`), and `redeem()`, the threshold and the unlock rule send nothing. Default: true.
   */
  redeems?: boolean;
  /** Receives one line per decision (refusals, charges, redemptions) with its reasons. Default: silent. */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A checked payment for one request: charge it once when the work is done, or release it. */
export interface PaymentGrant {
  payer: Address;
  voucher: SignedVoucher;
  /** The most this request may be charged (its `maxAmountRequired`). */
  maxAmount: bigint;
  /** Records `amount` (clamped to `maxAmount`) as owed and returns the receipt to send back. Charging twice throws. */
  charge(amount: bigint): PaymentReceipt;
  /** Ends the grant without a charge (a failed or aborted request costs 0). No effect once charged. */
  release(): void;
  /** Whether `charge` or `release` was called. */
  readonly settled: boolean;
  /** The receipt `charge` returned; undefined before a charge or after a release. */
  readonly receipt: PaymentReceipt | undefined;
}

/** The result of {@link PaymentReceiver.check}: a grant, or the 402 body to answer with. */
export type PaymentCheck =
  | { ok: true; payer: Address; voucher: SignedVoucher; grant: PaymentGrant }
  | { ok: false; status: 402; body: PaymentRequiredBody };

/** One redemption sent by {@link PaymentReceiver.redeem}. */
export interface Redemption {
  payer: Address;
  /** Paid by this transaction. */
  amount: bigint;
  /** Redeemed from this payer in all. */
  cumulative: bigint;
  hash: Hash;
}

/** The payee's x402 receiver. */
export interface PaymentReceiver {
  readonly payee: Address;
  readonly channels: Address;
  readonly chainId: number;
  /** The token the channels hold. */
  readonly asset: Address;
  /** The 402 terms for a request that may cost `maxAmount`, with `payer`'s owed amount when known. */
  requirements(maxAmount: bigint, options?: { payer?: Address; price?: PaymentPrice }): PaymentRequirements;
  /**
   * Checks an X-PAYMENT header value before any work: format, network, contract, payee, signature, that the voucher
   * covers owed + holds in flight + `maxAmount`, and that the channel on-chain covers the voucher. On success it
   * holds `maxAmount` for this request until the grant is charged or released.
   */
  check(
    header: string | null | undefined,
    maxAmount: bigint,
    options?: { price?: PaymentPrice },
  ): Promise<PaymentCheck>;
  /** What `payer` owes, cumulative (charged, not counting holds). */
  owed(payer: Address): bigint;
  /** Redeems what `payer` (default: every payer with an unredeemed amount) owes, one transaction per payer. */
  redeem(payer?: Address): Promise<Redemption[]>;
  /** Stops the timer, waits for redemptions in flight, and closes the books. */
  close(): Promise<void>;
}

const ZERO_PRICE: PaymentPrice = { perRequest: 0n, per1kInputTokens: 0n, per1kOutputTokens: 0n };

/**
 * Creates the payee's receiver: reads the channels' token and unlock delay, opens the books, and starts the
 * redemption timer when asked.
 * @example
 * import { createPaymentReceiver, PAYMENT_HEADER } from "@ocx/sdk";
 *
 * const receiver = await createPaymentReceiver({ walletClient, deployment, store: "state/payments.db", redeemIntervalMs: 60_000 });
 * const result = await receiver.check(request.headers.get(PAYMENT_HEADER), 1_000n);
 * if (!result.ok) return Response.json(result.body, { status: 402 });
 * // … do the work …
 * const receipt = result.grant.charge(700n);
 */
export async function createPaymentReceiver(options: PaymentReceiverOptions): Promise<PaymentReceiver> {
  const { walletClient, deployment } = options;
  const publicClient = options.publicClient ?? walletClient;
  const channels = channelsAddress(deployment);
  const payee = walletClient.account.address;
  const chainId = walletClient.chain.id;
  const terms = await getChannelTerms(publicClient, { deployment });
  const store = new PaymentStore(options.store, payee);
  const log = options.log ?? (() => {});
  const cacheMs = options.balanceCacheMs ?? 2_000;
  const defaultPrice = options.price ?? ZERO_PRICE;

  /** Amounts held for requests in flight, per payer (lower-case address). */
  const holds = new Map<string, bigint>();
  /** On-chain `redeemed + balance` per payer, with when it was read. */
  const capacity = new Map<string, { redeemed: bigint; balance: bigint; unlockAt: bigint; at: number }>();
  /** One redemption at a time per payer. */
  const redeeming = new Map<string, Promise<Redemption | undefined>>();
  let closed = false;

  const held = (payer: Address) => holds.get(payer.toLowerCase()) ?? 0n;
  const hold = (payer: Address, delta: bigint) => holds.set(payer.toLowerCase(), held(payer) + delta);

  async function readChannel(payer: Address, fresh: boolean) {
    const cached = capacity.get(payer.toLowerCase());
    if (cached && !fresh && Date.now() - cached.at < cacheMs) return cached;
    const c = await getChannel(publicClient, { deployment, payer, payee });
    const entry = { redeemed: c.redeemed, balance: c.balance, unlockAt: c.unlockAt, at: Date.now() };
    capacity.set(payer.toLowerCase(), entry);
    return entry;
  }

  function requirements(maxAmount: bigint, o: { payer?: Address; price?: PaymentPrice } = {}): PaymentRequirements {
    const price = o.price ?? defaultPrice;
    return {
      scheme: OCX_CHANNEL_SCHEME,
      network: `eip155:${chainId}`,
      channels,
      asset: terms.token,
      payTo: payee,
      maxAmountRequired: maxAmount.toString(),
      owed: o.payer ? (store.get(o.payer).owed + held(o.payer)).toString() : "0",
      price: {
        perRequest: price.perRequest.toString(),
        per1kInputTokens: price.per1kInputTokens.toString(),
        per1kOutputTokens: price.per1kOutputTokens.toString(),
      },
      minDeposit: (options.minDeposit ?? 0n).toString(),
      unlockDelaySeconds: terms.unlockDelaySeconds,
    };
  }

  function refuse(
    reason: PaymentRefusal,
    error: string,
    maxAmount: bigint,
    o: { payer?: Address; price?: PaymentPrice },
  ): PaymentCheck {
    log("payment refused", { reason, error, payer: o.payer, maxAmount: maxAmount.toString() });
    return {
      ok: false,
      status: 402,
      body: { x402Version: X402_VERSION, error, reason, accepts: [requirements(maxAmount, o)] },
    };
  }

  function grantFor(payer: Address, voucher: SignedVoucher, maxAmount: bigint): PaymentGrant {
    let settled = false;
    let receipt: PaymentReceipt | undefined;
    return {
      payer,
      voucher,
      maxAmount,
      get settled() {
        return settled;
      },
      get receipt() {
        return receipt;
      },
      charge(amount) {
        if (settled)
          throw new OcxPaymentError(`this request's payment was already settled (payer ${payer})`, "refused");
        if (amount < 0n) throw new RangeError(`a charge must be ≥ 0, got ${amount}`);
        settled = true;
        hold(payer, -maxAmount);
        let charged = amount;
        if (charged > maxAmount) {
          log("charge above the request's maximum: clamped", {
            payer,
            amount: amount.toString(),
            maxAmount: maxAmount.toString(),
          });
          charged = maxAmount;
        }
        const account = store.get(payer);
        account.owed += charged;
        store.put(account);
        log("charged", { payer, charged: charged.toString(), owed: account.owed.toString() });
        if (options.redeemThreshold !== undefined && account.owed - account.redeemed >= options.redeemThreshold) {
          void redeemPayer(payer).catch((error) => log("redemption failed", { payer, error: String(error) }));
        }
        receipt = { charged, owed: account.owed, payee };
        return receipt;
      },
      release() {
        if (settled) return;
        settled = true;
        hold(payer, -maxAmount);
        log("released without charge", { payer, maxAmount: maxAmount.toString() });
      },
    };
  }

  async function check(
    header: string | null | undefined,
    maxAmount: bigint,
    o: { price?: PaymentPrice } = {},
  ): Promise<PaymentCheck> {
    if (maxAmount < 0n) throw new RangeError(`maxAmount must be ≥ 0, got ${maxAmount}`);
    if (!header)
      return refuse(
        "payment_required",
        `this request costs up to ${maxAmount}: pay with an X-PAYMENT voucher`,
        maxAmount,
        o,
      );
    let signed: SignedVoucher;
    try {
      const decoded = decodePaymentHeader(header);
      if (decoded.network !== `eip155:${chainId}`) {
        return refuse(
          "wrong_network",
          `the voucher is for ${decoded.network}; this payee takes eip155:${chainId}`,
          maxAmount,
          o,
        );
      }
      signed = decoded.payload;
    } catch (error) {
      const e = error as OcxPaymentError;
      return refuse(e.reason === "unsupported_scheme" ? e.reason : "invalid_payment", e.shortMessage, maxAmount, o);
    }
    const voucher: Voucher = {
      ...signed.voucher,
      payer: getAddress(signed.voucher.payer),
      payee: getAddress(signed.voucher.payee),
    };
    const payer = voucher.payer;
    const known = { ...o, payer };
    if (!isAddressEqual(voucher.payee, payee)) {
      return refuse("wrong_payee", `the voucher pays ${voucher.payee}; this payee is ${payee}`, maxAmount, known);
    }
    if (!(await isVoucherSignedByPayer({ domain: { chainId, channels }, voucher, signature: signed.signature }))) {
      return refuse(
        "invalid_signature",
        `the signature is not ${payer}'s over this voucher for PaymentChannels ${channels} on chain ${chainId}`,
        maxAmount,
        known,
      );
    }
    // What was redeemed on-chain is owed at least (books lost, or another instance redeemed).
    let chain = await readChannel(payer, false);
    let account = store.get(payer);
    if (account.owed < chain.redeemed) {
      account = { ...account, owed: chain.redeemed, redeemed: chain.redeemed };
      store.put(account);
    }
    if (chain.redeemed + chain.balance < voucher.cumulativeAmount) chain = await readChannel(payer, true);
    // From here to the hold, nothing awaits: concurrent checks of one payer see each other's holds.
    account = store.get(payer);
    const needed = account.owed + held(payer) + maxAmount;
    if (voucher.cumulativeAmount < needed) {
      return refuse(
        "voucher_too_low",
        `the voucher's cumulative amount ${voucher.cumulativeAmount} is below owed ${account.owed + held(payer)} + this request's ${maxAmount} = ${needed}`,
        maxAmount,
        known,
      );
    }
    if (chain.unlockAt !== 0n) {
      // The payer asked to leave: serve nothing more on this channel, and redeem what is owed before it can withdraw.
      if (account.owed > chain.redeemed) {
        void redeemPayer(payer).catch((error) => log("redemption failed", { payer, error: String(error) }));
      }
      return refuse(
        "channel_unlocking",
        `the channel from ${payer} is unlocking (withdraw opens at ${chain.unlockAt}): cancel the unlock or deposit to use it again`,
        maxAmount,
        known,
      );
    }
    const covered = chain.redeemed + chain.balance;
    if (covered < voucher.cumulativeAmount) {
      return refuse(
        "insufficient_channel_balance",
        `the channel from ${payer} covers ${covered} in all (redeemed ${chain.redeemed} + balance ${chain.balance}), less than the voucher's ${voucher.cumulativeAmount}: deposit more`,
        maxAmount,
        known,
      );
    }
    if (!account.latest || voucher.cumulativeAmount > account.latest.voucher.cumulativeAmount) {
      store.put({ ...account, latest: { voucher, signature: signed.signature } });
    }
    hold(payer, maxAmount);
    return {
      ok: true,
      payer,
      voucher: { voucher, signature: signed.signature },
      grant: grantFor(payer, { voucher, signature: signed.signature }, maxAmount),
    };
  }

  async function redeemOne(payer: Address): Promise<Redemption | undefined> {
    const account: PayerAccount = store.get(payer);
    if (account.owed <= account.redeemed || !account.latest) return undefined;
    if (options.redeems === false) {
      log("not redeeming: this receiver is key-free, the payee redeems its books from outside", {
        payer,
        unredeemed: (account.owed - account.redeemed).toString(),
      });
      return undefined;
    }
    const chain = await readChannel(payer, true);
    const target = [account.owed, account.latest.voucher.cumulativeAmount, chain.redeemed + chain.balance].reduce(
      (a, b) => (a < b ? a : b),
    );
    if (target < account.owed) {
      log("channel short of what is owed: redeeming what it covers", {
        payer,
        owed: account.owed.toString(),
        covered: (chain.redeemed + chain.balance).toString(),
      });
    }
    if (target <= chain.redeemed) {
      store.put({ ...store.get(payer), redeemed: chain.redeemed });
      return undefined;
    }
    const { event, receipt } = await redeemVoucherSync(walletClient, {
      deployment,
      voucher: account.latest.voucher,
      signature: account.latest.signature,
      amount: target,
    });
    store.put({ ...store.get(payer), redeemed: event.cumulative });
    capacity.delete(payer.toLowerCase());
    log("redeemed", {
      payer,
      amount: event.amount.toString(),
      cumulative: event.cumulative.toString(),
      hash: receipt.transactionHash,
    });
    return { payer, amount: event.amount, cumulative: event.cumulative, hash: receipt.transactionHash };
  }

  function redeemPayer(payer: Address): Promise<Redemption | undefined> {
    const key = payer.toLowerCase();
    const previous = redeeming.get(key) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => redeemOne(payer));
    redeeming.set(key, next);
    void next
      .finally(() => {
        if (redeeming.get(key) === next) redeeming.delete(key);
      })
      .catch(() => {});
    return next;
  }

  async function redeem(payer?: Address): Promise<Redemption[]> {
    const payers = payer ? [getAddress(payer)] : store.unredeemed();
    const results = await Promise.all(payers.map((p) => redeemPayer(p)));
    return results.filter((r): r is Redemption => r !== undefined);
  }

  const timer =
    options.redeemIntervalMs && options.redeemIntervalMs > 0
      ? setInterval(() => {
          void redeem().catch((error) => log("scheduled redemption failed", { error: String(error) }));
        }, options.redeemIntervalMs)
      : undefined;
  timer?.unref();

  return {
    payee,
    channels,
    chainId,
    asset: terms.token,
    requirements,
    check,
    owed: (payer) => store.get(getAddress(payer)).owed,
    redeem,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await Promise.allSettled([...redeeming.values()]);
      store.close();
    },
  };
}
