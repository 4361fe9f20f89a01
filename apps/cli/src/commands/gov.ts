// `ocx gov`: OCX governance from the command line: delegate votes, propose a change of a parameter, a role or
// the proof model table, list and show proposals (their calls in words, an executed one against the values before
// it), vote, queue and execute; a failed execution says which bound was broken.
import {
  castVoteSync,
  delegateVotesSync,
  type EncodedChange,
  EXIT,
  encodeModelChange,
  encodeParameterChange,
  encodeRoleChange,
  executeProposalSync,
  explainProposal,
  formatOcx,
  listProposals,
  OcxContractError,
  OcxError,
  type Proposal,
  type ProposalEffect,
  proposalEffect,
  proposalExecutions,
  proposeSync,
  queueProposalSync,
  type RoleAction,
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

/** Whether a proposal took effect, in words: "in force since block 57", "never took effect", "not in force yet". */
function effectWords(effect: ProposalEffect): string {
  if (effect.status === "in force") return `in force since block ${effect.since}`;
  return effect.status === "never" ? "never took effect" : "not in force yet";
}

function proposalLine(p: Proposal, effect: ProposalEffect): string {
  const title = p.description.split("\n")[0];
  const votes = `for ${formatOcx(p.votes.for)}, against ${formatOcx(p.votes.against)}, abstain ${formatOcx(p.votes.abstain)}`;
  return `#${p.proposalId} ${p.state}: ${title} (${votes}); ${effectWords(effect)}`;
}

/** A whole number given on the command line, or a usage error naming it. */
function parseWhole(what: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new OcxError(`${what} "${text}" is not a whole number`, { exitCode: EXIT.usage });
  }
  return Number(text);
}

