// Governance on a real anvil: deployOcx with governance hands every role to the timelock; a fee change goes
// through delegate, propose, vote, queue, the timelock's delay and execute, and the next lease pays the new fee;
// a fee over the marketplace's bound fails at execution with the marketplace's own error.
import { type Address, keccak256, stringToHex } from "viem";
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
import { PARAMETER_ADMIN_ROLE } from "../deploy.js";
import { OcxContractError } from "../errors.js";
import { marketplaceAbi, ocxTimelockAbi, providerRegistryAbi } from "../generated/abis.js";
import { toLabel } from "../units.js";
import { DEVNET_GOVERNANCE } from "./deployGovernance.js";
import { describeCall, encodeParameterChange, GovernanceParameterError } from "./parameters.js";

const PRICE = 10n ** 15n;
const DEPOSIT = PRICE * 3600n;

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet({ governance: DEVNET_GOVERNANCE });
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
  it("leaves the deployer no admin role: the timelock holds them all", async () => {
    const { deployment, publicClient: client } = net;
    const timelock = deployment.timelock as Address;
    expect(deployment.governor).toBeDefined();
    const [marketAdmin, pending, guardian] = await client.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "roles",
    });
    expect([marketAdmin, pending, guardian]).toEqual([
      timelock,
      "0x0000000000000000000000000000000000000000",
      deployment.deployer,
    ]);
    for (const address of [
      deployment.token,
      deployment.registry,
      deployment.validatorRegistry,
      deployment.spotChecks,
      deployment.emissions,
    ]) {
      expect(
        await client.readContract({
          address: address as Address,
          abi: providerRegistryAbi,
          functionName: "defaultAdmin",
        }),
      ).toBe(timelock);
    }
    for (const who of [deployment.deployer, timelock]) {
      expect(
        await client.readContract({
          address: deployment.registry,
          abi: providerRegistryAbi,
          functionName: "hasRole",
          args: [PARAMETER_ADMIN_ROLE, who],
        }),
      ).toBe(who === timelock);
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

    const proposals = [
      { calls: [fee.call], description: "Protocol fee 2.5 % → 5 %" },
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
    const early = await executeProposalSync(voter, { deployment, ...(proposals[0] as never) }).catch((e: unknown) => e);
    expect((early as OcxContractError).errorName).toBe("TimelockUnexpectedOperationState");
    await mine(1, Number(DEVNET_GOVERNANCE.timelockDelay) + 1);

    // Anyone executes.
    await executeProposalSync(minnow, { deployment, ...(proposals[0] as never) });
    const [now] = await listProposals(client, { deployment, proposalId: ids[0] });
    expect(now?.state).toBe("executed");
    const parameters = await client.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "parameters",
    });
    expect(parameters.feeBps).toBe(500);

    // Out of bounds: the marketplace's error, decoded, and nothing changes.
    const bounded = await executeProposalSync(minnow, { deployment, ...(proposals[1] as never) }).catch(
      (e: unknown) => e,
    );
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
