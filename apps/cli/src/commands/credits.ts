// `ocx credits`: compute credits ($1 each) minted by burning OCX at the oracle's price, redeemed for newly minted
// OCX, the acting account's balances, and the OCX/USD price the conversions use (docs/economy.md).
import {
  creditsAddress,
  ensureAllowance,
  formatOcx,
  getCreditBalance,
  getCreditsParameters,
  getOcxPrice,
  getTokenBalance,
  mintCreditsSync,
  OcxError,
  quoteMintCredits,
  quoteRedeemCredits,
  redeemCreditsSync,
  setOcxPriceSync,
} from "@ocx/sdk";
import { Command } from "commander";
import { formatUnits } from "viem";
import { actingAddress, parseOcxArgument } from "../chain.js";
import { type Context, createContext } from "../context.js";
import { formatUsd } from "../format.js";

/** Dollars per OCX from the feed's answer: "0.5" for 50000000 at 8 decimals. */
const usdPerOcx = (price: bigint, decimals: number) => formatUnits(price, decimals);

async function mint(context: Context, ocxIn: bigint): Promise<void> {
  const { deployment, publicClient } = context;
  const spender = creditsAddress(deployment);
  const wallet = await context.walletClient();
  const owner = wallet.account.address;
  const balance = await getTokenBalance(publicClient, { deployment, account: owner });
  if (balance < ocxIn) {
    throw new OcxError(
      `${owner} holds ${formatOcx(balance)} but ${formatOcx(ocxIn)} are needed; get OCX first (\`ocx faucet\` on a local chain)`,
    );
  }
  const { approved } = await ensureAllowance(wallet, { deployment, spender, amount: ocxIn });
  if (approved) context.progress(`approved OcxCredits (${spender}) to burn ${formatOcx(ocxIn)}`);
  const { receipt, event } = await mintCreditsSync(wallet, { deployment, ocxIn });
  const { decimals } = await getOcxPrice(publicClient, { deployment });
  context.print(
    `burned ${formatOcx(event.ocxBurned)} at $${usdPerOcx(event.price, decimals)}/OCX → ${formatUsd(event.credits)} in credits`,
    { ...event, account: owner, transaction: receipt.transactionHash },
  );
}

async function redeem(context: Context, creditsIn: bigint): Promise<void> {
  const { deployment, publicClient } = context;
  const wallet = await context.walletClient();
  const owner = wallet.account.address;
  const balance = await getCreditBalance(publicClient, { deployment, account: owner });
  if (balance < creditsIn) {
    throw new OcxError(
      `${owner} holds ${formatUsd(balance)} in credits but ${formatUsd(creditsIn)} were asked to redeem`,
    );
  }
  const { receipt, event } = await redeemCreditsSync(wallet, { deployment, creditsIn });
  const { decimals } = await getOcxPrice(publicClient, { deployment });
  context.print(
    `redeemed ${formatUsd(event.credits)} in credits at $${usdPerOcx(event.price, decimals)}/OCX → ${formatOcx(event.ocxMinted)} minted`,
    { ...event, account: owner, transaction: receipt.transactionHash },
  );
}

export function creditsCommand(): Command {
  const command = new Command("credits").description(
    "compute credits ($1 each): mint by burning OCX at the oracle price, redeem for OCX, balances, the OCX/USD price",
  );
  command
    .command("mint")
    .description("burn OCX for credits at the oracle's price less the spread (rounded down)")
    .argument("<ocx>", "OCX to burn, e.g. 100")
    .addHelpText("after", "\nExamples:\n  $ ocx credits mint 100\n  $ ocx --dev-account 2 credits mint 2.5 --json\n")
    .action(async (amount: string, _options: unknown, cmd: Command) => {
      const ocxIn = parseOcxArgument(amount, "the OCX to burn");
      await mint(await createContext(cmd), ocxIn);
    });
  command
    .command("redeem")
    .description("burn credits for newly minted OCX at the oracle's price plus the spread (rounded down)")
    .argument("<credits>", "credits to redeem, in dollars, e.g. 25")
    .addHelpText("after", "\nExamples:\n  $ ocx credits redeem 25\n")
    .action(async (amount: string, _options: unknown, cmd: Command) => {
      const creditsIn = parseOcxArgument(amount.replace(/^\$/, ""), "the credits to redeem");
      await redeem(await createContext(cmd), creditsIn);
    });
  command
    .command("balance")
    .description("the acting account's credits and OCX, and what each would convert to now")
    .action(async (_options: unknown, cmd: Command) => {
      const context = await createContext(cmd);
      const { deployment, publicClient } = context;
      const account = await actingAddress(context);
      const [credits, ocx] = await Promise.all([
        getCreditBalance(publicClient, { deployment, account }),
        getTokenBalance(publicClient, { deployment, account }),
      ]);
      const [[ocxIfRedeemed], [creditsIfMinted]] = await Promise.all([
        quoteRedeemCredits(publicClient, { deployment, creditsIn: credits }),
        quoteMintCredits(publicClient, { deployment, ocxIn: ocx }),
      ]);
      context.print(
        [
          `${account}`,
          `  credits  ${formatUsd(credits)}  (redeem → ${formatOcx(ocxIfRedeemed)})`,
          `  OCX      ${formatOcx(ocx)}  (mint → ${formatUsd(creditsIfMinted)})`,
        ].join("\n"),
        { account, credits, ocx, ocxIfRedeemed, creditsIfMinted },
      );
    });
  command
    .command("price")
    .description(
      "the OCX/USD price the conversions use, its age, the spread and the bounds; --set moves the devnet feed",
    )
    .option("--set <usd>", "post a new price to the devnet's feed (its updater only), e.g. 0.50")
    .addHelpText("after", "\nExamples:\n  $ ocx credits price\n  $ ocx --dev-account 0 credits price --set 0.75\n")
    .action(async (options: { set?: string }, cmd: Command) => {
      const context = await createContext(cmd);
      const { deployment, publicClient } = context;
      if (options.set !== undefined) {
        const { receipt } = await setOcxPriceSync(await context.walletClient(), { deployment, usdPerOcx: options.set });
        context.progress(`posted $${options.set.replace(/^\$/, "")}/OCX in transaction ${receipt.transactionHash}`);
      }
      const [feed, parameters, block] = await Promise.all([
        getOcxPrice(publicClient, { deployment }),
        getCreditsParameters(publicClient, { deployment }),
        publicClient.getBlock(),
      ]);
      const age = block.timestamp - feed.updatedAt;
      const stale = age > BigInt(parameters.maxPriceAge);
      context.print(
        [
          `OCX/USD  $${usdPerOcx(feed.price, feed.decimals)}  (round ${feed.roundId}, ${age} s old${stale ? `: STALE, older than ${parameters.maxPriceAge} s, mint and redeem refuse until it is updated` : ""})`,
          `spread   ${parameters.spreadBps / 100}% on mint and redeem`,
          `bounds   a price older than ${parameters.maxPriceAge} s or ${parameters.maxPriceMoveBps / 100}% from the last accepted one stops mint and redeem`,
          `breaker  at most ${formatOcx(parameters.maxOcxMintedPerEpoch)} minted by redemption per ${parameters.breakerEpoch} s`,
        ].join("\n"),
        { ...feed, usdPerOcx: usdPerOcx(feed.price, feed.decimals), ageSeconds: age, stale, parameters },
      );
    });
  return command;
}