/** Proposes one encoded change with the user's description and its summary below it, and prints the proposal. */
async function proposeChange(command: Command, encode: (context: Context) => Promise<EncodedChange>): Promise<void> {
  const context = await createContext(command);
  requireGovernance(context);
  const { call, summary } = await encode(context);
  const description = `${(command.opts() as { description: string }).description}\n\n${summary}`;
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

  const propose = gov
    .command("propose")
    .description("propose a change: a parameter (the default form), a role, or the proof model table")
    .addHelpText(
      "after",
      `
What can be proposed (docs/governance.md has the whole table):
  ocx gov propose <contract.field> <value>                              a parameter, the guardian, the oracle
  ocx gov propose role <grant|revoke> <contract> <ROLE_NAME> <address>  a role on an OCX contract
  ocx gov propose model <gpu-model> [n] [steps] [--deadline s]          the proof model table (or --remove)
Each takes --description; see \`ocx gov propose <form> --help\`.

Examples:
  $ ocx gov propose marketplace.feeBps 100 --description "Lower the protocol fee to 1 %"
  $ ocx gov propose role grant validatorRegistry VALIDATOR_ADMIN_ROLE 0x… --description "A second validator admin"
  $ ocx gov propose model nvidia-l4-24gb 80192 10 --description "Longer L4 challenges"
`,
    );

  propose
    .command("set <parameter> <value>", { isDefault: true })
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
addresses. Bounds are the contract's and apply at execution. \`set\` may be left out.

Examples:
  $ ocx gov propose marketplace.feeBps 100 --description "Lower the protocol fee to 1 %"
  $ ocx gov propose marketplace.guardian 0x… --description "A new guardian"
  $ ocx gov propose emissions.emission 500000000000000000000000 --description "Half the emission per epoch"
`,
    )
    .action((parameter: string, value: string, _options: object, command: Command) =>
      proposeChange(command, (context) =>
        encodeParameterChange(context.publicClient, { deployment: context.deployment, parameter, value }),
      ),
    );

  propose
    .command("role <action> <contract> <role> <address>")
    .description("propose granting or revoking a role on an OCX contract (action: grant or revoke)")
    .requiredOption("--description <text>", "what the proposal does and why (voters read it)")
    .addHelpText(
      "after",
      `
<contract> is a deployment key or a contract's name: token, registry, validatorRegistry, spotChecks, emissions,
credits, priceFeed, timelock (the contracts with roles). <role> is one of the contract's *_ROLE constants, e.g.
VALIDATOR_ADMIN_ROLE; a wrong one is refused with the list. Refused before any transaction: a grant to an
account that holds the role already, a revoke from one that does not, and the two-step DEFAULT_ADMIN_ROLE of
the contracts that move it with beginDefaultAdminTransfer.

Examples:
  $ ocx gov propose role grant validatorRegistry VALIDATOR_ADMIN_ROLE 0x… --description "A second validator admin"
  $ ocx gov propose role revoke priceFeed UPDATER_ROLE 0x… --description "Retire the devnet price poster"
`,
    )
    .action((action: string, contract: string, role: string, account: string, _options: object, command: Command) =>
      proposeChange(command, (context) =>
        encodeRoleChange(context.publicClient, {
          deployment: context.deployment,
          action: action as RoleAction,
          contract,
          role,
          account,
        }),
      ),
    );

  propose
    .command("model <gpu-model> [n] [steps]")
    .description("propose a proof model table entry: how a hardware challenge for a GPU model is sized")
    .requiredOption("--description <text>", "what the proposal does and why (voters read it)")
    .option("--deadline <seconds>", "seconds from the seed to the commitment (default: @ocx/proofs' deadline for n, L)")
    .option("--remove", "remove the model from the table (challenges for it are then refused)")
    .addHelpText(
      "after",
      `
<gpu-model> is an id of @ocx/proofs' GPU_MODELS (nvidia-h100-80gb, …, cpu). n is the matrix side and steps the
chain's length L; both default to the size deployOcx writes (@ocx/proofs challengeSize). Checked as
ProofOfCompute.setModel checks them, before any transaction: n a multiple of 4 from 4 to MAX_N (and at most
541,073, where a GPU prover's int32 sums overflow), steps from 1 to MAX_STEPS, deadline from 1 s to MAX_DEADLINE.

Examples:
  $ ocx gov propose model nvidia-l4-24gb 80192 10 --description "Longer L4 challenges"
  $ ocx gov propose model cpu 256 2 --deadline 20 --description "Larger CPU challenges"
  $ ocx gov propose model nvidia-t4-16gb --remove --description "No more T4 attestations"
`,
    )
    .action(
      (
        model: string,
        n: string | undefined,
        steps: string | undefined,
        options: { deadline?: string; remove?: boolean },
        command: Command,
      ) =>
        proposeChange(command, (context) =>
          encodeModelChange(context.publicClient, {
            deployment: context.deployment,
            model,
            n: parseWhole("n", n),
            steps: parseWhole("steps", steps),
            deadlineSeconds: parseWhole("--deadline", options.deadline),
            remove: options.remove,
          }),
        ),
    );

  gov
    .command("list")
    .description("every proposal with its state, votes and whether it took effect")
    .action(async (_options: object, command: Command) => {
      const context = await createContext(command);
      requireGovernance(context);
      const [proposals, executions] = await Promise.all([
        listProposals(context.publicClient, { deployment: context.deployment }),
        proposalExecutions(context.publicClient, { deployment: context.deployment }),
      ]);
      const listed = proposals.map((p) => ({ ...p, effect: proposalEffect(p.state, executions.get(p.proposalId)) }));
      context.print(
        listed.length > 0 ? listed.map((p) => proposalLine(p, p.effect)).join("\n") : "no proposals yet",
        listed,
      );
    });

  gov
    .command("show <id>")
    .description(
      "one proposal: its calls in words (an executed one against the values before its execution), votes, quorum and timing",
    )
    .addHelpText(
      "after",
      `
An executed proposal's calls are told against the values in force before it (read at the block before its
execution) and marked "in force since block N"; a canceled, defeated or expired one's against the current values,
marked "never took effect"; any other's against the current values. --json gives each call's changes with their
before and after values.

Example:
  $ ocx gov show 1
`,
    )
    .action(async (id: string, _options: object, command: Command) => {
      const context = await createContext(command);
      const p = await findProposal(context, parseId(id));
      const { effect, valuesAt, calls } = await explainProposal(context.publicClient, {
        deployment: context.deployment,
        proposal: p,
      }).catch((error: unknown) => {
        if (p.state !== "executed") throw error;
        throw new OcxError(
          `cannot read the values proposal ${p.proposalId} changed at the block before its execution: this RPC node may keep no state that old; use an archive node's RPC`,
          { cause: error, exitCode: EXIT.chain },
        );
      });
      const eta = p.eta > 0n ? `\nexecutable from ${new Date(Number(p.eta) * 1000).toISOString()}` : "";
      const heading =
        effect.status === "in force"
          ? `executed in block ${effect.since}; its calls against the values before it:`
          : effect.status === "never"
            ? `never took effect (${effect.state}); its calls against the current values:`
            : `not in force yet (${effect.state}); its calls against the current values:`;
      const mark = effect.status === "not yet" ? "" : ` (${effectWords(effect)})`;
      context.print(
        [
          proposalLine(p, effect),
          `proposer ${p.proposer}; vote from block ${p.voteStart} to ${p.voteEnd}; quorum ${formatOcx(p.quorum)}${eta}`,
          heading,
          ...calls.map((c, i) => `  ${i + 1}. ${c.text}${mark}`),
          "",
          p.description,
        ].join("\n"),
        { ...p, effect, ...(valuesAt === undefined ? {} : { valuesAt }), callsDescribed: calls },
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
