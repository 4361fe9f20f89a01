// `ocx channels`: the acting account's payment channels (pay-per-request deposits for x402 endpoints, docs/payments.md):
// deposit for a payee, see a channel, ask to leave, and withdraw what was not redeemed after the unlock delay.
import {
  cancelChannelUnlock,
  channelsAddress,
  depositToChannelSync,
  ensureAllowance,
  getChannel,
  getChannelTerms,
  getTokenBalance,
  OcxError,
  requestChannelUnlock,
  withdrawFromChannel,
} from "@ocx/sdk";
import { Command } from "commander";
import type { Address } from "viem";
import { actingAddress, chainTime, parseAddress, parsePaymentArgument } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { formatPayment, formatRelative, paymentUnit } from "../format.js";

async function deposit(context: Context, payee: Address, amount: bigint): Promise<void> {
  const { deployment, publicClient } = context;
  const spender = channelsAddress(deployment);
  const wallet = await context.walletClient();
  const payer = wallet.account.address;
  const token = deployment.paymentToken;
  const balance = await getTokenBalance(publicClient, { deployment, account: payer, token });
  if (balance < amount) {
    throw new OcxError(
      `${payer} holds ${formatPayment(balance, deployment)} but the deposit is ${formatPayment(amount, deployment)}; fund the account first (\`ocx faucet\` on a local chain, \`ocx credits mint\`)`,
    );
  }
  const { approved } = await ensureAllowance(wallet, { deployment, spender, token, amount });
  if (approved) context.progress(`approved PaymentChannels (${spender}) to take ${formatPayment(amount, deployment)}`);
  const { receipt, event } = await depositToChannelSync(wallet, { deployment, payee, amount });
  context.print(
    `deposited ${formatPayment(event.amount, deployment)} for ${payee}; the channel holds ${formatPayment(event.balance, deployment)}`,
    { payer, payee, amount: event.amount, balance: event.balance, transaction: receipt.transactionHash },
  );
}

async function status(context: Context, payee: Address): Promise<void> {
  const { deployment, publicClient } = context;
  const payer = await actingAddress(context);
  const [channel, terms, now] = await Promise.all([
    getChannel(publicClient, { deployment, payer, payee }),
    getChannelTerms(publicClient, { deployment }),
    chainTime(context),
  ]);
  const unlockAt = Number(channel.unlockAt);
  const unlock =
    unlockAt === 0
      ? `none requested (withdrawing takes \`ocx channels unlock\`, then ${terms.unlockDelaySeconds} s)`
      : unlockAt <= now
        ? "open: `ocx channels withdraw` returns the balance"
        : `requested; withdraw opens ${formatRelative(unlockAt, now)}`;
  context.print(
    [
      `channel ${payer} → ${payee}`,
      `  balance   ${formatPayment(channel.balance, deployment)}  (deposited, not yet redeemed)`,
      `  redeemed  ${formatPayment(channel.redeemed, deployment)}  (paid to the payee in all)`,
      `  unlock    ${unlock}`,
    ].join("\n"),
    { payer, payee, ...channel, unlockDelaySeconds: terms.unlockDelaySeconds, channels: channelsAddress(deployment) },
  );
}

export function channelsCommand(): Command {
  const command = new Command("channels").description(
    "payment channels for pay-per-request endpoints: deposit for a payee, status, unlock, withdraw",
  );
  command
    .command("deposit")
    .description("deposit into your channel to a payee (approves PaymentChannels for exactly that amount)")
    .argument("<payee>", "the payee's address (an inference endpoint's registrant, a gateway)")
    .argument("<amount>", "how much, in the market's unit ($ when it settles in credits, else OCX), e.g. 5")
    .addHelpText("after", "\nExamples:\n  $ ocx channels deposit 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 5\n")
    .action(async (payee: string, amount: string, _options: unknown, cmd: Command) => {
      const context = await createContext(cmd);
      const value = parsePaymentArgument(
        amount,
        `the deposit (${paymentUnit(context.deployment)})`,
        context.deployment,
      );
      if (value === 0n) throw new OcxError("the deposit must be more than 0");
      await deposit(context, parseAddress(payee), value);
    });
  command
    .command("status")
    .description("your channel to a payee: balance, what was redeemed, the unlock state")
    .argument("<payee>", "the payee's address")
    .action(async (payee: string, _options: unknown, cmd: Command) => {
      await status(await createContext(cmd), parseAddress(payee));
    });
  command
    .command("unlock")
    .description("ask to leave your channel to a payee: withdraw opens after the unlock delay (--cancel: stay)")
    .argument("<payee>", "the payee's address")
    .option("--cancel", "cancel a pending unlock request")
    .action(async (payee: string, options: { cancel?: boolean }, cmd: Command) => {
      const context = await createContext(cmd);
      const wallet = await context.walletClient();
      const to = parseAddress(payee);
      if (options.cancel) {
        const { receipt } = await cancelChannelUnlock(wallet, { deployment: context.deployment, payee: to });
        context.print(`unlock cancelled for ${to}`, { payee: to, transaction: receipt.transactionHash });
        return;
      }
      const { receipt, event } = await requestChannelUnlock(wallet, { deployment: context.deployment, payee: to });
      const at = Number(event.unlockAt);
      context.print(
        `unlock requested: \`ocx channels withdraw ${to}\` opens at ${new Date(at * 1000).toISOString()}; the payee can still redeem until then`,
        { payee: to, unlockAt: event.unlockAt, transaction: receipt.transactionHash },
      );
    });
  command
    .command("withdraw")
    .description("after the unlock delay, take back what your channel to a payee still holds")
    .argument("<payee>", "the payee's address")
    .action(async (payee: string, _options: unknown, cmd: Command) => {
      const context = await createContext(cmd);
      const { receipt, event } = await withdrawFromChannel(await context.walletClient(), {
        deployment: context.deployment,
        payee: parseAddress(payee),
      });
      context.print(`withdrew ${formatPayment(event.amount, context.deployment)} from the channel to ${event.payee}`, {
        payee: event.payee,
        amount: event.amount,
        transaction: receipt.transactionHash,
      });
    });
  return command;
}
