// Governance, emissions and the raw event log through the indexer, on a real anvil with the OCX contracts and
// governance deployed (the devnet's settings: a 1-block delay, 30-block votes, 4 % quorum, a 10 s timelock): a
// proposal voted for, against and abstaining goes active → succeeded → queued → executed, one nobody votes on is
// defeated; a GPU lease's paid seconds recorded for emissions show under their epoch with the epoch's emission as
// the contract fixed it; every event is reachable through /log.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, type Localnet, registerStakedProvider, startLocalnet } from "@ocx/node-kit";
import {
  acknowledgeLeaseSync,
  castVoteSync,
  createIndexerClient,
  DEVNET_GOVERNANCE,
  delegateVotesSync,
  deployGovernance,
  ensureAllowance,
  executeProposalSync,
  getEmissionEpoch,
  type IndexerClient,
  ocxTimelockAbi,
  postOfferSync,
  proposeSync,
  queueProposalSync,
  recordWorkSync,
  takeOfferSync,
  toLabel,
} from "@ocx/sdk";
import { createTestClient, encodeFunctionData, hexToBigInt, http, keccak256, stringToHex, toHex, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningIndexer, startIndexer } from "../launch.js";

let net: Localnet | undefined;
let indexer: RunningIndexer | undefined;
let client: IndexerClient;
let dir = "";

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not seen within ${ms} ms; last ${JSON.stringify(last)}\n${indexer?.log().slice(-3000)}`);
}

/** Waits until the indexer's answers include the chain's current head. */
async function indexedToHead(): Promise<void> {
  const head = Number(await (net as Localnet).publicClient.getBlockNumber());
  await until(
    `block ${head} indexed`,
    () => client.status(),
    (s) => (s.block?.number ?? -1) >= head,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ocx-indexer-gov-"));
  net = await startLocalnet();
  const added = await deployGovernance(
    { walletClient: net.wallet(0), publicClient: net.publicClient },
    net.deployment,
    DEVNET_GOVERNANCE,
  );
  net.deployment = { ...net.deployment, ...added };
  for (const i of [2, 3]) {
    await delegateVotesSync(net.wallet(i), { deployment: net.deployment, delegatee: net.wallet(i).account.address });
  }
  const deploymentFile = path.join(dir, "31337.json");
  writeFileSync(deploymentFile, JSON.stringify(net.deployment));
  indexer = await startIndexer({
    rpcUrl: net.anvil.rpcUrl,
    deploymentFile,
    port: await freePort(),
    dataDir: path.join(dir, "pglite"),
    timeoutMs: 240_000,
  });
  client = createIndexerClient(indexer.url);
}, 300_000);

afterAll(async () => {
  await indexer?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("governance, emissions and the event log through the indexer", () => {
  it("follows a proposal from its votes to its execution, and one nobody voted on to defeat", async () => {
    const l = net as Localnet;
    const { deployment } = l;
    const testClient = createTestClient({ mode: "anvil", transport: http(l.anvil.rpcUrl) });
    // The timelock changing its own delay is a call only a passed proposal can make.
    const calls = [
      {
        target: deployment.timelock as `0x${string}`,
        value: 0n,
        calldata: encodeFunctionData({ abi: ocxTimelockAbi, functionName: "updateDelay", args: [11n] }),
      },
    ];
    const description = "Timelock delay 11 s";
    const { event: created } = await proposeSync(l.wallet(0), { deployment, calls, description });
    const id = created.proposalId.toString();
    await testClient.mine({ blocks: DEVNET_GOVERNANCE.votingDelay + 1 });
    const votes = [
      await castVoteSync(l.wallet(0), { deployment, proposalId: created.proposalId, support: "for" }),
      await castVoteSync(l.wallet(2), {
        deployment,
        proposalId: created.proposalId,
        support: "against",
        reason: "keep 10 s",
      }),
      await castVoteSync(l.wallet(3), { deployment, proposalId: created.proposalId, support: "abstain" }),
    ].map((v) => v.event);
    await indexedToHead();
    const open = await client.proposal(id);
    expect(open.proposal).toMatchObject({
      proposalId: id,
      proposer: l.wallet(0).account.address,
      description,
      state: "active",
      voteStart: Number(created.voteStart),
      voteEnd: Number(created.voteEnd),
      voters: 3,
      votes: {
        for: votes[0]?.weight.toString(),
        against: votes[1]?.weight.toString(),
        abstain: votes[2]?.weight.toString(),
      },
      eta: null,
    });
    expect(open.proposal.calls).toEqual([{ target: calls[0]?.target, value: "0", calldata: calls[0]?.calldata }]);
    expect(BigInt(open.proposal.quorum ?? "0")).toBeGreaterThan(0n);
    expect(open.votes.map((v) => [v.voter, v.support, v.weight, v.reason])).toEqual([
      [l.wallet(0).account.address, "for", votes[0]?.weight.toString(), ""],
      [l.wallet(2).account.address, "against", votes[1]?.weight.toString(), "keep 10 s"],
      [l.wallet(3).account.address, "abstain", votes[2]?.weight.toString(), ""],
    ]);

    // A second proposal nobody votes on.
    const { event: ignored } = await proposeSync(l.wallet(0), {
      deployment,
      calls,
      description: "Timelock delay 11 s, again",
    });
    await testClient.mine({ blocks: DEVNET_GOVERNANCE.votingPeriod + 2 });
    await indexedToHead();
    const ended = await client.proposals();
    expect(ended.total).toBe(2);
    expect(ended.proposals.map((p) => [p.proposalId, p.state])).toEqual([
      [ignored.proposalId.toString(), "defeated"],
      [id, "succeeded"],
    ]);
    expect((await client.proposals({ state: "defeated" })).proposals.map((p) => p.proposalId)).toEqual([
      ignored.proposalId.toString(),
    ]);
    const paged = await client.proposals({ limit: 1, offset: 1 });
    expect([paged.total, paged.proposals.map((p) => p.proposalId)]).toEqual([2, [id]]);

    const { event: queued } = await queueProposalSync(l.wallet(0), { deployment, calls, description });
    await indexedToHead();
    expect((await client.proposal(id)).proposal).toMatchObject({ state: "queued", eta: Number(queued.etaSeconds) });
    await testClient.increaseTime({ seconds: Number(DEVNET_GOVERNANCE.timelockDelay) + 1 });
    await testClient.mine({ blocks: 1 });
    await executeProposalSync(l.wallet(0), { deployment, calls, description });
    await indexedToHead();
    const done = (await client.proposal(id)).proposal;
    expect(done.state).toBe("executed");
    expect(done.executedAt).toBeGreaterThan(0);
    expect((await client.proposals({ state: "executed" })).total).toBe(1);

    // Anyone may run a ready operation on the timelock itself (the devnet's executor role is open): the governor
    // emits nothing, and the proposal still reads executed, as governor.state() answers.
    const direct = [
      {
        target: deployment.timelock as `0x${string}`,
        value: 0n,
        calldata: encodeFunctionData({ abi: ocxTimelockAbi, functionName: "updateDelay", args: [12n] }),
      },
    ];
    const directDescription = "Timelock delay 12 s, run on the timelock";
    const { event: third } = await proposeSync(l.wallet(0), {
      deployment,
      calls: direct,
      description: directDescription,
    });
    await testClient.mine({ blocks: DEVNET_GOVERNANCE.votingDelay + 1 });
    await castVoteSync(l.wallet(0), { deployment, proposalId: third.proposalId, support: "for" });
    await testClient.mine({ blocks: DEVNET_GOVERNANCE.votingPeriod + 1 });
    await queueProposalSync(l.wallet(0), { deployment, calls: direct, description: directDescription });
    await testClient.increaseTime({ seconds: 12 });
    await testClient.mine({ blocks: 1 });
    // GovernorTimelockControl's salt: the governor's address, left-aligned in 32 bytes, XOR the description's hash.
    const salt = toHex(
      (hexToBigInt(deployment.governor as `0x${string}`) << 96n) ^
        hexToBigInt(keccak256(stringToHex(directDescription))),
      { size: 32 },
    );
    const stranger = l.wallet(7);
    const hash = await stranger.writeContract({
      address: deployment.timelock as `0x${string}`,
      abi: ocxTimelockAbi,
      functionName: "executeBatch",
      args: [direct.map((c) => c.target), direct.map((c) => c.value), direct.map((c) => c.calldata), zeroHash, salt],
    });
    expect((await l.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await indexedToHead();
    const ran = (await client.proposal(third.proposalId.toString())).proposal;
    expect(ran.state).toBe("executed");
    expect(ran.executedAt).toBeGreaterThan(0);

    for (const [route, status, message] of [
      ["/governance/proposals?state=won", 400, /state must be one of pending, active, .*got "won"/],
      ["/governance/proposals?limit=0", 400, /limit must be an integer from 1 to 500/],
      ["/governance/proposals/12x", 400, /proposal id must be a whole number/],
      ["/governance/proposals/12345", 404, /no proposal 12345 is indexed/],
    ] as const) {
      const response = await fetch(`${client.url}${route}`);
      expect(response.status, route).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  }, 240_000);

  it("shows a GPU lease's recorded work under its epoch, with the emission the contract fixed", async () => {
    const l = net as Localnet;
    const { deployment, publicClient } = l;
    const provider = l.wallet(4);
    const buyer = l.wallet(5);
    await registerStakedProvider(l, provider, { endpoint: "https://gpu.example.com", committedGpus: 2n });
    const price = 10n ** 12n;
    const offer = await postOfferSync(provider, {
      deployment,
      resources: {
        gpuModel: toLabel("h100"),
        region: toLabel("eu-west"),
        gpuCount: 2,
        gpuVramMiB: 81920,
        cpuMillicores: 8000,
        memoryMiB: 65536,
        diskMiB: 100000,
      },
      pricePerSecond: price,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: price * 3600n });
    const { event: lease } = await takeOfferSync(buyer, {
      deployment,
      offerId: offer.event.offerId,
      maxPricePerSecond: price,
      manifestHash: keccak256(stringToHex("job")),
      deposit: price * 3600n,
    });
    await acknowledgeLeaseSync(provider, { deployment, leaseId: lease.leaseId });
    const testClient = createTestClient({ mode: "anvil", transport: http(l.anvil.rpcUrl) });
    await testClient.increaseTime({ seconds: 120 });
    const { event: work } = await recordWorkSync(buyer, { deployment, leaseId: lease.leaseId });
    expect(work.verified).toBe(false); // no attestation: counted, earning nothing
    await indexedToHead();
    const onChain = await getEmissionEpoch(publicClient, { deployment, epoch: work.epoch });
    const { epochs, total } = await client.emissions();
    expect(total).toBe(1);
    expect(epochs[0]).toEqual({
      epoch: Number(work.epoch),
      start: Number(onChain.start),
      end: Number(onChain.end),
      emission: onChain.emission.toString(),
      units: "0",
      claimed: "0",
      shares: [
        {
          provider: provider.account.address,
          units: "0",
          seconds: work.seconds_.toString(),
          reward: null,
          forfeited: false,
          claimedAt: null,
        },
      ],
    });
    expect(work.seconds_).toBeGreaterThanOrEqual(120n);
  }, 120_000);

  it("answers every indexed event through /log, newest first, filtered and paged", async () => {
    const head = Number(await (net as Localnet).publicClient.getBlockNumber());
    const votes = await client.log({ contract: "OcxGovernor", event: "VoteCast" });
    expect(votes.total).toBe(4);
    // Newest first: the timelock-run proposal's for, then the first's abstain, against and for.
    expect(votes.entries.map((e) => e.args.support)).toEqual([1, 2, 0, 1]);
    expect(votes.entries[2]?.args).toMatchObject({ reason: "keep 10 s" });
    const work = await client.log({ contract: "Emissions", event: "WorkRecorded", limit: 1 });
    expect(work.entries[0]?.args).toMatchObject({ verified: false, units: "0" });
    const timelock = await client.log({ contract: "OcxTimelock", event: "MinDelayChange" });
    expect(timelock.entries.slice(0, 2).map((e) => e.args)).toEqual([
      { oldDuration: "11", newDuration: "12" }, // run on the timelock
      { oldDuration: "10", newDuration: "11" }, // executed through the governor
    ]);
    const all = await client.log({ limit: 5 });
    expect(all.entries).toHaveLength(5);
    expect(all.total).toBeGreaterThan(50);
    const blocks = all.entries.map((e) => e.blockNumber);
    expect(blocks).toEqual([...blocks].sort((a, b) => b - a));
    const next = await client.log({ limit: 5, offset: 5 });
    expect(next.entries[0]?.blockNumber).toBeLessThanOrEqual(blocks[4] as number);
    const [first, last] = [votes.entries[3]?.blockNumber ?? 0, votes.entries[1]?.blockNumber ?? 0];
    const range = await client.log({ fromBlock: first, toBlock: last });
    expect(range.total).toBeGreaterThanOrEqual(3);
    expect(range.entries.every((e) => e.blockNumber >= first && e.blockNumber <= last)).toBe(true);
    expect(all.entries[0]?.blockNumber).toBeLessThanOrEqual(head);
    for (const [query, message] of [
      ["contract=Nope", /contract must be one of OcxToken, .*got "Nope"/],
      ["event=Lease-Created", /event must be an event's name as in the ABI/],
      ["limit=1001", /limit must be an integer from 1 to 1000/],
      ["fromBlock=9&toBlock=3", /fromBlock 9 is after toBlock 3/],
    ] as const) {
      const response = await fetch(`${client.url}/log?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
  }, 60_000);
});
