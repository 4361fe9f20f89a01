// Deploys the OCX contracts (token, registry, marketplace) to any EVM chain and wires their roles.
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import { getAddress, getContractAddress, keccak256, parseEther, toHex } from "viem";
import type { Deployment } from "./deployment.js";
import { marketplaceAbi, ocxTokenAbi, providerRegistryAbi } from "./generated/abis.js";
import { marketplaceBytecode, ocxTokenBytecode, providerRegistryBytecode } from "./generated/bytecode.js";

/** Parameters of a new deployment. Amounts are in the token's smallest unit (18 decimals). */
export interface DeployParameters {
  /** Holds the admin and parameter-admin roles (governance later). Default: the deployer. */
  admin?: Address;
  /** Receives the initial supply. Default: the deployer. */
  treasury?: Address;
  /** Default: 1,000,000,000 OCX. */
  initialSupply?: bigint;
  /** Stake per committed GPU unit. Default: 100 OCX. */
  minStakePerGpu?: bigint;
  /** Seconds from an unstake request to its withdrawal. Default: 7 days. */
  unbondingDelay?: bigint;
  /** Protocol fee in basis points. Default: 250 (2.5 %). */
  feeBps?: number;
  /** Seconds a provider has to acknowledge a lease. Default: 120. */
  ackWindow?: number;
  /** Longest bidding period of a request. Default: 1 day. */
  maxBiddingWindow?: number;
  /** Where fees and slashed stake go; the zero address burns them. Default: burn. */
  feeSink?: Address;
}

const ZERO: Address = "0x0000000000000000000000000000000000000000";

/** The role that lets the marketplace set providers' GPU commitments in the registry. */
export const MARKET_ROLE = keccak256(toHex("MARKET_ROLE"));
/** The role that may slash providers. */
export const SLASHER_ROLE = keccak256(toHex("SLASHER_ROLE"));
/** The role that may mint OCX. */
export const MINTER_ROLE = keccak256(toHex("MINTER_ROLE"));

/**
 * Deploys OcxToken, ProviderRegistry and Marketplace from `walletClient`'s account, grants the
 * marketplace its registry role, and returns the deployment (write it with `writeDeployment`).
 * @example
 * const deployment = await deployOcx({ walletClient, publicClient }, { feeBps: 250 });
 * await writeDeployment(deployment);
 */
export async function deployOcx(
  clients: { walletClient: WalletClient<Transport, Chain, Account>; publicClient: PublicClient },
  parameters: DeployParameters = {},
): Promise<Deployment> {
  const { walletClient, publicClient } = clients;
  const deployer = walletClient.account.address;
  const admin = parameters.admin ?? deployer;
  const startBlock = Number(await publicClient.getBlockNumber()) + 1;

  const deployed = async (hash: `0x${string}`, what: string): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`deploying ${what} failed in transaction ${hash}`);
    }
    return getAddress(receipt.contractAddress);
  };

  // The token is told its two escrows (registry, marketplace), which never vote, by the addresses the next two
  // contract creations from this account get; checked once they exist.
  const nonce = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const registryAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + 1) });
  const marketplaceAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + 2) });
  const token = await deployed(
    await walletClient.deployContract({
      abi: ocxTokenAbi,
      bytecode: ocxTokenBytecode,
      args: [
        admin,
        parameters.treasury ?? deployer,
        parameters.initialSupply ?? parseEther("1000000000"),
        registryAt,
        marketplaceAt,
      ],
    }),
    "OcxToken",
  );
  const registry = await deployed(
    await walletClient.deployContract({
      abi: providerRegistryAbi,
      bytecode: providerRegistryBytecode,
      // The registry's admin must grant MARKET_ROLE below, so the deployer holds it first.
      args: [
        token,
        deployer,
        {
          minStakePerGpu: parameters.minStakePerGpu ?? parseEther("100"),
          unbondingDelay: parameters.unbondingDelay ?? 7n * 24n * 3600n,
          slashSink: parameters.feeSink ?? ZERO,
        },
      ],
    }),
    "ProviderRegistry",
  );
  const marketplace = await deployed(
    await walletClient.deployContract({
      abi: marketplaceAbi,
      bytecode: marketplaceBytecode,
      args: [
        token,
        registry,
        admin,
        {
          feeBps: parameters.feeBps ?? 250,
          ackWindow: parameters.ackWindow ?? 120,
          maxBiddingWindow: parameters.maxBiddingWindow ?? 24 * 3600,
          feeSink: parameters.feeSink ?? ZERO,
        },
      ],
    }),
    "Marketplace",
  );
  if (registry !== registryAt || marketplace !== marketplaceAt) {
    throw new Error(
      `the registry and marketplace were deployed at ${registry} and ${marketplace}, not at ${registryAt} and ${marketplaceAt} ` +
        `as the token was told: another transaction from ${deployer} took a nonce during the deployment; deploy again from an idle account`,
    );
  }

  const grant = await walletClient.writeContract({
    address: registry,
    abi: providerRegistryAbi,
    functionName: "grantRole",
    args: [MARKET_ROLE, marketplace],
  });
  await publicClient.waitForTransactionReceipt({ hash: grant });
  if (admin !== deployer) {
    // Hand the registry's roles to `admin`: the parameter role now; the admin role in two steps (the registry
    // refuses a one-step grant), which `admin` completes by calling `acceptDefaultAdminTransfer` on the registry.
    const parameterAdmin = await publicClient.readContract({
      address: registry,
      abi: providerRegistryAbi,
      functionName: "PARAMETER_ADMIN_ROLE",
    });
    for (const [functionName, role, account] of [
      ["grantRole", parameterAdmin, admin],
      ["renounceRole", parameterAdmin, deployer],
    ] as const) {
      const hash = await walletClient.writeContract({
        address: registry,
        abi: providerRegistryAbi,
        functionName,
        args: [role, account],
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }
    const hash = await walletClient.writeContract({
      address: registry,
      abi: providerRegistryAbi,
      functionName: "beginDefaultAdminTransfer",
      args: [admin],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }

  return { chainId: await publicClient.getChainId(), startBlock, token, registry, marketplace, deployer };
}
