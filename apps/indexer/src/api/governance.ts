// GET /governance/proposals and /governance/proposals/:id: the governor's proposals from its events, with their votes
// and their state at the indexed block.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedProposal, IndexedProposalState, IndexedVote, ProposalsResponse } from "@ocx/sdk";
import { Hono } from "hono";
import { asc, desc, eq } from "ponder";
import { checksummed, indexedBlock } from "./indexed";
import { BadRequest, intParam } from "./params";

const STATES: readonly IndexedProposalState[] = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "executed",
];
const SUPPORT = ["against", "for", "abstain"] as const;

type ProposalRow = typeof schema.proposal.$inferSelect;

/**
 * OpenZeppelin's Governor.state() with the indexed block as its clock: executed or canceled by their events, queued
 * once ProposalQueued; otherwise pending until the block after `voteStart`, active through `voteEnd`, then
 * succeeded when the quorum read at the first vote was met (for + abstain) and for beat against, else defeated.
 */
function stateOf(p: ProposalRow, clock: bigint): IndexedProposalState {
  if (p.executedAt !== null) return "executed";
  if (p.canceledAt !== null) return "canceled";
  if (p.eta !== null) return "queued";
  if (p.voteStart >= clock) return "pending";
  if (p.voteEnd >= clock) return "active";
  const quorumReached = p.quorum !== null && p.quorum <= p.forVotes + p.abstainVotes;
  return quorumReached && p.forVotes > p.againstVotes ? "succeeded" : "defeated";
}

function proposalJson(p: ProposalRow, clock: bigint): IndexedProposal {
  return {
    proposalId: p.id.toString(),
    proposer: checksummed(p.proposer),
    description: p.description,
    calls: p.calls as IndexedProposal["calls"],
    state: stateOf(p, clock),
    voteStart: Number(p.voteStart),
    voteEnd: Number(p.voteEnd),
    votes: { for: p.forVotes.toString(), against: p.againstVotes.toString(), abstain: p.abstainVotes.toString() },
    voters: p.voters,
    quorum: p.quorum === null ? null : p.quorum.toString(),
    eta: p.eta === null ? null : Number(p.eta),
    createdAt: Number(p.createdAt),
    createdBlock: Number(p.createdBlock),
    queuedAt: p.queuedAt === null ? null : Number(p.queuedAt),
    executedAt: p.executedAt === null ? null : Number(p.executedAt),
    canceledAt: p.canceledAt === null ? null : Number(p.canceledAt),
  };
}

/** This module's routes, mounted by ./index.ts. */
export const governanceRoutes = new Hono();

governanceRoutes.get("/governance/proposals", async (c) => {
  const state = c.req.query("state");
  if (state !== undefined && state !== "" && !STATES.includes(state as IndexedProposalState)) {
    throw new BadRequest(`state must be one of ${STATES.join(", ")}, got ${JSON.stringify(state)}`);
  }
  const limit = intParam(c, "limit", 20, 1, 500);
  const offset = intParam(c, "offset", 0, 0, 1_000_000);
  const block = await indexedBlock();
  const clock = BigInt(block?.number ?? 0);
  // Proposals are few (each needs the proposal threshold in votes): the state, which depends on the block, is judged
  // for all of them before the filter and the page.
  const rows = await db
    .select()
    .from(schema.proposal)
    .orderBy(desc(schema.proposal.createdBlock), desc(schema.proposal.id));
  const proposals = rows.map((p) => proposalJson(p, clock)).filter((p) => !state || p.state === state);
  const body: ProposalsResponse = {
    block,
    total: proposals.length,
    proposals: proposals.slice(offset, offset + limit),
  };
  return c.json(body);
});

governanceRoutes.get("/governance/proposals/:id", async (c) => {
  const raw = c.req.param("id");
  if (!/^\d{1,78}$/.test(raw)) {
    throw new BadRequest(
      `the proposal id must be a whole number (as ocx gov list prints it), got ${JSON.stringify(raw)}`,
    );
  }
  const id = BigInt(raw);
  const block = await indexedBlock();
  const [row] = await db.select().from(schema.proposal).where(eq(schema.proposal.id, id));
  if (!row) return c.json({ error: `no proposal ${raw} is indexed: see GET /governance/proposals for the ids` }, 404);
  const votes: IndexedVote[] = (
    await db
      .select()
      .from(schema.vote)
      .where(eq(schema.vote.proposalId, id))
      .orderBy(asc(schema.vote.blockNumber), asc(schema.vote.id))
  ).map((v) => ({
    voter: checksummed(v.voter),
    support: SUPPORT[v.support] ?? "abstain",
    weight: v.weight.toString(),
    reason: v.reason,
    params: v.params ?? null,
    blockNumber: Number(v.blockNumber),
    timestamp: Number(v.timestamp),
    txHash: v.txHash,
  }));
  return c.json({ block, proposal: proposalJson(row, BigInt(block?.number ?? 0)), votes });
});
