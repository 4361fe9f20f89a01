// The responder's chain port over the ProofOfCompute contract: reads through the public client,
// writes through the provider's crash-safe transaction sender (`chain.writer(key)`: a key already
// mined returns its transaction instead of sending a second one, so a restarted node never commits
// or responds twice). Each write is simulated first so that a revert comes back decoded.
// TODO(T1's SDK actions): when packages/sdk/src/actions/proofs/ lands, call its typed actions here;
// this file is the one place that knows the contract's function names.
import type { Hex } from "@ocx/proofs";
import { challengePhaseName, disputeStageName, fromLabel, proofOfComputeAbi } from "@ocx/sdk";
import type { Address } from "viem";
import {
  getBlock,
  getContractEvents,
  getTransactionReceipt,
  readContract,
  simulateContract,
  writeContract,
} from "viem/actions";
import { getAction } from "viem/utils";
import type { ChainAccess } from "../chain/client.js";
import type { ChainPhase, ChallengeChain, ChallengeView, DisputeRound, IssuedChallenge, Landed } from "./chain.js";

/**
 * The port for `access`'s provider and the ProofOfCompute contract at `address`.
 * @example
 * const chain = createChallengeChain(access, deployment.proofOfCompute);
 * const view = await chain.view(7n);
 */
export function createChallengeChain(access: ChainAccess, address: Address): ChallengeChain {
  const reader = access.reader;
  const send = async (key: string, functionName: string, args: readonly unknown[]): Promise<Landed> => {
    // At "pending", not "latest": an eth_call at latest runs with block.number = the head, where
    // blockhash(head) is 0, so commit (seed = the challenge block's hash) and respond (audit seed = the
    // commit block's hash) would revert as ProofSeedUnavailable until another block is mined, which on
    // an automine chain with no other traffic is never.
    const { request } = await simulateContract(reader, {
      blockTag: "pending",
      account: access.address,
      address,
      abi: proofOfComputeAbi,
      functionName: functionName as never,
      args: args as never,
    });
    // getAction finds the sender's writeContract on the writer client (the SDK's actions do the same).
    const write = getAction(access.writer(key) as never, writeContract as never, "writeContract") as (
      r: unknown,
    ) => Promise<Hex>;
    const hash = await write(request);
    const receipt = await getTransactionReceipt(reader, { hash });
    const block = await getBlock(reader, { blockNumber: receipt.blockNumber });
    return { blockNumber: receipt.blockNumber, timestamp: Number(block.timestamp) };
  };
  return {
    address: access.address,
    startBlock: BigInt(access.deployment.startBlock),
    head: () => reader.getBlockNumber({ cacheTime: 0 }),
    async now() {
      const block = await getBlock(reader, { blockTag: "latest" });
      return Number(block.timestamp);
    },
    async block(number) {
      const block = await getBlock(reader, { blockNumber: number }).catch(() => undefined);
      return block?.hash ? { hash: block.hash as Hex, timestamp: Number(block.timestamp) } : undefined;
    },
    async issued(from, to): Promise<IssuedChallenge[]> {
      const events = await getContractEvents(reader, {
        address,
        abi: proofOfComputeAbi,
        eventName: "ChallengeIssued",
        args: { provider: access.address },
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      return events.map((e) => {
        const a = e.args as {
          id: bigint;
          validator: Address;
          model: Hex;
          gpuIndex: number;
          n: number;
          steps: number;
          deadlineAt: bigint;
        };
        return {
          id: a.id,
          validator: a.validator,
          model: fromLabel(a.model) || "cpu",
          gpuIndex: Number(a.gpuIndex),
          n: Number(a.n),
          steps: Number(a.steps),
          deadlineAt: Number(a.deadlineAt),
          blockNumber: e.blockNumber,
        };
      });
    },
    async view(id): Promise<ChallengeView> {
      const c = (await readContract(reader, {
        address,
        abi: proofOfComputeAbi,
        functionName: "getChallenge",
        args: [id],
      })) as {
        phase: number;
        stage: number;
        disputedVector: number;
        challengedAt: bigint;
        k: number;
        t: number;
        roundDeadline: bigint;
        roundArg: number;
        workId: Hex;
        root: Hex;
        commitBlock: bigint;
        committedAt: bigint;
      };
      const phase = challengePhaseName(c.phase) as ChainPhase;
      const stage = disputeStageName(c.stage);
      const round: DisputeRound | undefined =
        stage === "RowDemanded"
          ? { kind: "row", row: Number(c.roundArg) }
          : stage === "TraceDue"
            ? { kind: "trace", t: Number(c.disputedVector) }
            : stage === "StepRevealDue"
              ? { kind: "step", t: Number(c.disputedVector), s: Number(c.roundArg) }
              : undefined;
      return {
        phase,
        challengedAt: Number(c.challengedAt),
        k: Number(c.k),
        t: Number(c.t),
        workId: c.workId,
        ...(c.commitBlock > 0n
          ? { commitment: { root: c.root, block: BigInt(c.commitBlock), at: Number(c.committedAt) } }
          : {}),
        ...(phase === "Committed" ? { respondBy: Number(c.roundDeadline) } : {}),
        ...(round ? { round, roundDeadline: Number(c.roundDeadline) } : {}),
        ...(phase === "Responded" || stage === "StepPickDue" || stage === "StepProofDue"
          ? { validatorDue: Number(c.roundDeadline) }
          : {}),
      };
    },
    commit: (id, root) => send(`challenge-commit:${id}`, "commit", [id, root]),
    respond: (id, products) => send(`challenge-respond:${id}`, "respond", [id, products]),
    revealRow: (id, row, values, proof) =>
      send(`challenge-reveal-row:${id}:${row}`, "revealRow", [id, row, values, proof]),
    postTrace: (id, hashes) => send(`challenge-trace:${id}`, "postTrace", [id, hashes]),
    claimAbandoned: (id) => send(`challenge-claim-abandoned:${id}`, "claimAbandoned", [id]),
    revealStep: (id, vs, vs1) => send(`challenge-reveal-step:${id}`, "revealStep", [id, vs, vs1]),
  };
}
