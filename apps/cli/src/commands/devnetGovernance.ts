// The devnet's governance: OcxGovernor and OcxTimelock take every admin and parameter role once the devnet's own
// set-up (the validator's admission) is done, the dev accounts' OCX vote, and an idle chain still moves its clock.
import type { Localnet } from "@ocx/node-kit";
import { DEVNET_GOVERNANCE, delegateVotesSync, deployGovernance } from "@ocx/sdk";

/** Seconds between the empty blocks an idle devnet mines, so that votes open and close without traffic. */
export const DEVNET_BLOCK_TICK_SECONDS = 1;

/** What `governDevnet` started: the block ticker, stopped before the chain. */
export interface DevnetGovernance {
  /** One line for the devnet's banner. */
  summary: string;
  /**
   * Starts mining an empty block every {@link DEVNET_BLOCK_TICK_SECONDS} s on an automining chain (nothing with a
   * block time). Called once the devnet is up: blocks mined during start-up would lengthen the indexer's backfill.
   */
  startClock(): void;
  stop(): void;
}

/**
 * Deploys governance on a running devnet (deployOcx's last step, run here because the devnet first admits its
 * validator with the deployer's VALIDATOR_ADMIN_ROLE), writes the governor and timelock into `net.deployment`,
 * and delegates each of accounts 1–9's OCX to itself (account 0, the deployer, delegates in deployGovernance).
 * The governor counts blocks and an idle automining chain mines none: `startClock` keeps blocks coming.
 */
export async function governDevnet(net: Localnet, options: { blockTime?: number } = {}): Promise<DevnetGovernance> {
  const settings = DEVNET_GOVERNANCE;
  const added = await deployGovernance(
    { walletClient: net.wallet(0), publicClient: net.publicClient },
    net.deployment,
    settings,
  );
  net.deployment = { ...net.deployment, ...added };
  for (let i = 1; i <= 9; i++) {
    const wallet = net.wallet(i);
    await delegateVotesSync(wallet, { deployment: net.deployment, delegatee: wallet.account.address });
  }
  const tick = options.blockTime ?? DEVNET_BLOCK_TICK_SECONDS;
  let ticker: NodeJS.Timeout | undefined;
  return {
    summary:
      `OcxGovernor ${added.governor}, OcxTimelock ${added.timelock} (holds every admin and parameter role)\n` +
      `  votes open ${settings.votingDelay} block after a proposal and last ${settings.votingPeriod} blocks ` +
      `(a block at least every ${tick} s), the timelock waits ${settings.timelockDelay} s; ` +
      `accounts 0–9 vote with their OCX (account 0 holds most of it); the guardian (pause) and the price feed's updater are account 0`,
    startClock: () => {
      if (options.blockTime || ticker) return;
      ticker = setInterval(() => {
        net.publicClient.request({ method: "evm_mine" } as never).catch(() => {});
      }, tick * 1000);
      ticker.unref();
    },
    stop: () => clearInterval(ticker),
  };
}
