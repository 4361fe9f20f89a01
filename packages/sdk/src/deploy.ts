// Deploys the OCX contracts (token, registry, marketplace, and the trust layer: validator registry, proof of
// compute, spot checks) to any EVM chain and wires their roles and the proof-of-compute model table.
import { challengeSize, GPU_MODELS } from "@ocx/proofs";
import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { getAddress, getContractAddress, keccak256, parseEther, toHex } from "viem";
import { type CreditsParameters, deployCredits, grantCreditsMinter } from "./credits/deployCredits.js";
import type { Deployment } from "./deployment.js";
import {
  emissionsAbi,
  inferenceRegistryAbi,
  marketplaceAbi,
  ocxTokenAbi,
  paymentChannelsAbi,
  proofChecksAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "./generated/abis.js";
import {
  emissionsBytecode,
  inferenceRegistryBytecode,
  marketplaceBytecode,
  ocxTokenBytecode,
  paymentChannelsBytecode,
  proofChecksBytecode,
  proofOfComputeBytecode,
  providerRegistryBytecode,
  spotChecksBytecode,
  validatorRegistryBytecode,
} from "./generated/bytecode.js";
import { deployGovernance, type GovernanceParameters } from "./governance/deployGovernance.js";
import { toLabel } from "./units.js";

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
  /** Free stake an admitted validator needs to be active. Default: 1,000 OCX. */
  validatorMinStake?: bigint;
  /** Seconds from a validator's unstake request to its withdrawal. Default: 7 days. */
  validatorUnbondingDelay?: bigint;
  /** ProofOfCompute parameters; each defaults as in {@link DEFAULT_PROOF_PARAMETERS}. */
  proofs?: Partial<ProofParameters>;
  /**
   * Size of the "cpu" model's challenge (CPU offers and tests). Default: n = 128, steps = 2; every GPU model
   * is sized by @ocx/proofs `challengeSize`.
   */
  cpuChallenge?: { n?: number; steps?: number };
  /** SpotChecks parameters; each defaults as in {@link DEFAULT_SPOT_CHECK_PARAMETERS}. */
  spotChecks?: Partial<SpotCheckParameters>;
  /** The emission schedule; each defaults as in {@link DEFAULT_EMISSION_SCHEDULE}. */
  emissions?: Partial<EmissionSchedule>;
  /**
   * Off by default. When given, the last step deploys OcxTimelock and OcxGovernor and moves every admin and
   * parameter role to the timelock (see `deployGovernance`, docs/governance.md); unset settings default as in
   * `DEFAULT_GOVERNANCE` (`DEVNET_GOVERNANCE` passes a proposal in seconds). Needs `admin` unset.
   */
  governance?: Partial<GovernanceParameters>;
  /**
   * The OCX/USD PriceFeed and OcxCredits, deployed before the Marketplace, which settles in credits ($1, 18
   * decimals): `deployment.paymentToken` is the credits' address (see `deployCredits`, docs/economy.md). Unset
   * settings default as in `DEFAULT_CREDITS` ($0.50 per OCX). `false` deploys no credits and the Marketplace
   * settles in OCX (`paymentToken` is the token). Default: `{}`.
   */
  credits?: Partial<CreditsParameters> | false;
  /**
   * Seconds a payer waits between asking to leave a payment channel and withdrawing (PaymentChannels'
   * immutable `unlockDelay`, 60 s to 30 days): a payee must redeem within it. Default: 3,600 (one hour).
   */
  paymentChannelsUnlockDelay?: number;
}

/** Emissions' schedule (contracts/src/Emissions.sol constructor): epoch 0 starts at deployment. */
export interface EmissionSchedule {
  /** Seconds per epoch (60 s to 366 days). */
  epochLength: number;
  /** OCX emitted by epoch 0, in the token's smallest unit (at most 1e9 OCX). */
  emission: bigint;
  /** Per-epoch decay in 1e18 fixed point (1e18 = 100 %). */
  decay: bigint;
}

/** One-week epochs, 1,000,000 OCX in the first, 2 % less each week (see docs/economy.md). */
export const DEFAULT_EMISSION_SCHEDULE: EmissionSchedule = {
  epochLength: 7 * 24 * 3600,
  emission: parseEther("1000000"),
  decay: parseEther("0.02"),
};

