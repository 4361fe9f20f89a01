// Deploys the devnet's OCX/USD PriceFeed and OcxCredits, and grants OcxCredits OcxToken's MINTER_ROLE.
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import { getAddress, keccak256, parseEther, toHex } from "viem";
import { toFeedPrice } from "../actions/credits/setOcxPrice.js";
import { ocxCreditsAbi, ocxTokenAbi, priceFeedAbi } from "../generated/abis.js";
import { ocxCreditsBytecode, priceFeedBytecode } from "../generated/bytecode.js";

/** OcxCredits' parameters and the devnet feed's first price (contracts/src/interfaces/IOcxCredits.sol). */
export interface CreditsParameters {
  /** Dollars per OCX the feed starts at, e.g. "0.50". */
  ocxPriceUsd: string;
  /** Who may post prices to the devnet feed. Default: the deployer. */
  updater?: Address;
  /** Spread on mint and redeem, in basis points (≤ 1,000). */
  spreadBps: number;
  /** Seconds a feed answer stays usable (60 s to 2 days). */
  maxPriceAge: number;
  /** Largest move from the last accepted price, in basis points (1 to 10,000). */
  maxPriceMoveBps: number;
  /** Seconds per redemption-breaker epoch (1 hour to 30 days). */
  breakerEpoch: number;
  /** OCX redemption may mint per breaker epoch (wei). */
  maxOcxMintedPerEpoch: bigint;
}

/**
 * The devnet's defaults: $0.50 per OCX, 0.5 % spread, a price usable for a day (the devnet's updater posts
 * rarely), a 50 % move bound, and at most 10 M OCX minted by redemption per day.
 */
export const DEFAULT_CREDITS: CreditsParameters = {
  ocxPriceUsd: "0.50",
  spreadBps: 50,
  maxPriceAge: 24 * 3600,
  maxPriceMoveBps: 5_000,
  breakerEpoch: 24 * 3600,
  maxOcxMintedPerEpoch: parseEther("10000000"),
};

const MINTER_ROLE = keccak256(toHex("MINTER_ROLE"));

/**
 * Deploys PriceFeed (8 decimals, "OCX / USD", first round at `ocxPriceUsd`, `updater` may post) and OcxCredits over
 * `token`, administered by `admin`: exactly two contract creations from the deployer, so `deployOcx` can predict
 * the Marketplace's address after them. OcxCredits needs MINTER_ROLE on the token to redeem: `grantCreditsMinter`
 * grants it (called by `deployOcx` with `credits` set).
 * @example
 * const { credits, priceFeed } = await deployCredits(clients, { token, admin }, { ocxPriceUsd: "0.50" });
 * await grantCreditsMinter(clients, { token, credits });
 */
export async function deployCredits(
  clients: { walletClient: WalletClient<Transport, Chain, Account>; publicClient: PublicClient },
  contracts: { token: Address; admin: Address },
  options: Partial<CreditsParameters> = {},
): Promise<{ credits: Address; priceFeed: Address }> {
  const { walletClient, publicClient } = clients;
  const deployer = walletClient.account.address;
  const p = { ...DEFAULT_CREDITS, ...options };
  const deployed = async (hash: `0x${string}`, what: string): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`deploying ${what} failed in transaction ${hash}`);
    }
    return getAddress(receipt.contractAddress);
  };
  const priceFeed = await deployed(
    await walletClient.deployContract({
      abi: priceFeedAbi,
      bytecode: priceFeedBytecode,
      args: [contracts.admin, p.updater ?? deployer, 8, "OCX / USD", toFeedPrice(p.ocxPriceUsd)],
    }),
    "PriceFeed",
  );
  const credits = await deployed(
    await walletClient.deployContract({
      abi: ocxCreditsAbi,
      bytecode: ocxCreditsBytecode,
      args: [
        contracts.token,
        priceFeed,
        contracts.admin,
        {
          spreadBps: p.spreadBps,
          maxPriceAge: p.maxPriceAge,
          maxPriceMoveBps: p.maxPriceMoveBps,
          breakerEpoch: p.breakerEpoch,
          maxOcxMintedPerEpoch: p.maxOcxMintedPerEpoch,
        },
      ],
    }),
    "OcxCredits",
  );
  return { credits, priceFeed };
}

/**
 * Grants OcxCredits MINTER_ROLE on the token (redemption mints OCX), from the deployer, which must administer the
 * token; with another admin, that admin grants it.
 * @example
 * await grantCreditsMinter(clients, { token: deployment.token, credits: deployment.credits });
 */
export async function grantCreditsMinter(
  clients: { walletClient: WalletClient<Transport, Chain, Account>; publicClient: PublicClient },
  contracts: { token: Address; credits: Address },
): Promise<void> {
  const hash = await clients.walletClient.writeContract({
    address: contracts.token,
    abi: ocxTokenAbi,
    functionName: "grantRole",
    args: [MINTER_ROLE, contracts.credits],
  });
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`granting MINTER_ROLE to OcxCredits failed in transaction ${hash}`);
}
