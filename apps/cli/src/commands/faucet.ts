// `ocx faucet`: free OCX, compute credits and ETH on the local chain, from anvil's account 0 (the treasury).
import { ANVIL_KEYS } from "@ocx/node-kit";
import { formatOcx, fundPaymentTokens, OcxUsageError, transferSync } from "@ocx/sdk";
import { Command } from "commander";
import { createWalletClient, http, numberToHex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { actingAddress, parseAddress, parseOcxArgument } from "../chain.js";
import { createContext } from "../context.js";
import { formatUsd, settlesInCredits } from "../format.js";

const ETH_GRANT = parseEther("10");

export function faucetCommand(): Command {
  return new Command("faucet")
    .description("send OCX, compute credits ($) and 10 ETH to an address on the local chain (31337)")
    .argument("[address]", "who gets them (default: the acting wallet)")
    .option("--amount <ocx>", "OCX to send (stake, votes)", "1000")
    .option("--credits <usd>", "dollars of credits to send (what the market settles in); 0 for none", "1000")
    .addHelpText(
      "after",
      `
Only on the local chain that \`ocx devnet\` starts: the OCX comes from anvil's account 0 (the
treasury); the credits are minted by the treasury burning its OCX at the devnet's OCX/USD price
(the CreditsMinted event shows the OCX burned); the ETH is minted with anvil_setBalance. A
deployment without credits settles in OCX, and gets no credits.

Examples:
  $ ocx faucet
  $ ocx faucet 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 5000 --credits 250 --json
`,
    )
    .action(async (addressArg: string | undefined, options: { amount: string; credits: string }, command: Command) => {
      const given = addressArg === undefined ? undefined : parseAddress(addressArg);
      const amount = parseOcxArgument(options.amount, "--amount");
      const creditsText = options.credits.trim().replace(/^\$/, "");
      const credits = /^0*(\.0*)?$/.test(creditsText) ? 0n : parseOcxArgument(creditsText, "--credits", "dollars");
      const context = await createContext(command);
      if (context.chain.id !== 31337) {
        throw new OcxUsageError(`the faucet only works on the local chain (31337); this is chain ${context.chain.id}`);
      }
      const to = given ?? (await actingAddress(context));
      const treasury = createWalletClient({
        chain: context.chain,
        transport: http(context.options.rpcUrl),
        account: privateKeyToAccount(ANVIL_KEYS[0]),
        pollingInterval: 100,
      });
      const { deployment } = context;
      const { receipt } = await transferSync(treasury, { deployment, to, value: amount });
      const minted =
        credits > 0n && settlesInCredits(deployment)
          ? await fundPaymentTokens(treasury, { deployment, to, amount: credits })
          : undefined;
      const eth = (await context.publicClient.getBalance({ address: to })) + ETH_GRANT;
      await context.publicClient.request({
        method: "anvil_setBalance" as never,
        params: [to, numberToHex(eth)] as never,
      });
      const creditsLine = minted
        ? `, ${formatUsd(credits)} of credits (${minted.creditsMinted > 0n ? `the treasury burned ${formatOcx(minted.ocxBurned)} to mint ${formatUsd(minted.creditsMinted)}` : "from the treasury's credits"})`
        : "";
      context.print(`sent ${formatOcx(amount)}${creditsLine} and 10 ETH to ${to}`, {
        address: to,
        ocx: amount,
        credits: minted ? credits : 0n,
        creditsUsd: formatUsd(minted ? credits : 0n),
        ocxBurnedForCredits: minted?.ocxBurned ?? 0n,
        eth: ETH_GRANT,
        transaction: receipt.transactionHash,
        creditsTransaction: minted?.receipt?.transactionHash ?? null,
      });
    });
}
