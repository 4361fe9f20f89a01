// `ocx gov`: OCX governance from the command line: delegate votes, propose a parameter change, list and show
// proposals (their calls in words), vote, queue and execute; a failed execution says which bound was broken.
import {
  castVoteSync,
  delegateVotesSync,
  describeCall,
  EXIT,
  encodeParameterChange,
  executeProposalSync,
  formatOcx,
  listProposals,
  OcxContractError,
  OcxError,
  type Proposal,
  proposeSync,
  queueProposalSync,
  type VoteSupport,
} from "@ocx/sdk";
import { Command } from "commander";
import { type Address, getAddress, hexToString, isAddress, trim } from "viem";
import { type Context, createContext } from "../context.js";

function requireGovernance(context: Context): void {
  if (!context.deployment.governor) {
    throw new OcxError(
      "this deployment has no governor: it was deployed without governance; deploy with `deployOcx(…, { governance: {…} })`",
      { exitCode: EXIT.usage },
    );
  }
}

function parseId(text: string): bigint {
  if (!/^\d+$/.test(text))
    throw new OcxError(`"${text}" is not a proposal id (a whole number; see \`ocx gov list\`)`, {
      exitCode: EXIT.usage,
    });
  return BigInt(text);
}

async function findProposal(context: Context, id: bigint): Promise<Proposal> {
  requireGovernance(context);
  const [proposal] = await listProposals(context.publicClient, { deployment: context.deployment, proposalId: id });
  if (!proposal)
    throw new OcxError(`no proposal ${id} on this deployment's governor; see \`ocx gov list\``, {
      exitCode: EXIT.usage,
    });
  return proposal;
}

/** A parameter bound broken at execution, in words; other errors unchanged. */
function explainExecution(error: unknown): unknown {
  if (!(error instanceof OcxContractError) || !error.errorName.endsWith("ParameterOutOfBounds")) return error;
  const [name, value, min, max] = error.args as [`0x${string}`, bigint, bigint, bigint];
  const contract = error.errorName.slice(0, -"ParameterOutOfBounds".length);
  return new OcxError(
    `the proposal failed at execution: ${contract} ${hexToString(trim(name, { dir: "right" }))} = ${value} is outside [${min}, ${max}]; nothing changed. Propose a value within the bounds`,
    { cause: error, exitCode: EXIT.rejected },
  );
}

function proposalLine(p: Proposal): string {
  const title = p.description.split("\n")[0];
  return `#${p.proposalId} ${p.state}: ${title} (for ${formatOcx(p.votes.for)}, against ${formatOcx(p.votes.against)}, abstain ${formatOcx(p.votes.abstain)})`;
}