/** ProofOfCompute's parameters (contracts/src/interfaces/IProofOfCompute.sol `Parameters`). */
export interface ProofParameters {
  /** Validator stake locked per challenge (OCX wei). */
  challengeBond: bigint;
  /** Provider stake slashed per proven fault (OCX wei). */
  faultSlash: bigint;
  /** Share of the slash paid to whoever proved the fault, in basis points. */
  rewardBps: number;
  /** Seconds for each answer after the commitment (respond, attest, each dispute round). */
  responseWindow: number;
  /** Seconds an attestation stays valid. */
  attestationTtl: number;
  /** Rows opened per audit (k). */
  openedRows: number;
  /** Freivalds vectors per audit (t). */
  repetitions: number;
}

/** The parameters deployOcx gives ProofOfCompute unless told otherwise. */
export const DEFAULT_PROOF_PARAMETERS: ProofParameters = {
  challengeBond: parseEther("100"),
  faultSlash: parseEther("1000"),
  rewardBps: 5_000,
  responseWindow: 120,
  attestationTtl: 7 * 24 * 3600,
  openedRows: 64,
  repetitions: 2,
};

/** SpotChecks' parameters (contracts/src/interfaces/ISpotChecks.sol `Parameters`). */
export interface SpotCheckParameters {
  bond: bigint;
  slashAmount: bigint;
  rewardBps: number;
  quorum: number;
  escalatedQuorum: number;
  submitWindow: number;
  openWindow: number;
  replicationThreshold: number;
  minRatePpm: number;
}

/** The parameters deployOcx gives SpotChecks unless told otherwise (those of its tests). */
export const DEFAULT_SPOT_CHECK_PARAMETERS: SpotCheckParameters = {
  bond: parseEther("50"),
  slashAmount: parseEther("1000"),
  rewardBps: 5_000,
  quorum: 1,
  escalatedQuorum: 3,
  submitWindow: 3600,
  openWindow: 24 * 3600,
  replicationThreshold: 10,
  minRatePpm: 20_000,
};

/** The "cpu" model's challenge size on devnets and in tests. */
export const DEFAULT_CPU_CHALLENGE = { n: 128, steps: 2 } as const;

const ZERO: Address = "0x0000000000000000000000000000000000000000";

/** The role that lets the marketplace set providers' GPU commitments in the registry. */
export const MARKET_ROLE = keccak256(toHex("MARKET_ROLE"));
/** The role that may slash providers. */
export const SLASHER_ROLE = keccak256(toHex("SLASHER_ROLE"));
/** The role that may mint OCX. */
export const MINTER_ROLE = keccak256(toHex("MINTER_ROLE"));
/** The role that may change a contract's parameters (and ProofOfCompute's model table). */
export const PARAMETER_ADMIN_ROLE = keccak256(toHex("PARAMETER_ADMIN_ROLE"));
/** The role that may lock, release and forfeit validators' bonds (ProofOfCompute, SpotChecks). */
export const BOND_ROLE = keccak256(toHex("BOND_ROLE"));
/** The role that may admit and remove validators. */
export const VALIDATOR_ADMIN_ROLE = keccak256(toHex("VALIDATOR_ADMIN_ROLE"));
/** OpenZeppelin AccessControl's admin role. */
export const DEFAULT_ADMIN_ROLE = `0x${"00".repeat(32)}` as const;

/** One row of ProofOfCompute's model table: the bytes32 label of an offer's GPU model and its challenge size. */
export interface ModelTableEntry {
  /** The model id, e.g. "nvidia-h100-80gb", or "cpu". */
  model: string;
  label: `0x${string}`;
  n: number;
  steps: number;
  deadlineSeconds: number;
}

/**
 * The model table deployOcx writes: every @ocx/proofs GPU_MODELS entry sized by `challengeSize`, the
 * "cpu" entry at `cpu` (default n = 128, steps = 2).
 * @example
 * proofModelTable().find((m) => m.model === "cpu"); // { n: 128, steps: 2, deadlineSeconds: 11, … }
 */
export function proofModelTable(cpu: { n?: number; steps?: number } = {}): ModelTableEntry[] {
  return Object.keys(GPU_MODELS).map((model) => {
    const size =
      model === "cpu"
        ? challengeSize(model, { n: cpu.n ?? DEFAULT_CPU_CHALLENGE.n, steps: cpu.steps ?? DEFAULT_CPU_CHALLENGE.steps })
        : challengeSize(model);
    return { model, label: toLabel(model), n: size.n, steps: size.steps, deadlineSeconds: size.deadlineSeconds };
  });
}

