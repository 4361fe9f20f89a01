// The last step of an OCX deployment with governance: the OcxTimelock and OcxGovernor, and every admin and
// parameter role of every OCX contract moved from the deployer to the timelock.
import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { encodeFunctionData, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import type { Deployment } from "../deployment.js";
import {
  marketplaceAbi,
  ocxGovernorAbi,
  ocxTimelockAbi,
  ocxTokenAbi,
  priceFeedAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
} from "../generated/abis.js";
import { ocxGovernorBytecode, ocxTimelockBytecode } from "../generated/bytecode.js";

/** Governance's settings. The voting delay and period count blocks (the token's clock); the timelock's delay seconds. */
export interface GovernanceParameters {
  /** Blocks from a proposal to the snapshot its votes are counted at. Default: 7,200 (about a day of 12 s blocks). */
  votingDelay: number;
  /** Blocks a vote stays open. Default: 50,400 (about a week). */
  votingPeriod: number;
  /** Delegated votes a proposer needs, in the token's smallest unit. Default: 100,000 OCX. */
  proposalThreshold: bigint;
  /** Percent of the total supply that must vote for or abstain. Default: 4. */
  quorumPercent: number;
  /** Seconds from queueing to executing a passed proposal. Default: 2 days. */
  timelockDelay: bigint;
  /** Who may pause the marketplace without a vote (Marketplace.setGuardian); governance can replace it. Default: the deployer. */
  guardian?: Address;
}

/** Mainnet-like defaults; see {@link DEVNET_GOVERNANCE} for a chain where a proposal completes in seconds. */
export const DEFAULT_GOVERNANCE: GovernanceParameters = {
  votingDelay: 7_200,
  votingPeriod: 50_400,
  proposalThreshold: parseEther("100000"),
  quorumPercent: 4,
  timelockDelay: 2n * 24n * 3600n,
};

/**
 * Devnet (`ocx devnet`, tests): one block of delay, a 30-block vote (half a minute on a devnet, which mines a block
 * each second) and a 10 s timelock; tests pass a proposal by mining the blocks.
 */
export const DEVNET_GOVERNANCE: GovernanceParameters = {
  votingDelay: 1,
  votingPeriod: 30,
  proposalThreshold: parseEther("1000"),
  quorumPercent: 4,
  timelockDelay: 10n,
};

const role = (name: string) => keccak256(toHex(name));
const PROPOSER_ROLE = role("PROPOSER_ROLE");
const EXECUTOR_ROLE = role("EXECUTOR_ROLE");
const CANCELLER_ROLE = role("CANCELLER_ROLE");
const DEFAULT_ADMIN_ROLE = `0x${"00".repeat(32)}` as const;
/** AccessControlEnforcedDefaultAdminDelay(uint48): a default-admin transfer accepted in its own second. */
const ADMIN_DELAY_SELECTOR = "0x19ca5ebb";

/** The contracts `deployGovernance` hands to the timelock: those of a deployment, governance's own aside. */
export type GovernedContracts = Pick<Deployment, "token" | "registry" | "marketplace"> &
  Partial<
    Pick<Deployment, "validatorRegistry" | "proofOfCompute" | "spotChecks" | "emissions" | "credits" | "priceFeed">
  >;

/** The addresses `deployGovernance` adds to a deployment. */
export interface GovernanceDeployment {
  governor: Address;
  timelock: Address;
}

/**
 * Deploys the OcxTimelock and OcxGovernor and moves every role the deployer holds in the OCX contracts to the
 * timelock: Marketplace's and ProofOfCompute's single admin (two steps: the deployer proposes, the timelock
 * accepts), the default admin of the token, the registries, SpotChecks, Emissions and OcxCredits (two steps, delay
 * 0), their parameter, validator and schedule roles (granted to the timelock, renounced by the deployer), and the
 * devnet price feed's admin (which appoints its updaters; the updater itself stays). The timelock accepts at once: it starts with
 * a zero delay and the deployer as its only proposer and executor, runs the accepts and its own `updateDelay` in
 * one batch, and then the deployer gives those roles to the governor (proposer, canceller) and to anyone
 * (executor) and renounces them and the timelock's admin. The deployer keeps the marketplace's guardian (pause)
 * unless `guardian` names another, and delegates its own tokens to itself so it can propose and vote.
 *
 * The deployer must hold every role (deploy with `admin` unset). Roles granted to contracts (MARKET_ROLE,
 * SLASHER_ROLE, BOND_ROLE, MINTER_ROLE) stay as they are.
 * @example
 * const deployment = await deployOcx({ walletClient, publicClient }, { governance: DEVNET_GOVERNANCE });
 * deployment.governor; // "0x…"
 */
export async function deployGovernance(
  clients: { walletClient: WalletClient<Transport, Chain, Account>; publicClient: PublicClient },
  deployment: GovernedContracts,
  settings: Partial<GovernanceParameters> = {},
): Promise<GovernanceDeployment> {
  const { walletClient, publicClient } = clients;
  const deployer = walletClient.account.address;
  const p = { ...DEFAULT_GOVERNANCE, ...settings };
  const confirm = async (hash: Hash, what: string) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`governance deployment: ${what} failed in transaction ${hash}`);
    return receipt;
  };
  const deployed = async (hash: Hash, what: string) => {
    const receipt = await confirm(hash, `deploying ${what}`);
    if (!receipt.contractAddress)
      throw new Error(`governance deployment: ${what} has no address (transaction ${hash})`);
    return getAddress(receipt.contractAddress);
  };

  const timelock = await deployed(
    await walletClient.deployContract({
      abi: ocxTimelockAbi,
      bytecode: ocxTimelockBytecode,
      args: [0n, [deployer], [deployer], deployer],
    }),
    "OcxTimelock",
  );
  const governor = await deployed(
    await walletClient.deployContract({
      abi: ocxGovernorAbi,
      bytecode: ocxGovernorBytecode,
      args: [deployment.token, timelock, p.votingDelay, p.votingPeriod, p.proposalThreshold, BigInt(p.quorumPercent)],
    }),
    "OcxGovernor",
  );

  // AccessControlDefaultAdminRules contracts: plain roles granted then renounced, the default admin in two steps.
  // The ABIs share these functions; viem cannot narrow a union of ABIs, hence one ABI for all.
  const accessControlled: [Address | undefined, string, string[]][] = [
    [deployment.token, "OcxToken", []],
    [deployment.registry, "ProviderRegistry", ["PARAMETER_ADMIN_ROLE"]],
    [deployment.validatorRegistry, "ValidatorRegistry", ["PARAMETER_ADMIN_ROLE", "VALIDATOR_ADMIN_ROLE"]],
    [deployment.spotChecks, "SpotChecks", ["PARAMETER_ADMIN_ROLE"]],
    [deployment.emissions, "Emissions", ["SCHEDULE_ROLE"]],
    [deployment.credits, "OcxCredits", ["PARAMETER_ROLE"]],
  ];
  const accepts: { target: Address; data: `0x${string}` }[] = [];
  const send = async (address: Address, functionName: string, args: readonly unknown[], what: string) =>
    confirm(
      await walletClient.writeContract({
        address,
        abi: providerRegistryAbi,
        functionName: functionName as "grantRole",
        args: args as readonly [`0x${string}`, Address],
      }),
      what,
    );
  for (const [address, name, roles] of accessControlled) {
    if (!address) continue;
    for (const roleName of roles) {
      await send(address, "grantRole", [role(roleName), timelock], `granting ${name}'s ${roleName} to the timelock`);
      await send(address, "renounceRole", [role(roleName), deployer], `renouncing ${name}'s ${roleName}`);
    }
    await send(address, "beginDefaultAdminTransfer", [timelock], `proposing the timelock as ${name}'s admin`);
    accepts.push({
      target: address,
      data: encodeFunctionData({ abi: providerRegistryAbi, functionName: "acceptDefaultAdminTransfer" }),
    });
  }

  if (deployment.priceFeed) {
    // The devnet feed is plain AccessControl: its admin (who appoints updaters) moves in one step. The updater, who
    // posts prices, stays where deployCredits put it (the deployer on a devnet): it is no parameter.
    for (const [functionName, who, what] of [
      ["grantRole", timelock, "granting PriceFeed's admin role to the timelock"],
      ["renounceRole", deployer, "renouncing PriceFeed's admin role"],
    ] as const) {
      await confirm(
        await walletClient.writeContract({
          address: deployment.priceFeed,
          abi: priceFeedAbi,
          functionName,
          args: [DEFAULT_ADMIN_ROLE, who],
        }),
        what,
      );
    }
  }

  await confirm(
    await walletClient.writeContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "setGuardian",
      args: [p.guardian ?? deployer],
    }),
    "appointing the marketplace's guardian",
  );
  await confirm(
    await walletClient.writeContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "transferAdmin",
      args: [timelock],
    }),
    "proposing the timelock as the marketplace's admin",
  );
  accepts.push({
    target: deployment.marketplace,
    data: encodeFunctionData({ abi: marketplaceAbi, functionName: "acceptAdmin" }),
  });
  if (deployment.proofOfCompute) {
    await confirm(
      await walletClient.writeContract({
        address: deployment.proofOfCompute,
        abi: proofOfComputeAbi,
        functionName: "transferAdmin",
        args: [timelock],
      }),
      "proposing the timelock as ProofOfCompute's admin",
    );
    accepts.push({
      target: deployment.proofOfCompute,
      data: encodeFunctionData({ abi: proofOfComputeAbi, functionName: "acceptAdmin" }),
    });
  }
  // Last in the batch: the timelock's own delay, which only the timelock may set.
  accepts.push({
    target: timelock,
    data: encodeFunctionData({ abi: ocxTimelockAbi, functionName: "updateDelay", args: [p.timelockDelay] }),
  });

  const targets = accepts.map((a) => a.target);
  const values = accepts.map(() => 0n);
  const payloads = accepts.map((a) => a.data);
  const salt = keccak256(toHex("ocx deployment: the timelock accepts its roles"));
  await confirm(
    await walletClient.writeContract({
      address: timelock,
      abi: ocxTimelockAbi,
      functionName: "scheduleBatch",
      args: [targets, values, payloads, DEFAULT_ADMIN_ROLE, salt, 0n],
    }),
    "scheduling the timelock's accepts",
  );
  // A default-admin transfer with delay 0 is accepted only in a block later in time than the one that began it
  // (OpenZeppelin: schedule < block.timestamp), and anvil mines blocks within a second with one timestamp: wait
  // for the chain's clock to move on (at most 30 s), retrying only that error.
  const execute = () =>
    walletClient.writeContract({
      address: timelock,
      abi: ocxTimelockAbi,
      functionName: "executeBatch",
      args: [targets, values, payloads, DEFAULT_ADMIN_ROLE, salt],
    });
  const deadline = Date.now() + 30_000;
  let executed: Hash | undefined;
  while (!executed) {
    try {
      executed = await execute();
    } catch (error) {
      const tooEarly = String((error as Error).message).includes(ADMIN_DELAY_SELECTOR);
      if (!tooEarly || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await confirm(executed, "the timelock accepting the admin roles");

  const timelockRole = async (functionName: "grantRole" | "revokeRole", r: `0x${string}`, who: Address, what: string) =>
    confirm(
      await walletClient.writeContract({ address: timelock, abi: ocxTimelockAbi, functionName, args: [r, who] }),
      what,
    );
  await timelockRole("grantRole", PROPOSER_ROLE, governor, "making the governor the timelock's proposer");
  await timelockRole("grantRole", CANCELLER_ROLE, governor, "making the governor the timelock's canceller");
  await timelockRole("grantRole", EXECUTOR_ROLE, zeroAddress, "letting anyone execute ready operations");
  for (const r of [PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
    await timelockRole("revokeRole", r, deployer, "removing the deployer from the timelock");
  }
  await confirm(
    await walletClient.writeContract({
      address: timelock,
      abi: ocxTimelockAbi,
      functionName: "renounceRole",
      args: [DEFAULT_ADMIN_ROLE, deployer],
    }),
    "the deployer renouncing the timelock's admin",
  );

  // The deployer's own tokens vote only once delegated; a devnet deployer holds the supply and so passes proposals.
  const balance = await publicClient.readContract({
    address: deployment.token,
    abi: ocxTokenAbi,
    functionName: "balanceOf",
    args: [deployer],
  });
  if (balance > 0n) {
    await confirm(
      await walletClient.writeContract({
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "delegate",
        args: [deployer],
      }),
      "delegating the deployer's votes to itself",
    );
  }
  return { governor, timelock };
}
