// `ocx provider rewards [--record] [--claim]`: the acting provider's emissions per epoch (verified GPU-seconds,
// what each finished epoch pays), recording its leases' paid time and claiming finished epochs on request.
import {
  claimEmissionsSync,
  emissionsAbi,
  formatOcx,
  getClaimable,
  getEmissionEpoch,
  getEmissionWork,
  getLease,
  LeaseState,
  marketplaceAbi,
  OcxContractError,
  OcxError,
  recordWorkSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { chainTime } from "../chain.js";
import { createContext } from "../context.js";
import { formatRelative } from "../format.js";

/** One epoch of the provider's emissions, as `--json` prints it (amounts in wei). */
interface EpochRewards {
  epoch: bigint;
  units: bigint;
  totalUnits: bigint;
  emission: bigint;
  end: number;
  finished: boolean;
  claimed: boolean;
  claimable: bigint;
  claimTransaction?: string;
}

/** The `ocx provider rewards` command. */
export function providerRewardsCommand(): Command {
  return new Command("rewards")
    .description("emissions for verified GPU-seconds: per epoch, record leases' paid time, claim finished epochs")
    .option("--record", "count the paid time of this provider's running leases now (Emissions.recordWork)")
    .option("--claim", "claim every finished, unclaimed epoch with recorded work")
    .addHelpText(
      "after",
      `
Work counts only while the provider holds a current attestation, into the epoch running when it is recorded;
record right after acknowledging a lease and at least once per epoch (--record). See docs/economy.md.

Examples:
  $ ocx provider rewards
  $ ocx provider rewards --record --claim --json
`,
    )
    .action(async (options: { record?: boolean; claim?: boolean }, command: Command) => {
      const context = await createContext(command);
      const me = (await context.account()).address;
      const { deployment, publicClient } = context;
      if (!deployment.emissions) {
        throw new OcxError(
          "this deployment has no Emissions contract: it was made before emissions; redeploy (`ocx devnet`)",
        );
      }
      const fromBlock = BigInt(deployment.startBlock);
      const recorded: string[] = [];
      if (options.record) {
        const created = await publicClient.getContractEvents({
          address: deployment.marketplace,
          abi: marketplaceAbi,
          eventName: "LeaseCreated",
          args: { provider: me },
          fromBlock,
        });
        for (const log of created) {
          const leaseId = log.args.leaseId as bigint;
          const lease = await getLease(publicClient, { deployment, leaseId });
          if (lease.state !== LeaseState.Active || lease.offerId === 0) continue;
          try {
            const { receipt } = await recordWorkSync(await context.walletClient(), { deployment, leaseId });
            recorded.push(receipt.transactionHash);
          } catch (error) {
            // Nothing new to count (already recorded this second) is not a failure of the command.
            if (!(error instanceof OcxContractError) || error.errorName !== "EmissionsNothingToRecord") throw error;
          }
        }
      }
      const logs = await publicClient.getContractEvents({
        address: deployment.emissions,
        abi: emissionsAbi,
        eventName: "WorkRecorded",
        args: { provider: me },
        fromBlock,
      });
      const epochs = [...new Set(logs.filter((l) => (l.args.units ?? 0n) > 0n).map((l) => l.args.epoch as bigint))];
      epochs.sort((a, b) => (a < b ? -1 : 1));
      const now = await chainTime(context);
      const rows: EpochRewards[] = [];
      for (const epoch of epochs) {
        const [record, [units, claimed]] = await Promise.all([
          getEmissionEpoch(publicClient, { deployment, epoch }),
          getEmissionWork(publicClient, { deployment, provider: me, epoch }),
        ]);
        const row: EpochRewards = {
          epoch,
          units,
          totalUnits: record.units,
          emission: record.emission,
          end: Number(record.end),
          finished: Number(record.end) <= now,
          claimed,
          claimable: await getClaimable(publicClient, { deployment, provider: me, epoch }),
        };
        if (options.claim && row.finished && !claimed && units > 0n) {
          const { receipt, event } = await claimEmissionsSync(await context.walletClient(), {
            deployment,
            provider: me,
            epoch,
          });
          row.claimed = true;
          row.claimable = event.reward;
          row.claimTransaction = receipt.transactionHash;
        }
        rows.push(row);
      }
      const lines = rows.map((r) => {
        const share = `${r.units} of ${r.totalUnits} GPU-s`;
        const state = !r.finished
          ? `running, ends ${formatRelative(r.end, now)}`
          : r.claimTransaction
            ? `claimed ${formatOcx(r.claimable)} now`
            : r.claimed
              ? "claimed"
              : r.claimable === 0n
                ? "nothing to claim (slashed in or after the epoch)"
                : `claimable ${formatOcx(r.claimable)}`;
        return `epoch ${r.epoch}: ${share}, emission ${formatOcx(r.emission)}; ${state}`;
      });
      const head = recorded.length > 0 ? [`recorded ${recorded.length} lease(s)`] : [];
      context.print(
        [...head, ...(lines.length > 0 ? lines : ["no verified work recorded yet (see --record)"])].join("\n"),
        { provider: me, recorded, epochs: rows },
      );
    });
}
