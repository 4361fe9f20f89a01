// EIP-712 vouchers of PaymentChannels: the payer signs "the payee may have been paid up to N in all".
import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  isAddressEqual,
  recoverTypedDataAddress,
  type Transport,
} from "viem";
import { signTypedData } from "viem/actions";
import { getAction } from "viem/utils";

/** A voucher, as PaymentChannels.redeem takes it: the payee may have been paid up to `cumulativeAmount` in all. */
export interface Voucher {
  payer: Address;
  payee: Address;
  /** Cumulative, in the payment token's smallest units; a newer voucher always carries a larger amount. */
  cumulativeAmount: bigint;
}

/** A voucher with the payer's signature. */
export interface SignedVoucher {
  voucher: Voucher;
  signature: Hex;
}

/** Which PaymentChannels contract, on which chain, a voucher is for (its EIP-712 domain). */
export interface ChannelsDomain {
  chainId: number;
  /** The PaymentChannels address (`deployment.paymentChannels`). */
  channels: Address;
}

/** The EIP-712 types of a voucher, as the contract hashes them. */
export const voucherTypes = {
  Voucher: [
    { name: "payer", type: "address" },
    { name: "payee", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
} as const;

/**
 * The EIP-712 domain of vouchers for `channels` on `chainId` (name "OCX PaymentChannels", version "1").
 * @example
 * voucherDomain({ chainId: 31337, channels: deployment.paymentChannels });
 */
export function voucherDomain(domain: ChannelsDomain) {
  return {
    name: "OCX PaymentChannels",
    version: "1",
    chainId: domain.chainId,
    verifyingContract: domain.channels,
  } as const;
}

/** A client that signs: a WalletClient with an account (local or JSON-RPC). */
export type SigningClient = Client<Transport, Chain | undefined, Account>;

/**
 * Signs `voucher` with the client's account, which must be `voucher.payer`.
 * @example
 * import { signVoucher } from "@ocx/sdk";
 *
 * const signature = await signVoucher(walletClient, {
 *   domain: { chainId: 31337, channels: deployment.paymentChannels },
 *   voucher: { payer: walletClient.account.address, payee, cumulativeAmount: 5_000n },
 * });
 */
export async function signVoucher(
  client: SigningClient,
  parameters: { domain: ChannelsDomain; voucher: Voucher },
): Promise<Hex> {
  if (!isAddressEqual(client.account.address, parameters.voucher.payer)) {
    throw new TypeError(
      `signVoucher: the voucher's payer ${parameters.voucher.payer} is not the signing account ${client.account.address}`,
    );
  }
  return getAction(
    client,
    signTypedData,
    "signTypedData",
  )({
    account: client.account,
    domain: voucherDomain(parameters.domain),
    types: voucherTypes,
    primaryType: "Voucher",
    message: parameters.voucher,
  });
}

/**
 * Whether `signature` is the payer's (an EOA's) signature of `voucher` for this chain and contract. Off-chain
 * checks accept EOA payers only; the contract also accepts ERC-1271 contract payers.
 * @example
 * if (!(await isVoucherSignedByPayer({ domain, voucher, signature }))) throw new Error("forged voucher");
 */
export async function isVoucherSignedByPayer(parameters: {
  domain: ChannelsDomain;
  voucher: Voucher;
  signature: Hex;
}): Promise<boolean> {
  try {
    const signer = await recoverTypedDataAddress({
      domain: voucherDomain(parameters.domain),
      types: voucherTypes,
      primaryType: "Voucher",
      message: parameters.voucher,
      signature: parameters.signature,
    });
    return isAddressEqual(signer, parameters.voucher.payer);
  } catch {
    return false;
  }
}
