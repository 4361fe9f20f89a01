// Governance actions: delegate votes, propose, vote, queue, execute, and read proposals.
export * from "./address.js";
export * from "./castVoteSync.js";
export * from "./delegateVotes.js";
export * from "./listProposals.js";
export * from "./proposeSync.js";
export * from "./queueProposalSync.js";
