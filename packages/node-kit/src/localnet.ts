// The embedded OCX network: a local anvil with the contracts deployed and accounts funded.
import {
  type Deployment,
  type DeployParameters,
  deployOcx,
  ensureAllowance,
  fundPaymentTokens,
  getRequiredStake,
  registerProviderSync,
  stakeSync,
  toLabel,
  transfer,
} from "@ocx/sdk";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseEther,
  stringToHex,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS, type Anvil, type AnvilOptions, startAnvil } from "./anvil.js";
import { withCleanup } from "./processes.js";

/** A running local network. Account 0 deployed and administers it; accounts 1–9 hold OCX. */
export interface Localnet {
  anvil: Anvil;
  chain: Chain;
  deployment: Deployment;
  publicClient: PublicClient;
  /** A wallet client for anvil account `index` (0–9). */
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  /** The private key of anvil account `index`. */
  key(index: number): Hex;
  stop(): Promise<void>;
}

export interface LocalnetOptions extends AnvilOptions {
  deploy?: DeployParameters;
  /** OCX sent to each of accounts 1–9. Default: 100,000 OCX. */
  fundEach?: bigint;
  /**
   * Payment tokens (credits, minted from account 0's OCX at the devnet price) sent to each of accounts 1–9.
   * Default: 100,000 ($100,000 of credits). Nothing extra when the market settles in OCX (`credits: false`).
   */
  fundCreditsEach?: bigint;
}

/**
 * The viem chain of a local anvil at `rpcUrl`.
 * @example
 * const client = createPublicClient({ chain: localChain(anvil.rpcUrl), transport: http(anvil.rpcUrl) });
 */
export function localChain(rpcUrl: string, chainId = 31337): Chain {
  return defineChain({
    id: chainId,
    name: "OCX local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Starts anvil, deploys the OCX contracts from account 0 and funds accounts 1–9 with OCX and with the
 * Marketplace's payment token (credits, minted once by account 0 at the devnet price).
 * @example
 * const net = await startLocalnet();
 * console.log(net.deployment.marketplace);
 * await net.stop();
 */
export async function startLocalnet(options: LocalnetOptions = {}): Promise<Localnet> {
  // A failed deployment or funding stops the anvil it started: no process outlives a failed set-up.
  const { value } = await withCleanup(async (defer) => {
    const anvil = await startAnvil(options);
    defer(() => anvil.stop());
    const chain = localChain(anvil.rpcUrl, anvil.chainId);
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
    const wallet = (index: number) =>
      createWalletClient({ chain, transport: http(anvil.rpcUrl), account: privateKeyToAccount(key(index)) });
    const key = (index: number): Hex => {
      const k = ANVIL_KEYS[index];
      if (!k) throw new Error(`anvil has accounts 0–9, not ${index}`);
      return k;
    };
    const deployment = await deployOcx({ walletClient: wallet(0), publicClient }, options.deploy);
    const amount = options.fundEach ?? parseEther("100000");
    const admin = wallet(0);
    let hash: Hex | undefined;
    for (let i = 1; i < ANVIL_KEYS.length; i++) {
      hash = await transfer(admin, { deployment, to: wallet(i).account.address, value: amount });
    }
    if (deployment.paymentToken !== deployment.token) {
      const credits = options.fundCreditsEach ?? parseEther("100000");
      const total = credits * BigInt(ANVIL_KEYS.length - 1);
      await fundPaymentTokens(admin, { deployment, to: admin.account.address, amount: total });
      for (let i = 1; i < ANVIL_KEYS.length; i++) {
        const to = wallet(i).account.address;
        hash = await transfer(admin, { deployment, token: deployment.paymentToken, to, value: credits });
      }
    }
    if (hash) await publicClient.waitForTransactionReceipt({ hash });
    return { anvil, chain, deployment, publicClient, wallet, key, stop: () => anvil.stop() };
  });
  return value;
}

/** Options of {@link registerStakedProvider}. */
export interface StakedProviderOptions {
  /** The API endpoint registered. Default: https://provider.example (nothing answers there). */
  endpoint?: string;
  /** The region registered. Default: eu-west. */
  region?: string;
  /** Stake what this many committed GPUs require (`getRequiredStake`). Default: 8. */
  committedGpus?: bigint;
}

/**
 * Registers `provider` in the ProviderRegistry (itself as its API signer) and stakes what `committedGpus` require, so
 * that it can post offers: the set-up of a test or benchmark that posts offers without running a provider node.
 * @example
 * await registerStakedProvider(net, net.wallet(1), { region: "us-east", committedGpus: 64n });
 * await postOfferSync(net.wallet(1), { deployment: net.deployment, ... });
 */
export async function registerStakedProvider(
  net: Pick<Localnet, "deployment" | "publicClient">,
  provider: WalletClient<Transport, Chain, Account>,
  options: StakedProviderOptions = {},
): Promise<void> {
  const { deployment } = net;
  await registerProviderSync(provider, {
    deployment,
    endpoint: options.endpoint ?? "https://provider.example",
    region: toLabel(options.region ?? "eu-west"),
    metadataHash: keccak256(stringToHex("{}")),
    apiSigner: provider.account.address,
  });
  const amount = await getRequiredStake(net.publicClient, { deployment, committedGpus: options.committedGpus ?? 8n });
  await ensureAllowance(provider, { deployment, spender: deployment.registry, amount });
  await stakeSync(provider, { deployment, amount });
}
