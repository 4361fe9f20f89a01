// Governance on a real anvil: deployOcx with governance hands every role to the timelock; one proposal changes the
// fee, the guardian, the oracle, the spread, the emission, grants a role and resizes a proof model through delegate,
// propose, vote, queue, the timelock's delay and execute; once executed it is still told against the values before
// it; the next lease pays the new fee; a fee over the marketplace's bound fails at execution with its own error;
// wrong roles and model sizes are refused before any transaction.
import {
  type Abi,
  type AbiFunction,
  type Address,
  getAddress,
  type Hex,
  keccak256,
  parseAbi,
  stringToHex,
  zeroAddress,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLeaseEvents } from "../actions/events.js";
import { castVoteSync } from "../actions/governance/castVoteSync.js";
import { delegateVotesSync } from "../actions/governance/delegateVotes.js";
import { listProposals } from "../actions/governance/listProposals.js";
import { proposeSync } from "../actions/governance/proposeSync.js";
import { executeProposalSync, queueProposalSync } from "../actions/governance/queueProposalSync.js";
import { acknowledgeLeaseSync } from "../actions/marketplace/acknowledgeLease.js";
import { postOfferSync } from "../actions/marketplace/postOffer.js";
import { settleLeaseSync } from "../actions/marketplace/settleLease.js";
import { takeOfferSync } from "../actions/marketplace/takeOffer.js";
import { registerProviderSync } from "../actions/registry/registerProvider.js";
import { stakeSync } from "../actions/registry/stake.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { OcxContractError } from "../errors.js";
import {
  emissionsAbi,
  marketplaceAbi,
  ocxCreditsAbi,
  ocxTimelockAbi,
  ocxTokenAbi,
  priceFeedAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "../generated/abis.js";
import { priceFeedBytecode } from "../generated/bytecode.js";
import { toLabel } from "../units.js";
import { DEVNET_GOVERNANCE } from "./deployGovernance.js";
import { describeCall, explainProposal } from "./describeCall.js";
import { GovernanceParameterError } from "./governed.js";
import { encodeParameterChange } from "./parameters.js";
import { encodeModelChange } from "./proofModels.js";
import { encodeRoleChange } from "./roles.js";

const PRICE = 10n ** 15n;
/** OpenZeppelin AccessControl's `hasRole`, common to every role-holding OCX contract. */
const accessControlAbi = parseAbi(["function hasRole(bytes32 role, address account) view returns (bool)"]);
const DEPOSIT = PRICE * 3600n;

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet({ governance: DEVNET_GOVERNANCE, credits: {} });
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

/** Mines `blocks` blocks, `seconds` apart. */
async function mine(blocks: number, seconds = 1) {
  await net.publicClient.request({
    method: "anvil_mine",
    params: [`0x${blocks.toString(16)}`, `0x${seconds.toString(16)}`],
  } as never);
}

describe("deployOcx with governance", () => {
  it("leaves the deployer no admin or parameter role in any contract: the timelock holds them", async () => {
    const { deployment, publicClient: client } = net;
    const timelock = deployment.timelock as Address;
    const deployer = deployment.deployer;
    expect(deployment.governor).toBeDefined();
    expect(deployment.credits).toBeDefined();

    // Single-admin contracts: the timelock is admin, nothing pending; the marketplace's guardian is the deployer.
    expect(
      await client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "roles" }),
    ).toEqual([timelock, zeroAddress, deployer]);
    expect(
      await client.readContract({
        address: deployment.proofOfCompute as Address,
        abi: proofOfComputeAbi,
        functionName: "roles",
      }),
    ).toEqual([timelock, zeroAddress]);

    // AccessControl contracts: every role the ABI declares (each `…_ROLE()` constant), checked for both.
    const accessControlled: [string, Address | undefined, Abi][] = [
      ["OcxToken", deployment.token, ocxTokenAbi],
      ["ProviderRegistry", deployment.registry, providerRegistryAbi],
      ["ValidatorRegistry", deployment.validatorRegistry, validatorRegistryAbi],
      ["SpotChecks", deployment.spotChecks, spotChecksAbi],
      ["Emissions", deployment.emissions, emissionsAbi],
      ["OcxCredits", deployment.credits, ocxCreditsAbi],
      ["PriceFeed", deployment.priceFeed, priceFeedAbi],
      ["OcxTimelock", timelock, ocxTimelockAbi],
    ];
    // Roles held by contracts (MINTER, SLASHER, MARKET, BOND), by the governor (the timelock's proposer and
    // canceller) or by anyone (executor), and the devnet feed's updater, which stays with the deployer.
    const notTimelocks = new Set([
      "MINTER_ROLE",
      "SLASHER_ROLE",
      "MARKET_ROLE",
      "BOND_ROLE",
      "UPDATER_ROLE",
      "PROPOSER_ROLE",
      "CANCELLER_ROLE",
      "EXECUTOR_ROLE",
    ]);
    const held: string[] = [];
    for (const [name, address, abi] of accessControlled) {
      if (!address) throw new Error(`the deployment has no ${name}`);
      const roleNames = abi
        .filter((i): i is AbiFunction => i.type === "function" && i.name.endsWith("_ROLE") && i.inputs.length === 0)
        .map((i) => i.name);
      expect(roleNames, name).toContain("DEFAULT_ADMIN_ROLE");
      for (const roleName of roleNames) {
        const role = (await client.readContract({ address, abi, functionName: roleName })) as Hex;
        for (const who of [deployer, timelock]) {
          const has = await client.readContract({
            address,
            abi: accessControlAbi,
            functionName: "hasRole",
            args: [role, who],
          });
          if (has) held.push(`${name}.${roleName} ${who === deployer ? "deployer" : "timelock"}`);
        }
        if (!notTimelocks.has(roleName)) expect(held, `${name}.${roleName}`).toContain(`${name}.${roleName} timelock`);
      }
    }
    expect(held.filter((h) => h.endsWith("deployer"))).toEqual(["PriceFeed.UPDATER_ROLE deployer"]);
    // Two-step admins: none left pending.
    for (const [name, address] of accessControlled.slice(0, 6)) {
      expect(
        await client.readContract({
          address: address as Address,
          abi: providerRegistryAbi,
          functionName: "defaultAdmin",
        }),
        name,
      ).toBe(timelock);
      const [pending] = await client.readContract({
        address: address as Address,
        abi: providerRegistryAbi,
        functionName: "pendingDefaultAdmin",
      });
      expect(pending, name).toBe(zeroAddress);
    }
    expect(await client.readContract({ address: timelock, abi: ocxTimelockAbi, functionName: "getMinDelay" })).toBe(
      DEVNET_GOVERNANCE.timelockDelay,
    );
  });
});