/**
 * Deploys OcxToken, ProviderRegistry, the OCX/USD PriceFeed and OcxCredits (unless `credits: false`), the
 * Marketplace (settling in credits: `paymentToken`), ValidatorRegistry, ProofOfCompute, SpotChecks and Emissions
 * from `walletClient`'s account, grants the marketplace its registry role, ProofOfCompute and SpotChecks
 * SLASHER_ROLE (provider registry) and BOND_ROLE (validator registry), fills ProofOfCompute's model table
 * ({@link proofModelTable}), and returns the deployment (write it with `writeDeployment`). With `admin` other
 * than the deployer, every role ends with `admin` (the two-step admin transfers wait for its acceptance).
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
  if (parameters.governance && admin !== deployer) {
    throw new Error(
      `deployOcx: governance moves the deployer's roles to the timelock, but admin is ${admin}; leave admin unset with governance`,
    );
  }
  const startBlock = Number(await publicClient.getBlockNumber()) + 1;

  const deployed = async (hash: `0x${string}`, what: string): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`deploying ${what} failed in transaction ${hash}`);
    }
    return getAddress(receipt.contractAddress);
  };

  // The token is told its two escrows (registry, marketplace), which never vote, by the addresses their contract
  // creations from this account get: token, registry, [feed, credits,] marketplace; checked once they exist.
  const creditsParameters = parameters.credits === false ? undefined : (parameters.credits ?? {});
  const nonce = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const registryAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + 1) });
  const marketplaceAt = getContractAddress({ from: deployer, nonce: BigInt(nonce + (creditsParameters ? 4 : 2)) });
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
  // Compute credits and their oracle (two creations), so the Marketplace can settle in credits.
  const credits = creditsParameters ? await deployCredits(clients, { token, admin }, creditsParameters) : undefined;
  const paymentToken = credits?.credits ?? token;
  const marketplace = await deployed(
    await walletClient.deployContract({
      abi: marketplaceAbi,
      bytecode: marketplaceBytecode,
      args: [
        paymentToken,
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

  // The trust layer, after the marketplace so the token's predicted escrow addresses above stay right. The
  // deployer administers the validator registry and ProofOfCompute until the roles and the model table are set.
  const validatorRegistry = await deployed(
    await walletClient.deployContract({
      abi: validatorRegistryAbi,
      bytecode: validatorRegistryBytecode,
      args: [
        token,
        deployer,
        {
          minStake: parameters.validatorMinStake ?? parseEther("1000"),
          unbondingDelay: parameters.validatorUnbondingDelay ?? 7n * 24n * 3600n,
        },
      ],
    }),
    "ValidatorRegistry",
  );
  // ProofMath's larger checks live in their own contract, which keeps ProofOfCompute under the code size limit.
  const proofChecks = await deployed(
    await walletClient.deployContract({ abi: proofChecksAbi, bytecode: proofChecksBytecode }),
    "ProofChecks",
  );
  const proofParameters = { ...DEFAULT_PROOF_PARAMETERS, ...parameters.proofs };
  const proofOfCompute = await deployed(
    await walletClient.deployContract({
      abi: proofOfComputeAbi,
      bytecode: proofOfComputeBytecode,
      args: [registry, validatorRegistry, proofChecks, deployer, proofParameters],
    }),
    "ProofOfCompute",
  );
  const spotChecks = await deployed(
    await walletClient.deployContract({
      abi: spotChecksAbi,
      bytecode: spotChecksBytecode,
      args: [
        marketplace,
        validatorRegistry,
        registry,
        token,
        admin,
        { ...DEFAULT_SPOT_CHECK_PARAMETERS, ...parameters.spotChecks },
      ],
    }),
    "SpotChecks",
  );
  const schedule = { ...DEFAULT_EMISSION_SCHEDULE, ...parameters.emissions };
  const emissions = await deployed(
    await walletClient.deployContract({
      abi: emissionsAbi,
      bytecode: emissionsBytecode,
      args: [
        token,
        marketplace,
        registry,
        proofOfCompute,
        admin,
        0n,
        schedule.epochLength,
        schedule.emission,
        schedule.decay,
      ],
    }),
    "Emissions",
  );
  // A directory of inference endpoints: no roles, no parameters, nothing else depends on its address.
  const inferenceRegistry = await deployed(
    await walletClient.deployContract({ abi: inferenceRegistryAbi, bytecode: inferenceRegistryBytecode }),
    "InferenceRegistry",
  );
  // Pay-per-request channels in the payment token: no roles, the token and delay fixed (docs/payments.md).
  const paymentChannels = await deployed(
    await walletClient.deployContract({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [paymentToken, BigInt(parameters.paymentChannelsUnlockDelay ?? 3_600)],
    }),
    "PaymentChannels",
  );

  const confirm = async (hash: Hash, what: string) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${what} failed in transaction ${hash}`);
  };
  const grantIn = async (
    contract: Address,
    abi: typeof providerRegistryAbi | typeof validatorRegistryAbi,
    functionName: "grantRole" | "renounceRole" | "beginDefaultAdminTransfer",
    args: readonly [`0x${string}`, Address] | readonly [Address],
    what: string,
  ) => {
    // Both ABIs share these AccessControl functions; viem cannot narrow a union of ABIs, hence the cast.
    const hash = await walletClient.writeContract({
      address: contract,
      abi: abi as typeof providerRegistryAbi,
      functionName: functionName as "grantRole",
      args: args as readonly [`0x${string}`, Address],
    });
    await confirm(hash, what);
  };

  await grantIn(registry, providerRegistryAbi, "grantRole", [MARKET_ROLE, marketplace], "granting MARKET_ROLE");
  for (const slasher of [proofOfCompute, spotChecks]) {
    await grantIn(registry, providerRegistryAbi, "grantRole", [SLASHER_ROLE, slasher], "granting SLASHER_ROLE");
    await grantIn(validatorRegistry, validatorRegistryAbi, "grantRole", [BOND_ROLE, slasher], "granting BOND_ROLE");
  }
  if (admin === deployer) {
    // Emissions mints on claim. The token's admin is `admin` from its construction: a different admin grants
    // MINTER_ROLE to Emissions itself (docs/economy.md).
    await confirm(
      await walletClient.writeContract({
        address: token,
        abi: ocxTokenAbi,
        functionName: "grantRole",
        args: [MINTER_ROLE, emissions],
      }),
      "granting MINTER_ROLE to Emissions",
    );
    // OcxCredits mints OCX on redemption; a different admin grants it too.
    if (credits) await grantCreditsMinter(clients, { token, credits: credits.credits });
  }
  for (const entry of proofModelTable(parameters.cpuChallenge)) {
    const hash = await walletClient.writeContract({
      address: proofOfCompute,
      abi: proofOfComputeAbi,
      functionName: "setModel",
      args: [entry.label, entry.n, entry.steps, entry.deadlineSeconds],
    });
    await confirm(hash, `setting the challenge size of ${entry.model}`);
  }

  if (admin !== deployer) {
    // Hand every role to `admin`: the plain roles now; the registries' admin role in two steps (they refuse a
    // one-step grant), which `admin` completes by calling `acceptDefaultAdminTransfer` on each registry; and
    // ProofOfCompute's single admin in two steps too, which `admin` completes by calling its `acceptAdmin`.
    const handOver: [Address, typeof providerRegistryAbi | typeof validatorRegistryAbi, `0x${string}`[]][] = [
      [registry, providerRegistryAbi, [PARAMETER_ADMIN_ROLE]],
      [validatorRegistry, validatorRegistryAbi, [PARAMETER_ADMIN_ROLE, VALIDATOR_ADMIN_ROLE]],
    ];
    for (const [contract, abi, roles] of handOver) {
      for (const role of roles)
        await grantIn(contract, abi, "grantRole", [role, admin], `granting ${role} to ${admin}`);
      for (const role of roles) await grantIn(contract, abi, "renounceRole", [role, deployer], `renouncing ${role}`);
    }
    await confirm(
      await walletClient.writeContract({
        address: proofOfCompute,
        abi: proofOfComputeAbi,
        functionName: "transferAdmin",
        args: [admin],
      }),
      "proposing ProofOfCompute's admin",
    );
    await grantIn(
      registry,
      providerRegistryAbi,
      "beginDefaultAdminTransfer",
      [admin],
      "proposing the registry's admin",
    );
    await grantIn(
      validatorRegistry,
      validatorRegistryAbi,
      "beginDefaultAdminTransfer",
      [admin],
      "proposing the validator registry's admin",
    );
  }

  // Last: governance takes every admin role from the deployer (only when asked for; off by default).
  const governance = parameters.governance
    ? await deployGovernance(
        clients,
        { token, registry, marketplace, validatorRegistry, proofOfCompute, spotChecks, emissions, ...credits },
        parameters.governance,
      )
    : undefined;

  return {
    ...governance,
    ...credits,
    chainId: await publicClient.getChainId(),
    startBlock,
    token,
    registry,
    marketplace,
    paymentToken,
    validatorRegistry,
    proofOfCompute,
    spotChecks,
    emissions,
    inferenceRegistry,
    paymentChannels,
    deployer,
  };
}
