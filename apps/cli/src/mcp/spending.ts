// How the tools' spending meets the budget, in one place: a lease's most is reserved before any transaction, the
// reservation becomes the lease's deposit once it is taken, and when the lease ends the chain's bill replaces it.
import {
  billLease,
  type DeployServiceEvent,
  getLease,
  getTokenBalance,
  type LeasePlan,
  LeaseState,
  marketplaceAbi,
  OcxError,
  toOcxError,
} from "@ocx/sdk";
import { formatAmount } from "./budget.js";
import type { ToolEnvironment } from "./tools.js";

/** What `spendOnLease` hands the SDK's `launchLease` (or `deployService`, which calls it). */
export interface SpendingHooks {
  /** Checks the balance and reserves the lease's most against the budget; throws to stop before any transaction. */
  approve: (plan: LeasePlan) => Promise<void>;
  /** Binds the reservation to the lease once it is taken. */
  onEvent: (event: DeployServiceEvent) => void;
}

/**
 * Runs `launch` (a lease taken through the SDK's `launchLease`) with the budget's hooks. Before any transaction the
 * account must hold the lease's most (`plan.maxDeposit`) and the budget must fit it (reserved in one step); once
 * the lease exists its deposit is held instead. When `launch` fails before a lease was reported, the chain is
 * asked whether one was created for this account after all (a failure after the transaction): if so its deposit
 * stays held, else the reservation is released.
 */
export async function spendOnLease<T>(
  env: ToolEnvironment,
  tool: string,
  what: (plan: LeasePlan) => string,
  launch: (hooks: SpendingHooks) => Promise<T>,
): Promise<T> {
  const { context, budget, unit } = env;
  let hold: number | undefined;
  let leased = false;
  let fromBlock = 0n;
  const hooks: SpendingHooks = {
    async approve(plan) {
      const description = what(plan);
      await settleEndedLeases(env);
      const balance = await getTokenBalance(context.publicClient, {
        deployment: { token: unit.address },
        account: env.account,
      });
      if (balance < plan.maxDeposit) {
        throw new OcxError(
          `${tool} refused: ${description} needs a deposit of ${formatAmount(plan.maxDeposit, unit)} but ${env.account} holds ${formatAmount(balance, unit)}; no transaction was sent`,
          { hint: "ask the human to fund this account, or ask for a shorter job" },
        );
      }
      fromBlock = await context.publicClient.getBlockNumber();
      hold = budget.reserve(tool, plan.maxDeposit, description);
      const after = budget.snapshot();
      env.log(
        `${tool}: reserved ${formatAmount(plan.maxDeposit, unit)} for ${description} (budget "${after.name}": ${formatAmount(after.spent, unit)} spent, ${formatAmount(after.reserved, unit)} reserved of ${formatAmount(after.limit, unit)})`,
      );
    },
    onEvent(event) {
      if (event.type !== "lease" || hold === undefined) return;
      budget.lease(hold, event.leaseId, event.deposit, event.fromBlock);
      leased = true;
      env.log(
        `${tool}: lease #${event.leaseId} holds ${formatAmount(event.deposit, unit)} of the budget until it ends`,
      );
    },
  };
  try {
    return await launch(hooks);
  } catch (error) {
    if (hold !== undefined && !leased) await recoverHold(env, tool, hold, fromBlock);
    throw error;
  }
}

/**
 * A launch failed after its reservation, before a lease was reported: binds the reservation to a lease this account
 * created since `fromBlock` that no hold knows yet, or releases it when there is none (nothing reached escrow).
 * When the chain cannot be asked, the reservation stays (the human can `--budget-reset` after checking).
 */
async function recoverHold(env: ToolEnvironment, tool: string, hold: number, fromBlock: bigint): Promise<void> {
  const { context, budget, unit } = env;
  try {
    const created = await context.publicClient.getContractEvents({
      address: context.deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCreated",
      args: { buyer: env.account },
      fromBlock,
      strict: true,
    });
    const known = new Set(budget.holds().map((h) => h.leaseId));
    const orphan = created.find((e) => !known.has(e.args.leaseId));
    if (orphan) {
      budget.lease(hold, orphan.args.leaseId, orphan.args.deposit, orphan.blockNumber);
      env.log(
        `${tool} failed after lease #${orphan.args.leaseId} was created: its deposit ${formatAmount(orphan.args.deposit, unit)} stays held until it ends`,
      );
    } else {
      budget.release(hold);
      env.log(`${tool} failed before any lease was created: its reservation is released`);
    }
  } catch (error) {
    env.log(
      `${tool} failed, and the chain could not be asked whether a lease was created (${toOcxError(error).shortMessage}): its reservation stays`,
    );
  }
}

/**
 * Settles every lease of the budget that has ended on-chain: what it cost — the sum of its settlements' `paid`,
 * the protocol's fee included, at most its deposit (no rounding: the contract bills whole seconds at an integer
 * price) — replaces its deposit, and the rest of the budget is free again. Returns the leases settled.
 */
export async function settleEndedLeases(env: ToolEnvironment): Promise<{ leaseId: bigint; cost: bigint }[]> {
  const { context, budget, unit } = env;
  const settled: { leaseId: bigint; cost: bigint }[] = [];
  for (const hold of budget.openLeases()) {
    const leaseId = hold.leaseId as bigint;
    const lease = await getLease(context.publicClient, { deployment: context.deployment, leaseId });
    if (lease.state !== LeaseState.Closed) continue;
    const bill = await billLease(context.publicClient, {
      deployment: { marketplace: context.deployment.marketplace, startBlock: Number(hold.fromBlock ?? 0n) },
      leaseId,
    });
    const done = budget.settle(hold.id, bill.paid);
    if (!done) continue; // another call settled it first
    settled.push({ leaseId, cost: done.amount });
    env.log(
      `lease #${leaseId} ended: it cost ${formatAmount(done.amount, unit)} (fee ${formatAmount(bill.fee, unit)} included); ${formatAmount(hold.amount - done.amount, unit)} of its deposit is free again`,
    );
  }
  return settled;
}

/**
 * Waits up to `waitMs` for lease `leaseId` to close on-chain (a provider completes a job as it ends), then settles
 * it; returns what it cost, or undefined when it is still open (it is settled by a later call).
 */
export async function settleWhenClosed(
  env: ToolEnvironment,
  leaseId: bigint,
  waitMs: number,
): Promise<bigint | undefined> {
  const { context } = env;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lease = await getLease(context.publicClient, { deployment: context.deployment, leaseId });
    if (lease.state === LeaseState.Closed || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await settleEndedLeases(env);
  const hold = env.budget.holds().find((h) => h.leaseId === leaseId);
  return hold?.state === "settled" ? hold.amount : undefined;
}