describe("a proposal's life", () => {
  it("changes the protocol fee and the next settlement pays it; out of bounds fails at execution", async () => {
    const { deployment, publicClient: client } = net;
    const voter = net.wallet(0); // the deployer: delegated to itself by deployOcx
    const minnow = net.wallet(1);
    await delegateVotesSync(minnow, { deployment, delegatee: minnow.account.address });

    await expect(
      encodeParameterChange(client, { deployment, parameter: "marketplace.fee", value: "1" }),
    ).rejects.toThrow(
      /Marketplace has no parameter "fee"; its parameters: feeBps, ackWindow, maxBiddingWindow, feeSink/,
    );
    await expect(
      encodeParameterChange(client, { deployment, parameter: "market.feeBps", value: "1" }),
    ).rejects.toBeInstanceOf(GovernanceParameterError);
    const fee = await encodeParameterChange(client, { deployment, parameter: "marketplace.feeBps", value: "500" });
    expect(fee.summary).toBe("Marketplace.setParameters: feeBps 250 → 500");
    const tooHigh = await encodeParameterChange(client, { deployment, parameter: "marketplace.feeBps", value: "2000" });

    // Too few votes to propose: a decoded governor error.
    const small = await proposeSync(minnow, { deployment, calls: [fee.call], description: "small" }).catch(
      (e: unknown) => e,
    );
    expect(small).toBeInstanceOf(OcxContractError);
    expect((small as OcxContractError).errorName).toBe("GovernorInsufficientProposerVotes");

    // Governance appoints (and so can replace) the guardian who may pause the marketplace, and picks the oracle.
    const guardian = net.wallet(4).account.address;
    const appoint = await encodeParameterChange(client, {
      deployment,
      parameter: "marketplace.guardian",
      value: guardian,
    });
    expect(appoint.summary).toBe(`Marketplace.setGuardian: guardian ${deployment.deployer} → ${guardian}`);
    const feedHash = await voter.deployContract({
      abi: priceFeedAbi,
      bytecode: priceFeedBytecode,
      args: [voter.account.address, voter.account.address, 8, "OCX / USD (next)", 60_000_000n],
    });
    const newFeed = getAddress((await client.waitForTransactionReceipt({ hash: feedHash })).contractAddress as Address);
    const oracle = await encodeParameterChange(client, { deployment, parameter: "credits.feed", value: newFeed });
    expect(oracle.summary).toBe(`OcxCredits.setFeed: feed ${deployment.priceFeed} → ${newFeed}`);
    // Credits' spread and Emissions' schedule are governance's too.
    const spread = await encodeParameterChange(client, { deployment, parameter: "credits.spreadBps", value: "80" });
    expect(spread.summary).toBe("OcxCredits.setParameters: spreadBps 50 → 80");
    const emission = await encodeParameterChange(client, {
      deployment,
      parameter: "emissions.emission",
      value: "500000000000000000000000",
    });
    expect(emission.summary).toBe(
      "Emissions.setSchedule (from the next epoch): emission 1000000000000000000000000 → 500000000000000000000000",
    );
    // Roles and the proof model table, from words; refused before any transaction when wrong, with what is valid.
    const validator = getAddress(keccak256(stringToHex("a validator admin")).slice(0, 42));
    const role = (contract: string, name: string, action: "grant" | "revoke" = "grant") =>
      encodeRoleChange(client, { deployment, action, contract, role: name, account: validator });
    await expect(role("validatorRegistry", "VALIDATOR_ADMIN")).rejects.toThrow(
      'ValidatorRegistry has no role "VALIDATOR_ADMIN"; its roles: BOND_ROLE, DEFAULT_ADMIN_ROLE, PARAMETER_ADMIN_ROLE, VALIDATOR_ADMIN_ROLE',
    );
    await expect(role("marketplace", "PARAMETER_ADMIN_ROLE")).rejects.toThrow(/^Marketplace has no roles/);
    await expect(role("token", "DEFAULT_ADMIN_ROLE")).rejects.toThrow(/changes hands only in two steps/);
    await expect(role("OcxToken", "MINTER_ROLE", "revoke")).rejects.toThrow(
      `${validator} does not hold OcxToken's MINTER_ROLE: the proposal would change nothing`,
    );
    await expect(role("nowhere", "MINTER_ROLE")).rejects.toBeInstanceOf(GovernanceParameterError);
    const grant = await role("validatorRegistry", "validator_admin_role");
    expect(grant.summary).toBe(`ValidatorRegistry.grantRole: VALIDATOR_ADMIN_ROLE of ${validator} not held → held`);
    const model = (m: Omit<Parameters<typeof encodeModelChange>[1], "deployment">) =>
      encodeModelChange(client, { deployment, ...m });
    await expect(model({ model: "cpu", n: 130 })).rejects.toThrow(
      "cpu: n = 130 must be a multiple of 4 from 4 to 1048576",
    );
    await expect(model({ model: "cpu", steps: 0 })).rejects.toThrow("steps (L) = 0 must be from 1 to 1024");
    await expect(model({ model: "cpu", n: 600_000 })).rejects.toThrow(/int32 sums overflow/);
    await expect(model({ model: "cpu", deadlineSeconds: 86_401 })).rejects.toThrow(
      "deadline = 86401 s must be from 1 to 86400",
    );
    await expect(model({ model: "amd-mi300x" })).rejects.toThrow(/does not know the GPU model "amd-mi300x"/);
    await expect(model({ model: "cpu" })).rejects.toThrow(/already n 128, steps 2, deadline 11 s/);
    await expect(model({ model: "amd-mi300x", remove: true })).rejects.toThrow(/not in the model table/);
    const resize = await model({ model: "cpu", n: 256, steps: 3 });
    expect(resize.summary).toBe("ProofOfCompute.setModel: cpu.n 128 → 256, cpu.steps 2 → 3");
    const proposals = [
      {
        calls: [fee.call, appoint.call, oracle.call, spread.call, emission.call, grant.call, resize.call],
        description:
          "Protocol fee 2.5 % → 5 %, a new guardian and oracle, spread 0.8 %, half the emission, a validator admin, larger CPU challenges",
      },
      { calls: [tooHigh.call], description: "Protocol fee 20 %" },
    ];
    const ids: bigint[] = [];
    for (const p of proposals) ids.push((await proposeSync(voter, { deployment, ...p })).event.proposalId);
    expect((await listProposals(client, { deployment })).map((p) => p.state)).toEqual(["pending", "pending"]);
    await mine(DEVNET_GOVERNANCE.votingDelay + 1);
    for (const proposalId of ids) {
      const { event } = await castVoteSync(voter, { deployment, proposalId, support: "for", reason: "test" });
      expect(event.weight > 0n).toBe(true);
    }
    await mine(DEVNET_GOVERNANCE.votingPeriod);
    const [listed] = await listProposals(client, { deployment, proposalId: ids[0] });
    expect(listed).toMatchObject({ state: "succeeded", description: proposals[0]?.description });
    expect(listed?.votes.for).toBeGreaterThanOrEqual(listed?.quorum ?? 0n);
    expect(await describeCall(client, { deployment, call: listed?.calls[0] as never })).toBe(fee.summary);

    for (const p of proposals) await queueProposalSync(voter, { deployment, ...p });
    // Before the timelock's delay: the timelock's own error.
    const early = await executeProposalSync(voter, {
      deployment,
      ...(proposals[0] as (typeof proposals)[number]),
    }).catch((e: unknown) => e);
    expect((early as OcxContractError).errorName).toBe("TimelockUnexpectedOperationState");
    await mine(1, Number(DEVNET_GOVERNANCE.timelockDelay) + 1);

    // Anyone executes.
    await executeProposalSync(minnow, { deployment, ...(proposals[0] as (typeof proposals)[number]) });
    const [now] = await listProposals(client, { deployment, proposalId: ids[0] });
    expect(now?.state).toBe("executed");
    const parameters = await client.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "parameters",
    });
    expect(parameters.feeBps).toBe(500);
    const [, , newGuardian] = await client.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "roles",
    });
    expect(newGuardian).toBe(guardian);
    const creditsParameters = await client.readContract({
      address: deployment.credits as Address,
      abi: ocxCreditsAbi,
      functionName: "parameters",
    });
    expect(creditsParameters.spreadBps).toBe(80);
    expect(
      await client.readContract({ address: deployment.credits as Address, abi: ocxCreditsAbi, functionName: "feed" }),
    ).toBe(newFeed);
    const [, nextSchedule] = await client.readContract({
      address: deployment.emissions as Address,
      abi: emissionsAbi,
      functionName: "schedules",
    });
    expect(nextSchedule.emission).toBe(500_000n * 10n ** 18n);

    const admin = await client.readContract({
      address: deployment.validatorRegistry as Address,
      abi: validatorRegistryAbi,
      functionName: "VALIDATOR_ADMIN_ROLE",
    });
    expect(
      await client.readContract({
        address: deployment.validatorRegistry as Address,
        abi: accessControlAbi,
        functionName: "hasRole",
        args: [admin, validator],
      }),
    ).toBe(true);
    const size = await client.readContract({
      address: deployment.proofOfCompute as Address,
      abi: proofOfComputeAbi,
      functionName: "modelSize",
      args: [toLabel("cpu")],
    });
    expect(size).toEqual({ n: 256, steps: 3, deadlineSeconds: 11 });
    // Executed, it is told against the values in force before its block, not the current ones ("no change").
    const told = await explainProposal(client, { deployment, proposal: now as never });
    expect(told.effect.status).toBe("in force");
    expect(told.calls.map((c) => c.text)).toEqual([
      fee.summary,
      appoint.summary,
      oracle.summary,
      spread.summary,
      emission.summary,
      grant.summary,
      resize.summary,
    ]);
    expect(told.calls[0]?.changes).toEqual([{ setting: "feeBps", before: "250", after: "500" }]);
    expect(await describeCall(client, { deployment, call: fee.call })).toBe("Marketplace.setParameters: no change");

    // Out of bounds: the marketplace's error, decoded, and nothing changes.
    const bounded = await executeProposalSync(minnow, {
      deployment,
      ...(proposals[1] as (typeof proposals)[number]),
    }).catch((e: unknown) => e);
    expect(bounded).toBeInstanceOf(OcxContractError);
    expect((bounded as OcxContractError).errorName).toBe("MarketplaceParameterOutOfBounds");
    expect((bounded as OcxContractError).args.slice(1)).toEqual([2000n, 0n, 1000n]);

    // A lease settled now pays 5 %.
    const provider = net.wallet(2);
    const buyer = net.wallet(3);
    await registerProviderSync(provider, {
      deployment,
      endpoint: "https://gpu.example.com",
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    const stake = 10n ** 21n;
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
    await stakeSync(provider, { deployment, amount: stake });
    const { event: offer } = await postOfferSync(provider, {
      deployment,
      resources: {
        gpuModel: toLabel("nvidia-h100-80gb"),
        region: toLabel("eu-west"),
        gpuCount: 1,
        gpuVramMiB: 81920,
        cpuMillicores: 16000,
        memoryMiB: 131072,
        diskMiB: 512000,
      },
      pricePerSecond: PRICE,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: DEPOSIT });
    const { event: taken } = await takeOfferSync(buyer, {
      deployment,
      offerId: offer.offerId,
      maxPricePerSecond: PRICE,
      manifestHash: keccak256(stringToHex("manifest")),
      deposit: DEPOSIT,
    });
    const { event: acknowledged } = await acknowledgeLeaseSync(provider, { deployment, leaseId: taken.leaseId });
    await net.setNextBlockTimestamp(acknowledged.startedAt + 1000n);
    await settleLeaseSync(provider, { deployment, leaseId: taken.leaseId });
    const settled = (await getLeaseEvents(client, { deployment, leaseId: taken.leaseId })).find(
      (e) => e.eventName === "LeaseSettled",
    );
    expect(settled?.args).toMatchObject({ paid: PRICE * 1000n, fee: (PRICE * 1000n * 500n) / 10_000n });
  }, 120_000);
});