/** The `ocx gov` command. */
export function govCommand(): Command {
  const gov = new Command("gov").description("OCX governance: delegate, propose, vote, queue, execute");

  gov
    .command("delegate [address]")
    .description("delegate your OCX votes (to yourself by default: tokens vote only once delegated)")
    .action(async (address: string | undefined, _options: object, command: Command) => {
      const context = await createContext(command);
      const me = (await context.account()).address;
      if (address !== undefined && !isAddress(address)) {
        throw new OcxError(`"${address}" is not an address (0x and 40 hex digits)`, { exitCode: EXIT.usage });
      }
      const delegatee: Address = address ? getAddress(address) : me;
      const { receipt } = await delegateVotesSync(await context.walletClient(), {
        deployment: context.deployment,
        delegatee,
      });
      context.print(`${me} now delegates its votes to ${delegatee}`, {
        delegator: me,
        delegatee,
        transaction: receipt.transactionHash,
      });
    });

  gov
    .command("propose <parameter> <value>")
    .description("propose a parameter change, e.g. `marketplace.feeBps 100` (the other fields keep their values)")
    .requiredOption("--description <text>", "what the proposal does and why (voters read it)")
    .addHelpText(
      "after",
      `
Parameters are contract.field of a setParameters call: marketplace.{feeBps,ackWindow,maxBiddingWindow,feeSink},
registry.{minStakePerGpu,unbondingDelay,slashSink}, validatorRegistry.{minStake,unbondingDelay},
proofOfCompute.{challengeBond,faultSlash,rewardBps,…}, spotChecks.{bond,slashAmount,…},
credits.{spreadBps,maxPriceAge,maxPriceMoveBps,breakerEpoch,maxOcxMintedPerEpoch}; the emission schedule
emissions.{length,emission,decay} (from the next epoch); and the addresses marketplace.guardian (who may pause) and
credits.feed (the OCX/USD oracle). Values are whole numbers in the contract's unit (wei, seconds, basis points) or
addresses. Bounds are the contract's and apply at execution.

Example:
  $ ocx gov propose marketplace.feeBps 100 --description "Lower the protocol fee to 1 %"
  $ ocx gov propose marketplace.guardian 0x… --description "A new guardian"
`,
    )
    .action(async (parameter: string, value: string, options: { description: string }, command: Command) => {
      const context = await createContext(command);
      requireGovernance(context);
      const { call, summary } = await encodeParameterChange(context.publicClient, {
        deployment: context.deployment,
        parameter,
        value,
      });
      const description = `${options.description}\n\n${summary}`;
      const { event, receipt } = await proposeSync(await context.walletClient(), {
        deployment: context.deployment,
        calls: [call],
        description,
      });
      context.print(
        `proposal #${event.proposalId}: ${summary}\nvoting opens after block ${event.voteStart} and closes at block ${event.voteEnd}`,
        {
          proposalId: event.proposalId,
          summary,
          description,
          voteStart: event.voteStart,
          voteEnd: event.voteEnd,
          transaction: receipt.transactionHash,
        },
      );
    });

  gov
    .command("list")
    .description("every proposal with its state and votes")
    .action(async (_options: object, command: Command) => {
      const context = await createContext(command);
      requireGovernance(context);
      const proposals = await listProposals(context.publicClient, { deployment: context.deployment });
      context.print(proposals.length > 0 ? proposals.map(proposalLine).join("\n") : "no proposals yet", proposals);
    });

  gov
    .command("show <id>")
    .description("one proposal: its calls in words (against the current values), votes, quorum and timing")
    .action(async (id: string, _options: object, command: Command) => {
      const context = await createContext(command);
      const p = await findProposal(context, parseId(id));
      const calls = await Promise.all(
        p.calls.map((call) => describeCall(context.publicClient, { deployment: context.deployment, call })),
      );
      const eta = p.eta > 0n ? `\nexecutable from ${new Date(Number(p.eta) * 1000).toISOString()}` : "";
      context.print(
        [
          proposalLine(p),
          `proposer ${p.proposer}; vote from block ${p.voteStart} to ${p.voteEnd}; quorum ${formatOcx(p.quorum)}${eta}`,
          ...calls.map((c, i) => `  ${i + 1}. ${c}`),
          "",
          p.description,
        ].join("\n"),
        { ...p, callsDescribed: calls },
      );
    });

  gov
    .command("vote <id> <support>")
    .description("vote for, against or abstain on an active proposal")
    .option("--reason <text>", "recorded with the vote")
    .action(async (id: string, support: string, options: { reason?: string }, command: Command) => {
      if (!["for", "against", "abstain"].includes(support)) {
        throw new OcxError(`vote "${support}": say for, against or abstain`, { exitCode: EXIT.usage });
      }
      const context = await createContext(command);
      const p = await findProposal(context, parseId(id));
      const { event, receipt } = await castVoteSync(await context.walletClient(), {
        deployment: context.deployment,
        proposalId: p.proposalId,
        support: support as VoteSupport,
        reason: options.reason,
      });
      context.print(`voted ${support} on #${p.proposalId} with ${formatOcx(event.weight)}`, {
        proposalId: p.proposalId,
        support,
        weight: event.weight,
        transaction: receipt.transactionHash,
      });
    });

  gov
    .command("queue <id>")
    .description("queue a succeeded proposal in the timelock (anyone may)")
    .action(async (id: string, _options: object, command: Command) => {
      const context = await createContext(command);
      const p = await findProposal(context, parseId(id));
      const { event, receipt } = await queueProposalSync(await context.walletClient(), {
        deployment: context.deployment,
        ...p,
      });
      context.print(
        `queued #${p.proposalId}; executable from ${new Date(Number(event.etaSeconds) * 1000).toISOString()}`,
        {
          proposalId: p.proposalId,
          eta: event.etaSeconds,
          transaction: receipt.transactionHash,
        },
      );
    });

  gov
    .command("execute <id>")
    .description("execute a queued proposal once the timelock's delay has passed (anyone may)")
    .action(async (id: string, _options: object, command: Command) => {
      const context = await createContext(command);
      const p = await findProposal(context, parseId(id));
      const { receipt } = await executeProposalSync(await context.walletClient(), {
        deployment: context.deployment,
        ...p,
      }).catch((error: unknown) => {
        throw explainExecution(error);
      });
      context.print(`executed #${p.proposalId}`, { proposalId: p.proposalId, transaction: receipt.transactionHash });
    });

  return gov;
}
